"""The people and structure of one account, together: what every id in a ticket refers to.

``Directory.for_config`` generates them for the realistic account and returns an empty
directory for ``people=False``. Besides lookups it holds the few ways the API changes them:
users found or created by e-mail, ``users/create_or_update``, and new ticket fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated.people import People, User, counts_for, membership_json, valid_email
from zendesk_sandbox.generated.structure import (
    CREATED_FIELD_NUMBER,
    CUSTOM_TYPES,
    OPTION_TYPES,
    FieldOption,
    Structure,
    TicketField,
)
from zendesk_sandbox.generated.universe import ACCOUNT_STRIDE, object_id


class DirectoryError(ValueError):
    """A rejected change: ``details`` in Zendesk's RecordInvalid shape."""

    def __init__(self, details: dict[str, list[dict]]) -> None:
        super().__init__("; ".join(d["description"] for ds in details.values() for d in ds))
        self.details = details


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


def invalid(field_name: str, description: str, error: str = "InvalidValue") -> DirectoryError:
    return DirectoryError({field_name: [{"description": description, "error": error}]})


@dataclass
class Directory:
    account: int
    people: People
    structure: Structure

    @classmethod
    def for_config(cls, config: SandboxConfig) -> Directory:
        if not config.people:
            return cls(config.account, People(), Structure.empty())
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
        return cls(config.account, people, structure)

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
        return [
            membership_json(
                "group",
                self._membership_id("group_membership", user, i),
                user,
                gid,
                default=i == 0,
                base_url=base_url,
            )
            for user in self.people.users
            for i, gid in enumerate(user.group_ids)
        ]

    def organization_memberships(self, base_url: str) -> list[dict]:
        return [
            membership_json(
                "organization",
                self._membership_id("organization_membership", user, i),
                user,
                oid,
                default=i == 0,
                base_url=base_url,
            )
            for user in self.people.users
            for i, oid in enumerate(user.organization_ids)
        ]

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
        if found is None:
            user = self._new_user(spec, role, now)
        else:
            user = User(**{**found.__dict__})
            user.group_ids = list(found.group_ids)
            user.organization_ids = list(found.organization_ids)
        _apply_user_changes(user, spec)
        user.role = role
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

    def create_field(self, spec: object, now: float) -> TicketField:
        """``POST /api/v2/ticket_fields``: a new custom field, or ``DirectoryError``."""
        if not isinstance(spec, dict):
            raise invalid("ticket_field", "Ticket field: must be an object")
        kind, title = spec.get("type"), spec.get("title")
        if kind not in CUSTOM_TYPES:
            raise invalid("type", f"Type: {kind} is not valid")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title", "Title: cannot be blank", "BlankValue")
        options = []
        number = CREATED_FIELD_NUMBER + sum(
            1 for item in self.structure.fields if item.id % ACCOUNT_STRIDE >= CREATED_FIELD_NUMBER
        )
        if kind in OPTION_TYPES:
            raw = spec.get("custom_field_options")
            if not isinstance(raw, list) or not raw:
                raise invalid(
                    "custom_field_options", "Field options: cannot be blank", "BlankValue"
                )
            seen = set()
            for index, option in enumerate(raw):
                name = option.get("name") if isinstance(option, dict) else None
                value = option.get("value") if isinstance(option, dict) else None
                if not (isinstance(name, str) and name and isinstance(value, str) and value):
                    raise invalid("custom_field_options", "Field options: need a name and a value")
                if value in seen:
                    raise invalid("custom_field_options", f"Field options: {value} is taken")
                seen.add(value)
                option_id = object_id("field_option", self.account, number * 100 + index)
                options.append(FieldOption(option_id, name, value))
        regexp = spec.get("regexp_for_validation")
        if kind == "regexp" and not isinstance(regexp, str):
            raise invalid(
                "regexp_for_validation", "Regexp for validation: cannot be blank", "BlankValue"
            )
        item = TicketField(
            id=object_id("ticket_field", self.account, number),
            type=kind,
            title=title.strip(),
            position=len(self.structure.fields),
            created_at=int(now),
            updated_at=int(now),
            regexp=regexp if kind == "regexp" else None,
            options=options,
            description=str(spec.get("description") or ""),
            required=bool(spec.get("required", False)),
            active=bool(spec.get("active", True)),
        )
        self.structure.add_field(item)
        return item
