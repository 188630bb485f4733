"""Who may become an agent: a custom role that exists, and a free agent seat.

Every agent and admin takes a seat, light agents excepted ([DOC] help centre, "What counts
as an agent license"), and Zendesk refuses a new agent when none is left ([DOC] help centre,
"Why can't I add new agents and admins": "Subscription limit reached"). Through the API the
refusal's shape is not documented: the sandbox answers a 422 on ``role`` whose text says
no seat is left ([GUESS]).
"""

from __future__ import annotations

from zendesk_sandbox.generated.invalid import invalid
from zendesk_sandbox.generated.people import People, User
from zendesk_sandbox.generated.roles import LIGHT_AGENT_ROLE, CustomRole

AGENT_ROLES = ("agent", "admin")


def seats_taken(people: People) -> int:
    return sum(1 for user in people.users if _holds_seat(user))


def _holds_seat(user: User) -> bool:
    return user.is_agent and user.role_type != LIGHT_AGENT_ROLE


def agent_role(
    spec: dict,
    role: str,
    found: User | None,
    *,
    roles: list[CustomRole],
    people: People,
    seats: int,
) -> CustomRole | None:
    """The custom role a user with ``role`` gets from ``spec`` (or keeps), after checking
    the role exists and a seat is free; raises ``DirectoryError``."""
    asked = spec.get("custom_role_id")
    if asked is not None and role != "agent":
        # Admins and end users have no custom role ([GUESS], stricter than ignoring it).
        raise invalid("custom_role_id", "Custom role: only agents can have a custom role")
    chosen = None
    wanted = asked if "custom_role_id" in spec else (found.custom_role_id if found else None)
    if role == "agent" and wanted is not None:
        chosen = next((r for r in roles if r.id == wanted), None)
        if chosen is None:
            raise invalid("custom_role_id", "Custom role: is invalid")
    takes_seat = role in AGENT_ROLES and (chosen is None or chosen.takes_seat)
    if takes_seat and not (found is not None and _holds_seat(found)):
        taken = seats_taken(people)
        if taken >= seats:
            raise invalid(
                "role",
                f"Role: Subscription limit reached: no agent seat is left "
                f"({taken} of {seats} taken)",
            )
    return chosen
