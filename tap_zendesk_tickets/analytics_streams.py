"""The streams read on their own, before the tickets: the account's tags and SLA policies
(read whole, once a run), satisfaction ratings, the ticket metric events and the field
history (each incremental on its own bookmark).

* ``tags``: ``GET /api/v2/tags``, every page; FULL_TABLE, keyed by ``name``.
* ``sla_policies``: ``GET /api/v2/slas/policies``; FULL_TABLE.
* ``satisfaction_ratings``: ``GET /api/v2/satisfaction_ratings`` by time windows on
  ``created_at`` (``rating_windows.py``); INCREMENTAL, STATE after every page.
* ``ticket_metric_events``: the time-based ``GET /api/v2/incremental/ticket_metric_events``
  (``time_export.py``); INCREMENTAL on ``time``, STATE after every page. A breach Zendesk
  withdrew (``deleted: true``) gets ``_sdc_deleted_at``.
* ``ticket_field_history``: the time-based ``GET /api/v2/incremental/ticket_events``, one
  row per field change (``field_history.py``); INCREMENTAL on ``updated_at``.

Tags, SLA policies and ratings are read before ``tickets`` (the SDK syncs streams by name).
The two time-based exports are read while ``tickets`` syncs, when it does
(``export_feeds.py``): they share the ticket export's 10-a-minute bucket and
``pollingPeriod`` (``RunLimits.exports``) while the tickets' own reads use the account's
budget, so neither bucket waits for the other. Each of these streams costs requests, so
each is selected only when asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from singer_sdk import Tap
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import Catalog

from tap_zendesk_tickets.api_reads import SupportReader
from tap_zendesk_tickets.bookmarks import InvalidBookmarkError, format_timestamp, parse_timestamp
from tap_zendesk_tickets.export import Timing
from tap_zendesk_tickets.export_feeds import ExportFeeds
from tap_zendesk_tickets.field_history import field_changes
from tap_zendesk_tickets.pacing import RunLimits
from tap_zendesk_tickets.rating_windows import window_from
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import (
    OwnBookmarkStream,
    TapStream,
    set_bookmark,
    write_checkpoint,
)
from tap_zendesk_tickets.settings import TapSettings
from tap_zendesk_tickets.time_export import TimeExport, TimePage, TimePosition, position_from
from zendesk_api.errors import ZendeskClientError, ZendeskResponseError

INCREMENTAL = "INCREMENTAL"
TICKET_EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
METRIC_EVENTS_PATH = "/api/v2/incremental/ticket_metric_events.json"
RATINGS_PATH = "/api/v2/satisfaction_ratings.json"

logger = logging.getLogger(__name__)


class RunParts:
    """What a stream reads with: the settings, the clock, the run's shared rate limits,
    and the exports read alongside the tickets (when the tickets stream syncs)."""

    def __init__(
        self,
        settings: Callable[[], TapSettings],
        limits: Callable[[], RunLimits],
        timing: Timing,
        *,
        feeds: ExportFeeds | None = None,
        tickets_sync: Callable[[], bool] = lambda: False,
    ) -> None:
        self._settings = settings
        self._limits = limits
        self.timing = timing
        self.feeds = feeds
        self._tickets_sync = tickets_sync

    def alongside_tickets(self) -> ExportFeeds | None:
        """Where to leave an export for the tickets stream to write; None when the
        tickets are not synced in this run (or are done)."""
        if self.feeds is not None and self.feeds.open and self._tickets_sync():
            return self.feeds
        return None

    @property
    def settings(self) -> TapSettings:
        return self._settings()  # read at sync time: discovery needs none

    @property
    def limits(self) -> RunLimits:
        return self._limits()

    def reader(self) -> SupportReader:
        return SupportReader(self.settings, self.timing, account=self.limits.account)


class AccountListStream(TapStream):
    """One of the account's lists, read whole once a run (FULL_TABLE)."""

    path = ""
    selected_by_default = False
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, parts: RunParts) -> None:
        super().__init__(tap, schema=load_schema(self.name))
        self._parts = parts

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        reader = self._parts.reader()
        records = reader.list_all(self.path, self.name)
        logger.info(
            "%s: %d records in %d requests", self.name, len(records), reader.requests[self.name]
        )
        return records


class TagsStream(AccountListStream):
    """The account's tags with how many tickets carry each (Zendesk lists the most used)."""

    name = "tags"
    primary_keys = ("name",)
    path = "/api/v2/tags.json"


class SlaPoliciesStream(AccountListStream):
    """The account's SLA policies (metric events name them in ``sla.policy``)."""

    name = "sla_policies"
    primary_keys = ("id",)
    path = "/api/v2/slas/policies.json"


class OwnIncrementalStream(OwnBookmarkStream):
    """An INCREMENTAL stream with a bookmark of its own, written after every page."""

    selected_by_default = False
    primary_keys: tuple[str, ...] = ("id",)
    STATE_MSG_FREQUENCY = 10**12  # STATE after every page instead (write_checkpoint)
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, parts: RunParts) -> None:
        super().__init__(tap, schema=load_schema(self.name))
        self._parts = parts
        self.forced_replication_method = INCREMENTAL

    def apply_catalog(self, catalog: Catalog) -> None:
        """Take selection and schema from the catalog, never another replication method:
        every run resumes from the stream's STATE and sends only what is new."""
        key = self.replication_key
        super().apply_catalog(catalog)
        if self.forced_replication_method not in (None, INCREMENTAL) or self.replication_key != key:
            self.logger.warning(
                "The catalog asks for replication method %s on key %s for %s; the tap "
                "supports only INCREMENTAL on %s, so it keeps that",
                self.forced_replication_method or "(unset)",
                self.replication_key or "(none)",
                self.name,
                key,
            )
        self.forced_replication_method = INCREMENTAL
        self.replication_key = key

    def _bookmark(self, context: types.Context | None) -> dict[str, Any]:
        return dict(self.get_context_state(context))

    def _unreadable(self, bookmark: dict[str, Any], exc: ValueError) -> InvalidBookmarkError:
        return InvalidBookmarkError(
            f"The STATE bookmark of the {self.name} stream cannot be read ({exc}): "
            f"{bookmark}. Correct it, or start without it (from startTime)"
        )


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


def _second(value: Any) -> int:
    """Epoch seconds of an item's time; an item without one cannot be placed: an error."""
    try:
        return int(parse_timestamp(value))
    except (TypeError, ValueError, AttributeError):
        raise ZendeskResponseError(
            f"Zendesk sent an item whose time {value!r} is not a date-time"
        ) from None


#: The SDK syncs them in the order of their names: ``satisfaction_ratings``,
#: ``sla_policies`` and ``tags`` before ``tickets``, and ``ticket_field_history`` and
#: ``ticket_metric_events`` just before it, which leave their exports to it.
ANALYTICS_STREAMS: tuple[type[AccountListStream] | type[OwnIncrementalStream], ...] = (
    TagsStream,
    SlaPoliciesStream,
    SatisfactionRatingsStream,
    TicketMetricEventsStream,
    TicketFieldHistoryStream,
)
