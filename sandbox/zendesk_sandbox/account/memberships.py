"""Create Group Membership and Create Organization Membership.

A group membership is for an agent or admin ([DOC]: "Assigns an agent to a given group"),
an organization membership for anyone; both need a user and a group or organization that
exist, and a user is a member once ([GUESS] texts, the stricter way: a 422 for each). The
membership then counts everywhere the user's groups or organizations do: the assignee
check, the requester's organizations on import, the membership lists.
"""

from __future__ import annotations

import copy

from zendesk_sandbox.account.rules import Problems
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.people import Membership, User

KINDS = {
    "group": ("group_id", "Group", "group"),
    "organization": ("organization_id", "Organization", "organization"),
}


def membership_problems(
    kind: str, spec: dict, directory: Directory, problems: Problems
) -> tuple[User | None, int]:
    """The user and the group or organization a new membership names, checked."""
    key, label, detail = KINDS[kind]
    user = directory.user(spec.get("user_id"))
    other_id = spec.get(key)
    table = (
        directory.structure.group_by_id
        if kind == "group"
        else directory.structure.organization_by_id
    )
    if user is None:
        problems.add("user", "User: is invalid")
    elif kind == "group" and not user.is_agent:
        problems.add("user", "User: must be an agent to join a group")
    if other_id not in table:
        problems.add(detail, f"{label}: is invalid")
    elif user is not None and other_id in _ids(user, kind):
        problems.add("user", f"User: is already a member of this {label.lower()}", "DuplicateValue")
    return user, other_id if isinstance(other_id, int) else 0


def joined(user: User, kind: str, other_id: int) -> User:
    """A copy of ``user`` that belongs to ``other_id`` too (the first one is the default)."""
    changed = copy.deepcopy(user)
    _ids(changed, kind).append(other_id)
    return changed


def new_membership(
    kind: str, membership_id: int, user: User, other_id: int, now: float
) -> Membership:
    return Membership(
        kind, membership_id, user.id, other_id, default=not _ids(user, kind), created_at=int(now)
    )


def _ids(user: User, kind: str) -> list[int]:
    return user.group_ids if kind == "group" else user.organization_ids
