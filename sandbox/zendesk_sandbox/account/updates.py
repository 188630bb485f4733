"""Applying a checked update (``rules.check_update``) to a ticket: new values, a new audit.

An update moves ``updated_at`` and ``generated_timestamp`` to its time, and a ``comment``
on it is added at that time (an update cannot back-date a comment; only an import can).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zendesk_sandbox.timefmt import iso

# Zendesk's text for a stale ``updated_stamp`` with ``safe_update: true`` (documented).
UPDATE_CONFLICT = {
    "error": "UpdateConflict",
    "description": (
        "Safe Update prevented the update due to outdated ticket data. "
        "Please fetch the latest ticket data and try again."
    ),
}


def updated_ticket(
    ticket: dict,
    values: dict,
    *,
    comment: dict | None,
    author_id: int | None,
    now: float,
    new_id: Callable[[str], int],
) -> tuple[dict, dict]:
    """The ticket after the update, and the audit that records it."""
    new = copy.deepcopy(ticket)
    changes = []
    for name, value in values.items():
        if new.get(name) != value:
            changes.append([name, copy.deepcopy(value), copy.deepcopy(new.get(name))])
            new[name] = copy.deepcopy(value)
    if "custom_fields" in values:
        new["fields"] = copy.deepcopy(new["custom_fields"])
    new["updated_at"] = iso(now)
    new["generated_timestamp"] = int(now)
    audit = {
        "id": new_id("audit"),
        "ticket_id": ticket["id"],
        "at": int(now),
        "author_id": author_id,
        "channel": "api",
        "create": False,
        "changes": changes,
        "comment": None,
    }
    if comment is not None:
        stored = {key: value for key, value in comment.items() if key != "position"}
        stored.update({"id": new_id("comment"), "created_at": int(now), "channel": "api"})
        audit["comment"] = stored
        if stored["public"]:
            new["is_public"] = True
    return new, audit


def is_stale(ticket: dict, changes: object) -> bool:
    """``safe_update: true`` with an ``updated_stamp`` other than the ticket's updated_at."""
    if not isinstance(changes, dict) or changes.get("safe_update") is not True:
        return False
    return changes.get("updated_stamp") != ticket.get("updated_at")
