"""What the destination lacks, created (``createMissing``, ``createAgents``), each with a link
to its source, before the tickets that refer to it go in.

Every created object says where it came from, so that a later run (a resume after a crash,
a second run, a run after the source renamed it) finds it instead of making another:

* organizations: ``external_id`` = the source organization's own, else its link
  ``zendesk:<host>:organization:<id>`` (Zendesk looks organizations up by external_id);
* groups, ticket fields, user and organization fields: their link in their description
  (``Copied from zendesk:<host>:group:<id>``), found in the lists, which are small;
* ticket forms have no free text: found by their name (the source's, or ``nameMap``'s).

An object is looked for by that link first, then by name (the mapping). What Zendesk
refuses is named in one line (the object, Zendesk's message), counted in the summary, and
left out; ``onUnmapped: stop`` stops the run instead. A dry run creates nothing and lists
what it would create.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from target_zendesk_tickets.copying.destination import Destination, DestinationUser
from target_zendesk_tickets.copying.references import (
    CUSTOM_STATUSES,
    GROUPS,
    ORGANIZATION_FIELDS,
    ORGANIZATIONS,
    TICKET_FIELDS,
    TICKET_FORMS,
    USER_FIELDS,
    Person,
    SourceReferences,
)
from target_zendesk_tickets.errors import TargetError
from zendesk_api.errors import ZendeskHTTPError

logger = logging.getLogger(__name__)

LINK_NOTE = "Copied from "
#: Field types Zendesk's API creates (lookup relationship fields are left out: their values
#: are ids of the source account's records).
CREATABLE_FIELD_TYPES = frozenset(
    {
        "text",
        "textarea",
        "checkbox",
        "date",
        "integer",
        "decimal",
        "regexp",
        "tagger",
        "multiselect",
        "partialcreditcard",
    }
)
OPTION_TYPES = frozenset({"tagger", "multiselect"})
#: What a kind is called in messages and in the summary.
LABELS = {
    GROUPS: "group",
    ORGANIZATIONS: "organization",
    TICKET_FIELDS: "ticket field",
    TICKET_FORMS: "ticket form",
    USER_FIELDS: "user field",
    ORGANIZATION_FIELDS: "organization field",
    "agents": "agent",
    CUSTOM_STATUSES: "custom status",
    "options": "field option",
    "group_memberships": "group membership",
    "organization_memberships": "organization membership",
}


class CreationRefusedError(TargetError):
    """Zendesk refused to create something a ticket needs, and ``onUnmapped`` is ``stop``."""


def object_link(kind: str, record: Mapping[str, Any]) -> str | None:
    """``zendesk:<host>:<kind>:<id>`` of a source record (its ``url`` names the account)."""
    url, record_id = record.get("url"), record.get("id")
    host = urlsplit(url).netloc.lower() if isinstance(url, str) else ""
    if not host or not isinstance(record_id, int):
        return None
    singular = LABELS.get(kind, kind).replace(" ", "_")
    return f"zendesk:{host}:{singular}:{record_id}"


def _described(description: Any, link: str | None) -> str:
    text = str(description or "").strip()
    if not link:
        return text
    return f"{text}\n\n{LINK_NOTE}{link}" if text else f"{LINK_NOTE}{link}"


class StructureCreator:
    def __init__(
        self,
        destination: Destination,
        source: SourceReferences,
        *,
        stop_on_refusal: bool,
        dry_run: bool,
    ) -> None:
        self.destination = destination
        self.source = source
        self.stop_on_refusal = stop_on_refusal
        self.dry_run = dry_run
        #: kind -> names of what was created (or, in a dry run, would be).
        self.created: defaultdict[str, list[str]] = defaultdict(list)
        #: kind -> what Zendesk refused, one line each.
        self.refused: defaultdict[str, list[str]] = defaultdict(list)
        self._planned = -1_000_000  # ids of what a dry run would create
        self._refusals: set[tuple[str, str]] = set()  # (kind, name) Zendesk refused

    # Groups --------------------------------------------------------------------------------

    def group(self, source_id: Any, name: str | None) -> int | None:
        """The destination's group for a source group: found by link or name, else created."""
        record = self.source.record(GROUPS, source_id) or {"id": source_id, "name": name}
        link = object_link(GROUPS, record)
        found = self._by_link(GROUPS, link) or self.destination.named(GROUPS, name)
        if found is not None or not name:
            return found
        body = {"name": name, "description": _described(record.get("description"), link)}
        created = self._create(GROUPS, name, "/api/v2/groups.json", "group", body)
        if created is not None:
            self._members_of_group(source_id, created)
        return created

    def _members_of_group(self, source_group: Any, group_id: int) -> None:
        """The new group's agents that the destination has: members there too."""
        for user_id, groups in self.source.group_members.items():
            person = self.source.people.get(user_id)
            if source_group not in groups or person is None:
                continue
            agent = self.destination.agent(person.email)
            if agent is not None and not agent.suspended:
                self.group_membership(agent.id, group_id, person.email or str(user_id))

    def group_membership(self, agent_id: int, group_id: int, who: str) -> bool:
        if self.destination.is_member(agent_id, group_id):
            return True
        body = {"user_id": agent_id, "group_id": group_id}
        path = "/api/v2/group_memberships.json"
        done = self._create(
            "group_memberships", who, path, "group_membership", body, already_ok=True
        )
        if done is not None:
            self.destination.add_member(agent_id, group_id)
        return done is not None

    # Organizations --------------------------------------------------------------------------

    def organization(self, source_id: Any, name: str | None) -> int | None:
        record = self.source.record(ORGANIZATIONS, source_id) or {"id": source_id, "name": name}
        own = record.get("external_id")
        key = own if isinstance(own, str) and own.strip() else object_link(ORGANIZATIONS, record)
        found = self.destination.organization_by_external_id(key) if key else None
        if found is None:
            found = self.destination.organization(name)
        if found is not None or not name:
            return found
        body: dict[str, Any] = {"name": name}
        for copied in ("details", "notes", "domain_names", "tags", "shared_tickets"):
            if record.get(copied) not in (None, "", []):
                body[copied] = record[copied]
        if key:
            body["external_id"] = key
        values = record.get("organization_fields")
        if isinstance(values, Mapping) and values:
            body["organization_fields"] = self._field_values(ORGANIZATION_FIELDS, values)
        path = "/api/v2/organizations.json"
        created = self._create(ORGANIZATIONS, name, path, "organization", body)
        if created is not None:
            self.destination.remember_organization(name, created)
        return created

    def organization_membership(self, user_id: int, organization_id: int, who: str) -> bool:
        """``user_id`` a member of the organization (so a ticket keeps it, as Zendesk wants)."""
        body = {"user_id": user_id, "organization_id": organization_id}
        path = "/api/v2/organization_memberships.json"
        done = self._create("organization_memberships", who, path, "organization_membership", body)
        return done is not None

    # Fields and forms -----------------------------------------------------------------------

    def ticket_field(self, source_field: Mapping[str, Any]) -> dict[str, Any] | None:
        """The destination's field for a source field (same title and type), created when
        missing; None when its type cannot be created or Zendesk refused it."""
        kind, title = source_field.get("type"), str(source_field.get("title") or "")
        if kind not in CREATABLE_FIELD_TYPES or not title:
            return None
        link = object_link(TICKET_FIELDS, source_field)
        found = self._by_link(TICKET_FIELDS, link, whole=True)
        if found is None:
            found = self.destination.field_record(title, str(kind))
        if found is not None:
            return found
        body: dict[str, Any] = {
            "type": kind,
            "title": title,
            "description": _described(source_field.get("description"), link),
        }
        if kind == "regexp":
            body["regexp_for_validation"] = source_field.get("regexp_for_validation")
        if kind in OPTION_TYPES:
            body["custom_field_options"] = _options(source_field)
        if kind == "checkbox" and source_field.get("tag"):
            body["tag"] = source_field["tag"]  # the tag a checked box adds, as in the source
        created = self._create_whole(TICKET_FIELDS, title, "/api/v2/ticket_fields.json", body)
        if created is not None:
            self.destination.remember(TICKET_FIELDS, created)
        return created

    def field_option(
        self, field: Mapping[str, Any], name: str, value: str
    ) -> dict[str, Any] | None:
        """Add an option to one of the destination's drop-down or multi-select fields."""
        options = [
            {"id": o.get("id"), "name": o.get("name"), "value": o.get("value")}
            for o in field.get("custom_field_options") or []
            if isinstance(o, Mapping)
        ]
        body = {"custom_field_options": [*options, {"name": name, "value": value}]}
        what = f"'{name}' of '{field.get('title')}'"
        path = f"/api/v2/ticket_fields/{field.get('id')}.json"
        updated = self._create_whole("options", what, path, body, method="PUT", key="ticket_field")
        if updated is not None:
            self.destination.remember(TICKET_FIELDS, updated)
        return updated

    def ticket_form(self, source_id: Any, name: str | None, field_ids: list[int]) -> int | None:
        """The destination's form of that name, created with the given (mapped) fields."""
        found = self.destination.named(TICKET_FORMS, name)
        if found is not None or not name:
            return found
        record = self.source.record(TICKET_FORMS, source_id) or {}
        body: dict[str, Any] = {
            "name": name,
            "display_name": record.get("display_name") or name,
            "end_user_visible": bool(record.get("end_user_visible", True)),
            "ticket_field_ids": field_ids,
            "active": True,
        }
        created = self._create_whole(TICKET_FORMS, name, "/api/v2/ticket_forms.json", body)
        if created is None:
            return None
        self.destination.remember(TICKET_FORMS, created)
        return int(created["id"])

    def _field_values(self, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """User or organization field values, their definitions created where missing."""
        kept = {}
        for key, value in values.items():
            if value in (None, "", []):
                continue
            definition = next(
                (d for d in self.source.records[kind].values() if d.get("key") == key), None
            )
            if definition is None or self.field_definition(kind, definition):
                kept[key] = value
        return kept

    def field_definition(self, kind: str, definition: Mapping[str, Any]) -> bool:
        """A user or organization field the destination has, or is created with."""
        key = definition.get("key")
        if not isinstance(key, str) or self.destination.has_field_key(kind, key):
            return True
        if definition.get("type") not in CREATABLE_FIELD_TYPES | {"dropdown"}:
            return False
        link = object_link(kind, definition)
        body: dict[str, Any] = {
            "key": key,
            "type": definition.get("type"),
            "title": definition.get("title") or key,
            "description": _described(definition.get("description"), link),
        }
        if definition.get("type") == "regexp":
            body["regexp_for_validation"] = definition.get("regexp_for_validation")
        if definition.get("custom_field_options"):
            body["custom_field_options"] = _options(definition)
        if definition.get("type") == "checkbox" and definition.get("tag"):
            body["tag"] = definition["tag"]
        path = f"/api/v2/{kind}.json"
        created = self._create_whole(kind, key, path, body)
        if created is not None:
            self.destination.remember(kind, created)
        return created is not None

    # Custom statuses --------------------------------------------------------------------------

    def custom_status(self, record: Mapping[str, Any], label: str) -> int | None:
        """A custom ticket status of the source's category and (mapped) agent label."""
        link = object_link(CUSTOM_STATUSES, record)
        found = self._by_link(CUSTOM_STATUSES, link)
        if found is not None:
            return int(found)
        body: dict[str, Any] = {
            "status_category": record.get("status_category"),
            "agent_label": label,
            "end_user_label": record.get("end_user_label") or label,
            "description": _described(record.get("description"), link),
            "active": record.get("active", True) is not False,
        }
        path = "/api/v2/custom_statuses.json"
        created = self._create_whole(CUSTOM_STATUSES, label, path, body, key="custom_status")
        if created is None:
            return None
        self.destination.remember(CUSTOM_STATUSES, created)
        return int(created["id"])

    # Agents -----------------------------------------------------------------------------------

    def agent(self, person: Person) -> DestinationUser | None:
        """``person`` as an agent of the destination (``createAgents``): created, or an end
        user of that e-mail made one; None when Zendesk refused (no seat left...)."""
        if not person.email:
            return None
        role = self.destination.role_named(self._source_role_name(person))
        body: dict[str, Any] = {"name": person.name or person.email, "email": person.email}
        body["role"] = "agent"
        if role is not None:
            body["custom_role_id"] = role
        values = self._field_values(USER_FIELDS, person.user_fields)
        if values:
            body["user_fields"] = values
        existing = self.destination.user(person.email)
        if self.dry_run:
            self.created[LABELS["agents"]].append(person.email)
            self._planned -= 1
            agent = DestinationUser(self._planned, person.email, "agent")
            self.destination.remember_user(agent)
            return agent
        if (LABELS["agents"], person.email) in self._refusals:
            return None  # refused once: not asked again
        try:
            if existing is None:
                document = self._send("POST", "/api/v2/users.json", {"user": body})
            else:  # an end user there already: made an agent (matched by e-mail)
                update: dict[str, Any] = {"email": person.email, "role": "agent"}
                if role:
                    update["custom_role_id"] = role
                path = "/api/v2/users/create_or_update.json"
                document = self._send("POST", path, {"user": update})
        except ZendeskHTTPError as exc:
            self._refused(LABELS["agents"], person.email, exc)
            return None
        user = document.get("user") if isinstance(document, Mapping) else None
        if not isinstance(user, Mapping) or not isinstance(user.get("id"), int):
            return None
        agent = DestinationUser(
            int(user["id"]),
            person.email,
            str(user.get("role") or "agent"),
            memberships_known=existing is None,  # a new user belongs to no organization yet
        )
        self.destination.remember_user(agent)
        self.created[LABELS["agents"]].append(person.email)
        return agent

    def _source_role_name(self, person: Person) -> str | None:
        return self.source.custom_role_names.get(person.custom_role_id or -1)

    # Sending ----------------------------------------------------------------------------------

    def _by_link(self, kind: str, link: str | None, *, whole: bool = False) -> Any:
        if not link:
            return None
        note = f"{LINK_NOTE}{link}"
        for record in self.destination.records(kind):
            if note in str(record.get("description") or ""):
                return record if whole else record.get("id")
        return None

    def _create(
        self,
        kind: str,
        name: str,
        path: str,
        key: str,
        body: dict[str, Any],
        *,
        already_ok: bool = False,
    ) -> int | None:
        created = self._create_whole(kind, name, path, body, key=key, already_ok=already_ok)
        if created is None:
            return None
        if kind in (GROUPS,):
            self.destination.remember(kind, created)
        return int(created["id"])

    def _create_whole(
        self,
        kind: str,
        name: str,
        path: str,
        body: dict[str, Any],
        *,
        method: str = "POST",
        key: str | None = None,
        already_ok: bool = False,
    ) -> dict[str, Any] | None:
        """``already_ok``: Zendesk answering that it exists already is as good as done."""
        label = LABELS.get(kind, kind)
        key = key or label.replace(" ", "_")
        if self.dry_run:
            self.created[label].append(name)
            self._planned -= 1
            return {**body, "id": self._planned}
        if (label, name) in self._refusals:
            return None  # refused once: not asked again
        try:
            document = self._send(method, path, {key: body})
        except ZendeskHTTPError as exc:
            if already_ok and exc.status == 422 and "already" in str(exc).lower():
                return {**body, "id": 0}
            self._refused(label, name, exc)
            return None
        record = document.get(key) if isinstance(document, Mapping) else None
        if not isinstance(record, Mapping) or not isinstance(record.get("id"), int):
            self._refused(label, name, f"Zendesk answered {method} {path} without a {key}")
            return None
        self.created[label].append(name)
        logger.info("Created the %s %s in the destination", label, name)
        return dict(record)

    def _send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        client = self.destination.client
        self.destination.requests += 1
        return client.policy.call(
            lambda: client.fetch(method, path, body=body),
            what=f"{method} {path}",
            budget=self.destination.budget,
        )

    def _refused(self, label: str, name: str, problem: Any) -> None:
        line = f"Zendesk refused to create the {label} {name!r}: {problem}"
        if self.stop_on_refusal:
            raise CreationRefusedError(
                f"{line}. onUnmapped is 'stop': nothing more was imported; fix it in the "
                "destination account, or change onUnmapped, and run again from the last STATE"
            )
        logger.warning("%s; left out", line)
        self.refused[label].append(name)
        self._refusals.add((label, name))

    def lines(self) -> list[str]:
        """``created in the destination: 3 groups (A, B, C)``, and what was refused."""
        verb = "would be created" if self.dry_run else "created in the destination"
        lines = []
        for label, names in sorted(self.created.items()):
            shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
            lines.append(f"{verb}: {len(names)} {label}(s) ({shown})")
        for label, names in sorted(self.refused.items()):
            shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
            lines.append(f"refused by Zendesk, left out: {len(names)} {label}(s) ({shown})")
        return lines


def _options(record: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {"name": str(option.get("name")), "value": str(option.get("value"))}
        for option in record.get("custom_field_options") or []
        if isinstance(option, Mapping) and option.get("value") is not None
    ]
