"""The tap's order contract, checked on its output: every record a ticket refers to comes
before the ticket, and a STATE never falls between a ticket and its comments.

Written apart from the tap's own code (``tap_zendesk_tickets/references.py``), so that it
checks it rather than repeats it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PEOPLE = ("requester_id", "submitter_id", "assignee_id")
PEOPLE_LISTS = ("collaborator_ids", "follower_ids", "email_cc_ids")
ONE_OF = {
    "groups": "group_id",
    "organizations": "organization_id",
    "brands": "brand_id",
    "ticket_forms": "ticket_form_id",
    "custom_statuses": "custom_status_id",
}


def references(ticket: Mapping[str, Any]) -> dict[str, set[int]]:
    """What a ticket refers to, by stream."""
    users = {ticket[f] for f in PEOPLE if ticket.get(f) is not None}
    for field in PEOPLE_LISTS:
        users.update(ticket.get(field) or [])
    found = {"users": users}
    for stream, field in ONE_OF.items():
        found[stream] = {ticket[field]} if ticket.get(field) is not None else set()
    found["ticket_fields"] = {entry["id"] for entry in ticket.get("custom_fields") or []}
    return found


def violations(
    messages: Iterable[Mapping[str, Any]],
    streams: Iterable[str],
    *,
    expected_comments: Mapping[int, set[int]] | None = None,
) -> list[str]:
    """Every breach of the contract in ``messages`` (empty when it holds), for the side
    streams in ``streams`` (those tickets do not refer to are not checked).
    ``expected_comments``: ticket id -> the ids of its comments, to check that each
    ticket's comments came, all of them, just before it."""
    selected = set(streams)
    seen: dict[str, set[int]] = {stream: set() for stream in selected}
    pending: dict[int, set[int]] = {}  # comments since their ticket last came
    authors: dict[int, set[int]] = {}
    found: list[str] = []
    for position, message in enumerate(messages):
        if message.get("type") == "STATE" and pending:
            found.append(
                f"STATE at line {position} between tickets {sorted(pending)} and their comments"
            )
        if message.get("type") != "RECORD":
            continue
        stream, record = message["stream"], message["record"]
        if stream == "ticket_comments":
            pending.setdefault(record["ticket_id"], set()).add(record["id"])
            authors.setdefault(record["ticket_id"], set()).add(record["author_id"])
            continue
        if stream != "tickets":
            seen.setdefault(stream, set()).add(record.get("id"))
            continue
        ticket_id = record["id"]
        for kind, ids in references(record).items():
            if kind in selected and ids - seen[kind]:
                found.append(f"ticket {ticket_id} before its {kind} {sorted(ids - seen[kind])}")
        comment_ids = pending.pop(ticket_id, set())
        written = authors.pop(ticket_id, set())
        if "users" in selected and written - seen["users"]:
            found.append(
                f"ticket {ticket_id} before its comment authors {sorted(written - seen['users'])}"
            )
        if expected_comments is not None and "ticket_comments" in selected:
            expected = expected_comments.get(ticket_id, set())
            if comment_ids != expected:
                found.append(
                    f"ticket {ticket_id}: comments {sorted(comment_ids)} before it, expected {sorted(expected)}"
                )
    if pending:
        found.append(f"comments of tickets that never came: {sorted(pending)}")
    return found
