"""What the source account's tickets refer to, as the input brings it: people, structure, comments.

tap-zendesk-tickets emits every record a ticket refers to (its people, group, organization,
brand, form, fields, and its comments) before the ticket, in the same run. These streams are
kept here by id, with only what mapping needs, so memory stays small; a ticket's comments
are held until the ticket comes, then handed over with it and forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

USERS, GROUPS, ORGANIZATIONS = "users", "groups", "organizations"
BRANDS, TICKET_FORMS, TICKET_FIELDS, COMMENTS = (
    "brands",
    "ticket_forms",
    "ticket_fields",
    "ticket_comments",
)
GROUP_MEMBERSHIPS, ORGANIZATION_MEMBERSHIPS = "group_memberships", "organization_memberships"
USER_FIELDS, ORGANIZATION_FIELDS, CUSTOM_STATUSES, CUSTOM_ROLES = (
    "user_fields",
    "organization_fields",
    "custom_statuses",
    "custom_roles",
)
#: A problem ticket's incidents: ``{"problem_id", "incident_id"}`` records.
TICKET_INCIDENTS = "ticket_incidents"
#: Streams that carry references, not tickets.
REFERENCE_STREAMS = frozenset(
    {
        USERS,
        GROUPS,
        ORGANIZATIONS,
        BRANDS,
        TICKET_FORMS,
        TICKET_FIELDS,
        COMMENTS,
        GROUP_MEMBERSHIPS,
        ORGANIZATION_MEMBERSHIPS,
        USER_FIELDS,
        ORGANIZATION_FIELDS,
        CUSTOM_STATUSES,
        CUSTOM_ROLES,
        TICKET_INCIDENTS,
    }
)
#: Kinds kept whole: what creating them in the destination needs (they are few).
WHOLE_RECORDS = (
    GROUPS,
    ORGANIZATIONS,
    TICKET_FORMS,
    TICKET_FIELDS,
    USER_FIELDS,
    ORGANIZATION_FIELDS,
    CUSTOM_STATUSES,
)
#: Fields whose drop-down values are option tags (``custom_field_options``).
OPTION_TYPES = frozenset({"tagger", "multiselect"})


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str | None
    role: str  # end-user, agent or admin
    organization_id: int | None = None  # their own organization in the source
    custom_role_id: int | None = None  # an agent's custom role in the source
    #: The values of the source's user fields (by key), for people created elsewhere.
    user_fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    id: int
    title: str
    type: str
    #: option value (the tag) -> option name, for drop-down and multi-select fields.
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SourceReferences:
    """The source account as far as the input showed it."""

    people: dict[int, Person] = field(default_factory=dict)
    names: dict[str, dict[int, str]] = field(
        default_factory=lambda: {GROUPS: {}, ORGANIZATIONS: {}, BRANDS: {}, TICKET_FORMS: {}}
    )
    fields: dict[int, Field] = field(default_factory=dict)
    _comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: Whether the input carries the ``users`` stream (it turns mapping on by default).
    has_people: bool = False
    #: Whole records of the kinds creation needs (``WHOLE_RECORDS``), by id.
    records: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in WHOLE_RECORDS}
    )
    #: user id -> the ids of their groups / organizations in the source.
    group_members: dict[int, list[int]] = field(default_factory=dict)
    organization_members: dict[int, list[int]] = field(default_factory=dict)
    #: The source's custom roles (Enterprise): id -> name, to give created agents theirs.
    custom_role_names: dict[int, str] = field(default_factory=dict)
    #: problem ticket id -> its incidents' ids (the ``ticket_incidents`` stream).
    incidents: dict[int, list[int]] = field(default_factory=dict)

    def add(self, stream: str, record: Mapping[str, Any]) -> None:
        """Keep what mapping needs of one record of a reference stream."""
        record_id = record.get("id")
        if stream == COMMENTS:
            ticket_id = record.get("ticket_id")
            if isinstance(ticket_id, int):
                self._comments.setdefault(ticket_id, []).append(dict(record))
            return
        if stream in (GROUP_MEMBERSHIPS, ORGANIZATION_MEMBERSHIPS):
            self._membership(stream, record)
            return
        if stream == TICKET_INCIDENTS:
            problem, incident = record.get("problem_id"), record.get("incident_id")
            if isinstance(problem, int) and isinstance(incident, int):
                known = self.incidents.setdefault(problem, [])
                if incident not in known:
                    known.append(incident)
            return
        if not isinstance(record_id, int):
            return
        if stream in self.records:
            self.records[stream][record_id] = dict(record)
        if stream == CUSTOM_ROLES:
            self.custom_role_names[record_id] = str(record.get("name") or "")
        if stream == USERS:
            email = record.get("email")
            organization = record.get("organization_id")
            role_id = record.get("custom_role_id")
            values = record.get("user_fields")
            self.people[record_id] = Person(
                record_id,
                str(record.get("name") or ""),
                email.strip().lower() if isinstance(email, str) and email.strip() else None,
                str(record.get("role") or "end-user"),
                organization if isinstance(organization, int) else None,
                role_id if isinstance(role_id, int) else None,
                {k: v for k, v in values.items() if v is not None}
                if isinstance(values, Mapping)
                else {},
            )
        elif stream == TICKET_FIELDS:
            options = {
                str(option.get("value")): str(option.get("name"))
                for option in record.get("custom_field_options") or []
                if isinstance(option, Mapping) and option.get("value") is not None
            }
            self.fields[record_id] = Field(
                record_id, str(record.get("title") or ""), str(record.get("type") or ""), options
            )
        elif stream in self.names:
            self.names[stream][record_id] = str(record.get("name") or "")

    def _membership(self, stream: str, record: Mapping[str, Any]) -> None:
        user, other = (
            record.get("user_id"),
            record.get("group_id" if stream == GROUP_MEMBERSHIPS else "organization_id"),
        )
        if not isinstance(user, int) or not isinstance(other, int):
            return
        table = self.group_members if stream == GROUP_MEMBERSHIPS else self.organization_members
        members = table.setdefault(user, [])
        if other not in members:
            members.append(other)

    def record(self, kind: str, record_id: Any) -> dict[str, Any] | None:
        """The whole source record of ``kind`` with this id, when the input brought it."""
        return self.records[kind].get(record_id) if isinstance(record_id, int) else None

    def incidents_of(self, problem_id: int) -> list[int]:
        """The incidents of a problem ticket, as the input listed them."""
        return self.incidents.get(problem_id, [])

    def take_comments(self, ticket_id: Any) -> list[dict[str, Any]]:
        """The comments that came for ``ticket_id``, oldest first; forgotten afterwards."""
        comments = self._comments.pop(ticket_id, []) if isinstance(ticket_id, int) else []
        return sorted(comments, key=lambda c: (str(c.get("created_at") or ""), c.get("id") or 0))

    def put_back_comments(self, ticket_id: Any, comments: list[dict[str, Any]]) -> None:
        """Comments taken for a ticket that was held, back for when it is sent."""
        if isinstance(ticket_id, int) and comments:
            self._comments.setdefault(ticket_id, [])[:0] = comments

    def name_of(self, kind: str, record_id: Any) -> str | None:
        return self.names[kind].get(record_id) if isinstance(record_id, int) else None
