"""Where a run starts and what its STATE says: pure functions, no I/O.

A bookmark is ``{"last_modified_time": "<RFC 3339 UTC>", "id": <int>, "cursor": "..."}``.
``last_modified_time`` and ``id`` are the position of the last ticket emitted, in the
export's own order: (``generated_timestamp``, ``id``). ``cursor`` is Zendesk's
``after_cursor`` of the last page, the exact place to continue from.

Why ``generated_timestamp`` and not ``updated_at``: the export filters and sorts on
``generated_timestamp``, which moves on every change including system updates, while
``updated_at`` only moves when a ticket event is created. The seed connector used
``updated_at`` and restarted one second later, which loses tickets that share the
bookmark's second and mis-orders tickets changed by system updates.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from zendesk_api.errors import ZendeskError

#: ``start_time`` must be more than a minute in the past (Zendesk rejects newer ones); two
#: minutes leave room for a host clock running ahead of Zendesk's. Asking from further back
#: costs nothing: tickets up to the bookmark are skipped.
MIN_START_AGE = 120

_FRACTION = re.compile(r"(\.\d{6})\d+")  # Go writes nanoseconds; Python reads microseconds


class InvalidBookmarkError(ZendeskError):
    """The STATE given to the tap holds a bookmark it cannot read."""


@dataclass(frozen=True)
class Position:
    """A place in the export's order. ``id`` None means "before every ticket of that second"."""

    timestamp: float
    id: int | None = None

    def covers(self, ticket_position: Position) -> bool:
        """True when a ticket at ``ticket_position`` comes at or before this position."""
        if ticket_position.timestamp != self.timestamp:
            return ticket_position.timestamp < self.timestamp
        if self.id is None:
            return False
        return ticket_position.id is not None and ticket_position.id <= self.id


@dataclass(frozen=True)
class ResumePoint:
    """How the first export request of a run is made."""

    cursor: str | None
    start_time: int
    #: Tickets at or before this position were emitted already (timestamp path only).
    skip_through: Position | None
    #: Where to go when Zendesk rejects ``cursor``.
    fallback: ResumePoint | None = None


def position_of(ticket: Mapping[str, Any]) -> Position | None:
    """The ticket's place: ``generated_timestamp``, else ``updated_at``, else ``created_at``."""
    ticket_id = ticket.get("id")
    ticket_id = (
        ticket_id if isinstance(ticket_id, int) and not isinstance(ticket_id, bool) else None
    )
    generated = ticket.get("generated_timestamp")
    if isinstance(generated, int | float) and not isinstance(generated, bool):
        return Position(float(generated), ticket_id)
    for field in ("updated_at", "created_at"):
        value = ticket.get(field)
        if isinstance(value, str):
            try:
                return Position(parse_timestamp(value), ticket_id)
            except ValueError:
                continue
    return None


def bookmark_for(position: Position | None, cursor: str | None) -> dict[str, Any]:
    """The STATE bookmark after a page."""
    bookmark: dict[str, Any] = {}
    if position is not None:
        bookmark["last_modified_time"] = format_timestamp(position.timestamp)
        if position.id is not None:
            bookmark["id"] = position.id
    if cursor:
        bookmark["cursor"] = cursor
    return bookmark


def position_from_bookmark(bookmark: Mapping[str, Any]) -> Position | None:
    """Read ``last_modified_time`` and ``id`` (ours, or the seed's position format)."""
    raw_time = bookmark.get("last_modified_time")
    if raw_time is None:
        return None
    if _is_number(raw_time):
        timestamp = float(raw_time)
    elif isinstance(raw_time, str):
        timestamp = parse_timestamp(raw_time)
    else:
        raise ValueError(f"last_modified_time {raw_time!r} is not a date-time")
    if not math.isfinite(timestamp):
        raise ValueError(f"last_modified_time {raw_time!r} is not a date-time")
    # Zendesk's timestamps are whole seconds; a fraction must not skip the rest of its second.
    timestamp = float(math.floor(timestamp))
    raw_id = bookmark.get("id")
    if raw_id is None:
        return Position(timestamp, None)
    # The seed stored ids as float64, and singer-sdk reads JSON numbers with a fraction as
    # Decimal: 406.0 is ticket 406.
    if _is_number(raw_id) and float(raw_id).is_integer():
        raw_id = int(raw_id)
    if isinstance(raw_id, str) and raw_id.isdigit():
        raw_id = int(raw_id)
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise ValueError(f"id {raw_id!r} is not a ticket id")
    return Position(timestamp, raw_id)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | complex)


def resume_point(bookmark: Mapping[str, Any], *, start_time: float, now: float) -> ResumePoint:
    """Where to start: the stored cursor, else the stored position, else ``startTime``."""
    position = position_from_bookmark(bookmark)
    if position is not None:
        by_time = ResumePoint(
            cursor=None,
            start_time=clamp_start_time(position.timestamp, now),
            skip_through=position,
        )
    else:
        by_time = ResumePoint(
            cursor=None, start_time=clamp_start_time(start_time, now), skip_through=None
        )
    cursor = bookmark.get("cursor")
    if isinstance(cursor, str) and cursor:
        return ResumePoint(
            cursor=cursor, start_time=by_time.start_time, skip_through=None, fallback=by_time
        )
    return by_time


def clamp_start_time(timestamp: float, now: float) -> int:
    """Whole seconds (the second itself is re-read), and more than a minute in the past."""
    return max(0, min(math.floor(timestamp), math.floor(now) - MIN_START_AGE))


def parse_timestamp(text: str) -> float:
    """RFC 3339 with any offset (``Z``, ``+02:00``, fractions up to nanoseconds) -> epoch s."""
    normalised = _FRACTION.sub(r"\1", text.strip())
    moment = datetime.fromisoformat(normalised)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment.timestamp()


def format_timestamp(timestamp: float) -> str:
    """Epoch seconds -> RFC 3339 in UTC, ``2024-03-07T09:01:44Z``."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    if moment.microsecond:
        return moment.isoformat().replace("+00:00", "Z")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_start_time(value: Any) -> float:
    """The ``startTime`` setting: Unix seconds or an ISO-8601 date-time."""
    if value is None or value == "":
        return 0.0
    if _is_number(value):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            moment = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
            if moment.tzinfo is None:  # a date or a naive date-time is read as UTC
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp()
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{value!r} is not a time at or after 1970-01-01")
    return seconds
