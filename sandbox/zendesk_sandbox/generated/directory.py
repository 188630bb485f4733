"""The people and structure of one account, together: what every id in a ticket refers to.

``Directory.for_config`` generates them for the realistic account, makes a new account's
for ``empty=True`` (new_account.py) and returns an empty directory for ``people=False``.
Besides lookups it holds the few ways the API changes people: users found or created by
e-mail and ``users/create_or_update`` (with their roles, seats and user field values).
The structure the API creates is the account model's (account/structure_writes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated.agent_roles import agent_role, seats_taken
from zendesk_sandbox.generated.invalid import DirectoryError, invalid
from zendesk_sandbox.generated.new_account import new_people, new_structure
from zendesk_sandbox.generated.people import (
    Membership,
    People,
    User,
    counts_for,
    membership_json,
    valid_email,
)
from zendesk_sandbox.generated.record_fields import RecordField, clean_record_values
from zendesk_sandbox.generated.roles import CustomRole, account_roles
from zendesk_sandbox.generated.statuses import CustomStatus, custom_statuses
from zendesk_sandbox.generated.structure import Structure
from zendesk_sandbox.generated.universe import ACCOUNT_STRIDE, object_id

__all__ = ["Directory", "DirectoryError", "invalid"]

# Agent seats when the config names none: a new account's few, or the generated agents
# and admins plus this many free ones ([GUESS]: enough for tests that add a few agents).
NEW_ACCOUNT_SEATS = 5
FREE_SEATS = 10


def _apply_user_changes(user: User, spec: dict) -> None:
    if isinstance(spec.get("name"), str) and spec["name"].strip():
        user.name = spec["name"].strip()
    if isinstance(spec.get("email"), str):
        user.email = spec["email"].strip()
    if isinstance(spec.get("external_id"), str):
        user.external_id = spec["external_id"]
    if isinstance(spec.get("suspended"), bool):
        user.suspended = spec["suspended"]
    if isinstance(spec.get("tags"), list):
        user.tags = [str(tag) for tag in spec["tags"]]


@dataclass
class Directory:
    account: int
    people: People
    structure: Structure
    custom_roles: list[CustomRole] = field(default_factory=list)
    agent_seats: int = 0
    # User and organization field definitions, by id (record_fields.py).
    user_fields: dict[int, RecordField] = field(default_factory=dict)
    organization_fields: dict[int, RecordField] = field(default_factory=dict)
    created_memberships: list[Membership] = field(default_factory=list)
    #: Custom ticket statuses created through the API (statuses.py generates the others).
    created_statuses: list[CustomStatus] = field(default_factory=list)
    #: A new account (``empty``) has the default status of each category only.
    defaults_only_statuses: bool = False

    def custom_statuses(self) -> list[CustomStatus]:
        """Every custom status of the account: the generated ones, then those created."""
        generated = [
            status
            for status in custom_statuses(self.account)
            if status.default or not self.defaults_only_statuses
        ]
        return generated + list(self.created_statuses)

    def default_status_id(self, category: object) -> int | None:
        """The id of the default custom status of ``category`` (None: no such category)."""
        for status in self.custom_statuses():
            if status.default and status.category == category:
                return status.id
        return None

    def status_category(self, status_id: object) -> str | None:
        """The category of the account's custom status with this id (None: it has none)."""
        for status in self.custom_statuses():
            if status.id == status_id:
                return status.category
        return None

    @classmethod
    def for_config(cls, config: SandboxConfig) -> Directory:
        if not config.people:
            return cls(config.account, People(), Structure.empty())
        roles = account_roles(config.account, config.universe, config.overlap, new=config.empty)
        if config.empty:
            structure = new_structure(
                account=config.account, universe=config.universe, overlap=config.overlap
            )
            people = new_people(
                account=config.account,
                structure=structure,
                admin_email=config.credentials.admin_email,
            )
            seats = NEW_ACCOUNT_SEATS if config.agent_seats is None else config.agent_seats
            return cls(config.account, people, structure, roles, seats, defaults_only_statuses=True)
        structure = Structure.generate(
            account=config.account,
            universe=config.universe,
            overlap=config.overlap,
            organizations=min(300, max(8, config.tickets // 60)),
        )
        people = People.generate(
            account=config.account,
            universe=config.universe,
            overlap=config.overlap,
            tickets=config.tickets,
            structure=structure,
            admin_email=config.credentials.admin_email,
            agent_email=config.credentials.agent_email,
        )
        seats = seats_taken(people) + FREE_SEATS
        if config.agent_seats is not None:
            seats = config.agent_seats
        return cls(config.account, people, structure, roles, seats)

    @staticmethod
    def sizes(tickets: int) -> dict[str, int]:
        end_users, agents = counts_for(tickets)
        return {"end_users": end_users, "agents": agents}

    # -- lookups -------------------------------------------------------------------------

    def user(self, user_id: object) -> User | None:
        return self.people.by_id.get(user_id) if isinstance(user_id, int) else None

    def members_of(self, group_id: int) -> list[User]:
        return self.people.members_of(group_id)

    def group_memberships(self, base_url: str) -> list[dict]:
        return self._memberships("group", base_url)

    def organization_memberships(self, base_url: str) -> list[dict]:
        return self._memberships("organization", base_url)

    def _memberships(self, kind: str, base_url: str) -> list[dict]:
        """The users' memberships: those made through the API as they were made, the others
        with ids that follow from the user and the list position."""
        made = {(m.user_id, m.other_id): m for m in self.created_memberships if m.kind == kind}
        listed = []
        for user in self.people.users:
            ids = user.group_ids if kind == "group" else user.organization_ids
            for index, other_id in enumerate(ids):
                if (user.id, other_id) in made:
                    continue
                membership_id = self._membership_id(f"{kind}_membership", user, index)
                listed.append(
                    membership_json(
                        kind, membership_id, user, other_id, default=index == 0, base_url=base_url
                    )
                )
        records = listed + [m.to_json(base_url) for m in made.values()]
        if kind == "organization":  # Zendesk names the organization too [DOC]
            names = {o.id: o.name for o in self.structure.organizations}
            for record in records:
                record["organization_name"] = names.get(record["organization_id"])
        return records

    def record_fields(self, owner: str) -> dict[str, RecordField]:
        """The user (``owner="user"``) or organization fields, by key."""
        table = self.user_fields if owner == "user" else self.organization_fields
        return {item.key: item for item in table.values()}

    def _membership_id(self, kind: str, user: User, index: int) -> int:
        return object_id(kind, self.account, (user.id % ACCOUNT_STRIDE) * 8 + index)

    # -- changes -------------------------------------------------------------------------

    def find_or_create_end_user(
        self, spec: dict, now: float, *, create: bool = True
    ) -> tuple[User | None, bool]:
        """The user a ``requester: {name, email[, locale_id]}`` object names.

        Found by e-mail (case-insensitively) and then left unchanged, as Zendesk documents;
        otherwise a new end user (only when ``create``; ``(None, True)`` says one would be
        made). Raises ``DirectoryError`` for a bad e-mail or a missing name.
        """
        email = spec.get("email")
        if not isinstance(email, str) or not valid_email(email):
            raise invalid("requester", "Requester: Email is invalid")
        found = self.people.find_email(email)
        if found is not None:
            return found, False
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid(
                "requester", "Requester: Name is too short (minimum is 1 character)", "TooShort"
            )
        if not create:
            return None, True
        user = User(
            self.people.new_user_id(self.account),
            name.strip(),
            email.strip(),
            "end-user",
            int(now),
            int(now),
        )
        self.people.add(user)
        return user, True

    def create_or_update_user(self, spec: object, now: float) -> tuple[User, bool]:
        """``users/create_or_update``: match by e-mail, then external_id; True if created."""
        if not isinstance(spec, dict):
            raise invalid("user", "User: must be an object")
        found = self._matching_user(spec)
        role = spec.get("role", found.role if found else "end-user")
        if role not in ("end-user", "agent", "admin"):
            raise invalid("role", f"Role: {role} is not valid")
        org_id = spec.get("organization_id")
        if org_id is not None and org_id not in self.structure.organization_by_id:
            raise invalid("organization_id", "Organization: is invalid")
        values, problems = clean_record_values(
            self.record_fields("user"), spec.get("user_fields"), "User fields"
        )
        if problems:
            raise DirectoryError(
                {"user_fields": [{"description": p, "error": "InvalidValue"} for p in problems]}
            )
        custom_role = agent_role(
            spec,
            role,
            found,
            roles=self.custom_roles,
            people=self.people,
            seats=self.agent_seats,
        )
        if found is None:
            user = self._new_user(spec, role, now)
        else:
            user = User(**{**found.__dict__})
            user.group_ids = list(found.group_ids)
            user.organization_ids = list(found.organization_ids)
        _apply_user_changes(user, spec)
        user.role = role
        user.custom_role_id = custom_role.id if custom_role else None
        user.role_type = custom_role.role_type if custom_role else None
        # A value of null clears the field ([GUESS]: the key then leaves user_fields).
        user.user_fields = {
            key: value for key, value in {**user.user_fields, **values}.items() if value is not None
        }
        if user.is_agent and not user.group_ids and self.structure.groups:
            # A new agent joins the default group ([GUESS]: what the admin UI does).
            user.group_ids = [self.structure.groups[0].id]
        if org_id is not None and org_id not in user.organization_ids:
            user.organization_ids.insert(0, org_id)
        user.updated_at = int(now)
        self.people.add(user)
        return user, found is None

    def _matching_user(self, spec: dict) -> User | None:
        email, external_id = spec.get("email"), spec.get("external_id")
        if email is not None and not valid_email(email):
            raise invalid("email", "Email: is invalid")
        found = self.people.find_email(email) if isinstance(email, str) else None
        if found is None and isinstance(external_id, str):
            found = self.people.by_external_id.get(external_id)
        return found

    def _new_user(self, spec: dict, role: str, now: float) -> User:
        name, email = spec.get("name"), spec.get("email")
        if not isinstance(name, str) or not name.strip():
            raise invalid("name", "Name: is too short (minimum is 1 character)", "TooShort")
        if not isinstance(email, str):
            raise invalid("email", "Email: cannot be blank", "BlankValue")
        user_id = self.people.new_user_id(self.account)
        return User(user_id, name.strip(), email.strip(), role, int(now), int(now))
