"""``satisfaction_ratings``: ``GET /api/v2/satisfaction_ratings`` by time windows on
``created_at`` and page cursors (``rating_windows.py``); INCREMENTAL, a STATE after every
page."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from singer_sdk.helpers import types

from tap_zendesk_tickets.bookmarks import format_timestamp
from tap_zendesk_tickets.incremental_streams import OwnIncrementalStream
from tap_zendesk_tickets.rating_windows import window_from
from tap_zendesk_tickets.sdk_hooks import write_checkpoint
from zendesk_api.errors import ZendeskClientError

RATINGS_PATH = "/api/v2/satisfaction_ratings.json"

logger = logging.getLogger(__name__)


class SatisfactionRatingsStream(OwnIncrementalStream):
    """Every satisfaction rating customers gave, as Zendesk lists them."""

    name = "satisfaction_ratings"
    replication_key = "created_at"

    def get_records(self, context: types.Context | None) -> Iterator[dict[str, Any]]:
        parts = self._parts
        bookmark = self._bookmark(context)
        try:
            window = window_from(bookmark, start_time=parts.settings.start_time, now=time.time())
        except ValueError as exc:
            raise self._unreadable(bookmark, exc) from None
        reader = parts.reader()
        logger.info(
            "Reading satisfaction ratings created after %s up to %s%s",
            format_timestamp(max(window.after, 0)),
            format_timestamp(window.until),
            " (continuing from the cursor in STATE)" if window.cursor else "",
        )
        seen: set[str] = set()
        while True:
            try:
                items, cursor = reader.list_page(RATINGS_PATH, self.name, window.params())
            except ZendeskClientError as exc:
                if not window.cursor:
                    raise
                logger.warning(
                    "Zendesk refused the cursor stored in STATE (%s): reading the window "
                    "again from its start (its ratings come again; none is lost)",
                    exc,
                )
                window = window.at(None)
                continue
            for item in items:
                if window.holds(item.get("created_at")):
                    yield item
            if cursor is None or cursor in seen:
                write_checkpoint(self, context, window.at(None).bookmark())
                break
            seen.add(cursor)
            window = window.at(cursor)
            write_checkpoint(self, context, window.bookmark())
        logger.info("satisfaction_ratings: %d requests", reader.requests[self.name])
