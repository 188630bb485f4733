"""The destination account's people and structure, each looked up once per run and cached.

Lists that are small on any account (agents and admins, group memberships, groups, brands,
ticket forms, ticket fields) are read whole, the first time one is needed. People and
organizations can be many: each is looked up by e-mail or name when a ticket first needs
it. Every request is counted, for the mapping summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.copying.references import OPTION_TYPES, Field, Person
from zendesk_api.errors import ZendeskError
from zendesk_api.http import ZendeskClient
from zendesk_api.pages import Pages
from zendesk_api.retry import RetryBudget

AGENT_ROLES = ("agent", "admin")
FIELDS_PATH = "/api/v2/ticket_fields.json"
_FIELDS_KEY = FIELDS_PATH + repr([])


@dataclass
class DestinationUser:
    id: int
    email: str | None
    role: str
    suspended: bool = False
    organization_ids: set[int] = field(default_factory=set)


class Destination:
    """What account B has, as the mapping asks; ``dry_run`` creates nothing."""

    def __init__(self, client: ZendeskClient, *, dry_run: bool, budget: RetryBudget) -> None:
        self.client = client
        self.dry_run = dry_run
        self.budget = budget  # maxRetries for every call
        self.requests = 0
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._users: dict[str, DestinationUser | None] = {}  # e-mail -> user (None: none)
        self._organizations: dict[str, int | None] = {}  # lower-cased name -> id
        self._members: dict[int, set[int]] | None = None  # group id -> agent ids
        self._planned_ids = -1  # ids of users a dry run would create

    # Lists read whole -------------------------------------------------------------------

    def _list(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        cache_key = path + repr(sorted((params or {}).items()))
        if cache_key not in self._lists:
            items: list[dict[str, Any]] = []
            for page in Pages(self.client, path, key, budget=self.budget, params=params):
                self.requests += 1
                items += [item for item in page if isinstance(item, dict)]
            self._lists[cache_key] = items
        return self._lists[cache_key]

    def agent(self, email: str | None) -> DestinationUser | None:
        """The agent or admin of B with this e-mail, active or suspended."""
        if not email:
            return None
        for user in self._list("/api/v2/users.json", "users", {"role[]": ["agent", "admin"]}):
            if _email(user) == email and user.get("role") in AGENT_ROLES:
                return _user(user)
        return None

    def is_member(self, agent_id: int, group_id: int) -> bool:
        if self._members is None:
            self._members = {}
            for membership in self._list("/api/v2/group_memberships.json", "group_memberships"):
                group, user = membership.get("group_id"), membership.get("user_id")
                if isinstance(group, int) and isinstance(user, int):
                    self._members.setdefault(group, set()).add(user)
        return agent_id in self._members.get(group_id, set())

    def named(self, kind: str, name: str | None) -> int | None:
        """The id of B's group, brand or ticket form with this name (exact, then any case)."""
        if not name:
            return None
        records = self._list(f"/api/v2/{kind}.json", kind)
        for exact in (True, False):
            for record in records:
                other = record.get("name")
                if isinstance(other, str) and (
                    other == name if exact else other.casefold() == name.casefold()
                ):
                    return record.get("id") if isinstance(record.get("id"), int) else None
        return None

    def field(self, title: str, field_type: str) -> Field | None:
        """B's ticket field with this title and type, with its options."""
        for record in self._list(FIELDS_PATH, "ticket_fields"):
            if record.get("type") == field_type and str(record.get("title")).casefold() == (
                title.casefold()
            ):
                options = {
                    str(option.get("value")): str(option.get("name"))
                    for option in record.get("custom_field_options") or []
                    if field_type in OPTION_TYPES and isinstance(option, Mapping)
                }
                return Field(int(record["id"]), title, field_type, options)
        return None

    def fields_titled(self, title: str) -> list[int]:
        """The ids of B's ticket fields with this title, whatever their type."""
        return [
            int(record["id"])
            for record in self._list(FIELDS_PATH, "ticket_fields")
            if isinstance(record.get("id"), int)
            and str(record.get("title")).casefold() == title.casefold()
        ]

    def text_field(self, title: str) -> int | None:
        """B's text field with this title, created when missing (not in a dry run)."""
        found = self.field(title, "text")
        if found is not None or self.dry_run:
            return found.id if found else None
        self.requests += 1
        document = self.client.policy.call(
            lambda: self.client.fetch(
                "POST",
                "/api/v2/ticket_fields.json",
                body={"ticket_field": {"type": "text", "title": title}},
            ),
            what="POST /api/v2/ticket_fields.json",
            budget=self.budget,
        )
        created = document.get("ticket_field") if isinstance(document, Mapping) else None
        if not isinstance(created, Mapping) or not isinstance(created.get("id"), int):
            raise ZendeskError(f"Zendesk created the ticket field {title!r} without an id")
        self._lists.pop(_FIELDS_KEY, None)  # read again with the new field next time
        return int(created["id"])

    # Looked up one by one ---------------------------------------------------------------

    def user(self, email: str | None) -> DestinationUser | None:
        """B's user with this e-mail (any role), or None."""
        if not email:
            return None
        if email not in self._users:
            agent = self.agent(email)
            if agent is not None:
                self._users[email] = agent
            else:
                self.requests += 1
                document = self.client.get_json(
                    "/api/v2/users/search.json",
                    {"query": f"email:{email}"},
                    budget=self.budget,
                    what="GET /api/v2/users/search.json (a person by e-mail)",
                )
                found = [u for u in document.get("users") or [] if _email(u) == email]
                self._users[email] = _user(found[0]) if found else None
        return self._users[email]

    def create_user(self, person: Person, organization_id: int | None) -> DestinationUser:
        """An end user for ``person`` (a dry run only pretends)."""
        assert person.email  # people without e-mail are never created
        if self.dry_run:
            self._planned_ids -= 1
            created = DestinationUser(self._planned_ids, person.email, "end-user")
        else:
            body: dict[str, Any] = {"name": person.name or person.email, "email": person.email}
            if organization_id is not None:
                body["organization_id"] = organization_id
            self.requests += 1
            document = self.client.policy.call(
                lambda: self.client.fetch(
                    "POST", "/api/v2/users/create_or_update.json", body={"user": body}
                ),
                what="POST /api/v2/users/create_or_update.json",
                budget=self.budget,
            )
            created = _user(document.get("user") or {})
        if organization_id is not None:
            created.organization_ids.add(organization_id)
        self._users[person.email] = created
        return created

    def organization(self, name: str | None) -> int | None:
        if not name:
            return None
        key = name.casefold()
        if key not in self._organizations:
            self.requests += 1
            document = self.client.get_json(
                "/api/v2/organizations/search.json",
                {"name": name},
                budget=self.budget,
                what="GET /api/v2/organizations/search.json (an organization by name)",
            )
            matches = [
                o.get("id")
                for o in document.get("organizations") or []
                if str(o.get("name")).casefold() == key and isinstance(o.get("id"), int)
            ]
            self._organizations[key] = matches[0] if matches else None
        return self._organizations[key]


def _email(user: Mapping[str, Any]) -> str | None:
    email = user.get("email")
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def _user(user: Mapping[str, Any]) -> DestinationUser:
    user_id = user.get("id")
    if not isinstance(user_id, int):
        raise ZendeskError(f"Zendesk sent a user without an id: {dict(user)!r:.200}")
    organizations = {o for o in user.get("organization_ids") or [] if isinstance(o, int)}
    if isinstance(user.get("organization_id"), int):
        organizations.add(user["organization_id"])
    return DestinationUser(
        user_id,
        _email(user),
        str(user.get("role") or "end-user"),
        bool(user.get("suspended")),
        organizations,
    )
