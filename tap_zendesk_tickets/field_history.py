"""Every change of every ticket field, one row per change, read off the ticket events export.

Each entry of ``GET /api/v2/incremental/ticket_events`` is an audit: who changed the ticket
(``updater_id``), when (``created_at``, ``timestamp``), how (``via``), and its
``child_events``. A ``Create`` or ``Change`` child names the field it set by its key, with
the new value there and the old one in ``previous_value`` (``{"status": "solved",
"previous_value": "open", "event_type": "Change"}``) [OBS: connectors' ticket event
schemas; the reference shows only comment children]. Other children (comments,
notifications, satisfaction ratings...) are not field changes.

A row: ``id`` (the child event's) and ``field_name`` (the key), ``audit_id``,
``ticket_id``, ``value`` and ``previous_value`` as text (a list or an object as JSON
text, null as null), ``event_type``, ``updated_at``, ``updater_id``, ``via``. Text keeps
one column type for every field, so SQL compares ``value = 'pending'`` directly.

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FIELD_EVENTS = ("Create", "Change")
#: Keys of a child event that are not the field it changed.
NOT_FIELDS = frozenset(
    {
        "id",
        "via",
        "via_reference_id",
        "event_type",
        "previous_value",
        "added_tags",
        "removed_tags",
        "comment_present",
        "comment_public",
    }
)


def as_text(value: Any) -> str | None:
    """A field's value as text: strings as they are, other JSON as JSON, null as None."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def field_changes(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The field changes of one ticket event (an audit), in its order."""
    rows = []
    for child in event.get("child_events") or ():
        if not isinstance(child, Mapping) or child.get("event_type") not in FIELD_EVENTS:
            continue
        for name in child:
            if name in NOT_FIELDS:
                continue
            rows.append(
                {
                    "id": child.get("id"),
                    "field_name": name,
                    "audit_id": event.get("id"),
                    "ticket_id": event.get("ticket_id"),
                    "value": as_text(child[name]),
                    "previous_value": as_text(child.get("previous_value")),
                    "event_type": child.get("event_type"),
                    "updated_at": event.get("created_at"),
                    "updater_id": event.get("updater_id"),
                    "via": event.get("via"),
                }
            )
    return rows
