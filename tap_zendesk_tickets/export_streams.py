"""The streams read from Zendesk's time-based incremental exports (``time_export.py``):

* ``ticket_metric_events``: ``GET /api/v2/incremental/ticket_metric_events``; INCREMENTAL on
  ``time``. A breach Zendesk withdrew (``deleted: true``) gets ``_sdc_deleted_at``.
* ``ticket_field_history``: ``GET /api/v2/incremental/ticket_events``, one row per field
  change (``field_history.py``); INCREMENTAL on ``updated_at``.

Each is read alongside the tickets when they sync (``export_feeds.py``), else on its own,
with a STATE after every page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from singer_sdk.helpers import types

from tap_zendesk_tickets.bookmarks import format_timestamp, parse_timestamp
from tap_zendesk_tickets.field_history import field_changes
from tap_zendesk_tickets.incremental_streams import OwnIncrementalStream
from tap_zendesk_tickets.sdk_hooks import set_bookmark, write_checkpoint
from tap_zendesk_tickets.time_export import TimeExport, TimePage, TimePosition, position_from
from zendesk_api.errors import ZendeskResponseError

TICKET_EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
METRIC_EVENTS_PATH = "/api/v2/incremental/ticket_metric_events.json"

logger = logging.getLogger(__name__)


class TimeExportStream(OwnIncrementalStream):
    """A stream read from one of Zendesk's time-based incremental exports.

    When the tickets stream syncs in the same run (after this one: the SDK syncs streams by
    name), this stream's sync leaves the export to it (``export_feeds.py``): :meth:`pages`
    is read on a thread of its own, and the tickets stream calls :meth:`take` for each page
    between two tickets.
    """

    path = ""
    items_key = ""
    what = ""
    _fed = False

    def second_of(self, item: dict[str, Any]) -> int:
        raise NotImplementedError

    def records_of(self, item: dict[str, Any]) -> Iterable[dict[str, Any]]:
        return [item]

    def pages(self) -> Iterator[TimePage]:
        """The export's pages from the stream's bookmark to its end (each read when asked)."""
        self._fed = True  # from here on, whoever reads the pages writes them (take)
        parts = self._parts
        bookmark = self._bookmark(None)
        try:
            position = position_from(bookmark, start_time=parts.settings.start_time)
        except ValueError as exc:
            raise self._unreadable(bookmark, exc) from None
        self._log_start(position)
        export = TimeExport(
            parts.settings,
            parts.timing,
            path=self.path,
            key=self.items_key,
            second_of=self.second_of,
            pacer=parts.limits.exports,
            what=self.what,
        )
        return export.pages(position)

    def take(self, page: TimePage, *, checkpoint: bool) -> None:
        """Write a page's records, then move the bookmark past them (and write a STATE)."""
        self.emit(record for item in page.items for record in self.records_of(item))
        if checkpoint:
            write_checkpoint(self, None, page.position.bookmark())
        else:
            set_bookmark(self, None, page.position.bookmark())

    def get_records(self, context: types.Context | None) -> Iterator[dict[str, Any]]:
        if self._fed:
            return  # read and written while the tickets stream synced
        feeds = self._parts.alongside_tickets()
        if feeds is not None:
            feeds.add(self)  # the tickets stream writes its pages as they come
            logger.info("The %s is read alongside the tickets", self.what)
            return
        for page in self.pages():
            for item in page.items:
                yield from self.records_of(item)
            # The SDK writes a record before it asks for the next one: all are out.
            write_checkpoint(self, context, page.position.bookmark())

    def get_replication_key_signpost(self, context: types.Context | None = None) -> None:
        # The bookmark is the stream's own position (time and ids), never the SDK's.
        return None

    def _log_start(self, position: TimePosition) -> None:
        logger.info(
            "Reading the %s from %s (%d of that second sent already)",
            self.what,
            format_timestamp(position.second),
            len(position.seen),
        )


class TicketMetricEventsStream(TimeExportStream):
    """Every metric event (reply time, wait times, SLA applied, breached, fulfilled...)."""

    name = "ticket_metric_events"
    replication_key = "time"
    path = METRIC_EVENTS_PATH
    items_key = "ticket_metric_events"
    what = "ticket metric events export"

    def second_of(self, item: dict[str, Any]) -> int:
        return _second(item.get("time"))

    def records_of(self, item: dict[str, Any]) -> Iterable[dict[str, Any]]:
        if item.get("deleted") is True:  # a breach Zendesk withdrew
            return [{**item, "_sdc_deleted_at": item.get("time")}]
        return [item]


class TicketFieldHistoryStream(TimeExportStream):
    """Every change of every ticket field (status, group, assignee, priority, tags, custom
    fields...), with when and by whom: one row per change."""

    name = "ticket_field_history"
    replication_key = "updated_at"
    primary_keys = ("id", "field_name")
    path = TICKET_EVENTS_PATH
    items_key = "ticket_events"
    what = "ticket events export"

    def second_of(self, item: dict[str, Any]) -> int:
        stamp = item.get("timestamp")
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            return stamp
        return _second(item.get("created_at"))

    def records_of(self, item: dict[str, Any]) -> Iterable[dict[str, Any]]:
        if not item.get("created_at"):
            item = {**item, "created_at": format_timestamp(self.second_of(item))}
        return field_changes(item)


def _second(value: Any) -> int:
    """Epoch seconds of an item's time; an item without one cannot be placed: an error."""
    try:
        return int(parse_timestamp(value))
    except (TypeError, ValueError, AttributeError):
        raise ZendeskResponseError(
            f"Zendesk sent an item whose time {value!r} is not a date-time"
        ) from None
