"""Satisfaction ratings, read by time windows on their ``created_at``, resumable page by page.

``GET /api/v2/satisfaction_ratings`` takes ``start_time`` and ``end_time`` (Unix seconds)
and pages with cursors [DOC]. ``start_time`` keeps the ratings created after it
[OBS: singer-io/tap-zendesk#37]; a customer who changes a rating makes a new one, so
ratings do not change once made [OBS: the same]. The order of the list is not documented.

So a run reads one window, ``(after, until]``: ``after`` is where the last run's window
ended, ``until`` two minutes before now (like the export's ``start_time``, it leaves a
margin for clocks that disagree). It asks ``start_time=after`` and ``end_time=until + 1``
and keeps exactly ``after < created_at <= until`` itself, so it does not matter whether
Zendesk's bounds are inclusive. The STATE after each page holds the window and the page's
cursor; a run stopped in the middle of a window continues it from that cursor, and a
finished window leaves ``{"created_at": until}``. A cursor Zendesk refuses restarts the
window (its ratings come again; none is lost).

Deleted ratings are not marked: Zendesk's list just stops showing the rating of a deleted
ticket.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tap_zendesk_tickets.bookmarks import MIN_START_AGE, format_timestamp, parse_timestamp


@dataclass(frozen=True)
class RatingsWindow:
    """Ratings created after ``after`` and up to ``until`` (seconds); ``cursor``: the page
    of the list to continue from."""

    after: int
    until: int
    cursor: str | None = None

    def holds(self, created_at: Any) -> bool:
        if not isinstance(created_at, str):
            return False
        try:
            second = math.floor(parse_timestamp(created_at))
        except ValueError:
            return False
        return self.after < second <= self.until

    def params(self) -> dict[str, Any]:
        found: dict[str, Any] = {"start_time": max(0, self.after), "end_time": self.until + 1}
        if self.cursor:
            found["page[after]"] = self.cursor
        return found

    def at(self, cursor: str | None) -> RatingsWindow:
        return replace(self, cursor=cursor)

    def bookmark(self) -> dict[str, Any]:
        """The STATE while this window is read (with a cursor) or once it is done."""
        if self.cursor is None:
            return {"created_at": format_timestamp(self.until)}
        return {
            "created_at": format_timestamp(self.after),
            "window_end": format_timestamp(self.until),
            "cursor": self.cursor,
        }


def window_from(bookmark: Mapping[str, Any], *, start_time: float, now: float) -> RatingsWindow:
    """The window a run reads: the one a STATE left unfinished, else the next one."""
    newest = math.floor(now) - MIN_START_AGE
    raw = bookmark.get("created_at")
    if raw is None:
        # startTime's own second is in: the window starts just before it.
        return RatingsWindow(math.floor(start_time) - 1, max(newest, math.floor(start_time)))
    if not isinstance(raw, str):
        raise ValueError(f"created_at {raw!r} is not a date-time")
    after = math.floor(parse_timestamp(raw))
    cursor, end = bookmark.get("cursor"), bookmark.get("window_end")
    if isinstance(cursor, str) and cursor and isinstance(end, str):
        return RatingsWindow(after, math.floor(parse_timestamp(end)), cursor)
    return RatingsWindow(after, max(newest, after))
