"""What a ticket refers to, and which records a run has already sent: pure, no I/O.

A ticket refers to people (requester, submitter, assignee, CCs, followers, collaborators),
a group, an organization, a brand, a ticket form, a custom status and custom fields, all by
id. The side streams are named after the kinds: ``users``, ``groups``, ``organizations``,
``brands``, ``ticket_forms``, ``custom_statuses``, ``ticket_fields``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

USERS = "users"
GROUPS = "groups"
ORGANIZATIONS = "organizations"
BRANDS = "brands"
TICKET_FORMS = "ticket_forms"
TICKET_FIELDS = "ticket_fields"
CUSTOM_STATUSES = "custom_statuses"
COMMENTS = "ticket_comments"
#: What creating the source's structure in another account needs (a copy with
#: createMissing): read once a run, before the first ticket.
GROUP_MEMBERSHIPS = "group_memberships"
ORGANIZATION_MEMBERSHIPS = "organization_memberships"
USER_FIELD_DEFINITIONS = "user_fields"
ORGANIZATION_FIELD_DEFINITIONS = "organization_fields"
CUSTOM_ROLES = "custom_roles"
#: A problem ticket's incidents, just before the problem: ``{"problem_id", "incident_id"}``.
TICKET_INCIDENTS = "ticket_incidents"
#: Per-ticket streams: what Zendesk keeps about one ticket (they refer to it, not it to them).
TICKET_METRICS = "ticket_metrics"
SIDE_CONVERSATIONS = "side_conversations"

#: Ticket fields holding one user id, and lists of user ids.
USER_FIELDS = ("requester_id", "submitter_id", "assignee_id")
USER_LIST_FIELDS = ("collaborator_ids", "follower_ids", "email_cc_ids")
#: Ticket fields holding the id of a record of a side stream.
SINGLE_REFERENCES = {
    GROUPS: "group_id",
    ORGANIZATIONS: "organization_id",
    BRANDS: "brand_id",
    TICKET_FORMS: "ticket_form_id",
    CUSTOM_STATUSES: "custom_status_id",
}


def _an_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ids(values: Iterable[Any]) -> Iterator[int]:
    for value in values:
        found = _an_id(value)
        if found is not None:
            yield found


def referenced(kind: str, ticket: Mapping[str, Any]) -> set[int]:
    """The ids of ``kind`` that ``ticket`` refers to."""
    if kind == USERS:
        found = set(_ids(ticket.get(name) for name in USER_FIELDS))
        for name in USER_LIST_FIELDS:
            values = ticket.get(name)
            if isinstance(values, list):
                found.update(_ids(values))
        return found
    if kind == TICKET_FIELDS:
        # ``fields`` is the same list as ``custom_fields``: read it only in its place.
        values = ticket.get("custom_fields")
        if not isinstance(values, list):
            values = ticket.get("fields")
        if not isinstance(values, list):
            return set()
        return set(_ids(entry.get("id") for entry in values if isinstance(entry, Mapping)))
    field = SINGLE_REFERENCES.get(kind)
    if field is None:
        raise ValueError(f"tickets do not refer to {kind}")
    one = _an_id(ticket.get(field))
    return set() if one is None else {one}


def referrers(
    kinds: Iterable[str], tickets: Iterable[Mapping[str, Any]]
) -> dict[str, dict[int, Any]]:
    """For each of ``kinds``: every id the tickets refer to, with the first ticket's id.

    What :func:`referenced` says, for a whole page (up to 1,000 tickets) in one pass.
    """
    found: dict[str, dict[int, Any]] = {kind: {} for kind in kinds}
    users = found.get(USERS)
    fields = found.get(TICKET_FIELDS)
    singles = [(found[k], field) for k, field in SINGLE_REFERENCES.items() if k in found]
    for ticket in tickets:
        ticket_id = ticket.get("id")
        if users is not None:
            for name in USER_FIELDS:
                _note(users, ticket.get(name), ticket_id)
            for name in USER_LIST_FIELDS:
                values = ticket.get(name)
                if isinstance(values, list):
                    for value in values:
                        _note(users, value, ticket_id)
        if fields is not None:
            entries = ticket.get("custom_fields")
            if not isinstance(entries, list):
                entries = ticket.get("fields")
            if isinstance(entries, list):
                for entry in entries:
                    if isinstance(entry, Mapping):
                        _note(fields, entry.get("id"), ticket_id)
        for ids, field in singles:
            _note(ids, ticket.get(field), ticket_id)
    return found


def _note(ids: dict[int, Any], value: Any, ticket_id: Any) -> None:
    if type(value) is int and value not in ids:  # not bool, a subclass of int
        ids[value] = ticket_id


def ids_of(records: Iterable[Mapping[str, Any]]) -> set[int]:
    return set(_ids(record.get("id") for record in records))


class SentRecords:
    """The records a run has sent, by kind and id, with the version sent (``updated_at``).

    A record comes again on every export page that refers to it; it is sent again only
    when it changed since (a newer ``updated_at``), so that a target keeps the latest.
    """

    def __init__(self) -> None:
        self._sent: dict[str, dict[int, Any]] = {}

    def has(self, kind: str, record_id: int) -> bool:
        return record_id in self._sent.get(kind, {})

    def fresh(self, kind: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The records not sent yet in this version, each once; they count as sent now."""
        sent = self._sent.setdefault(kind, {})
        chosen: list[dict[str, Any]] = []
        for record in records:
            record_id = _an_id(record.get("id"))
            if record_id is None:
                continue
            version = record.get("updated_at")
            if record_id in sent and sent[record_id] == version:
                continue
            sent[record_id] = version
            chosen.append(dict(record))
        return chosen
