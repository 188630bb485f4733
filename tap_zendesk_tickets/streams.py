"""The ``tickets`` stream: every ticket of the export, a STATE after every page.

Its child streams (``side_streams.py``: users, groups, ..., ticket comments) are fed from
its sync, page by page and ticket by ticket, so that every record a ticket refers to goes
out before the ticket (``related.py``); the STATE after a page covers all of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from singer_sdk import Tap, metrics
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import Catalog

from tap_zendesk_tickets.api_reads import SupportReader
from tap_zendesk_tickets.bookmarks import (
    InvalidBookmarkError,
    Position,
    ResumePoint,
    bookmark_for,
    format_timestamp,
    position_from_bookmark,
    position_of,
    resume_point,
)
from tap_zendesk_tickets.export import EXPORT_PATH, TicketExport, Timing
from tap_zendesk_tickets.export_feeds import ExportFeeds
from tap_zendesk_tickets.file_downloads import AttachmentDownloads
from tap_zendesk_tickets.file_spool import FileSpool, host_directory
from tap_zendesk_tickets.pacing import RunLimits, run_limits
from tap_zendesk_tickets.references import COMMENTS
from tap_zendesk_tickets.related import Related
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import FedStream, OwnBookmarkStream, write_checkpoint
from tap_zendesk_tickets.settings import TapSettings

REPLICATION_KEY = "generated_timestamp"
INCREMENTAL = "INCREMENTAL"
DELETED = "deleted"


class TicketsStream(OwnBookmarkStream):
    """Every ticket of the account, in the export's order (``generated_timestamp``, ``id``)."""

    name = "tickets"
    primary_keys = ("id",)
    # The export's own order and filter field: the catalog says INCREMENTAL on it, sorted.
    # The bookmark itself is the tap's (bookmarks.py: position and cursor), so that the
    # STATE keeps the seed's shape (sdk_hooks.OwnBookmarkStream).
    replication_key = REPLICATION_KEY
    # STATE goes out after every page instead (sdk_hooks.write_checkpoint).
    STATE_MSG_FREQUENCY = 10**12
    # Tickets go out exactly as Zendesk sent them; the SDK's recursive type conformance
    # would only cost time (a third of the tap's CPU) and could alter values.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        tap: Tap,
        *,
        settings: Callable[[], TapSettings],
        timing: Timing | None = None,
        limits: Callable[[], RunLimits] | None = None,
        feeds: ExportFeeds | None = None,
    ) -> None:
        """``limits``: the run's shared rate-limit budgets (else the stream's own);
        ``feeds``: the time-based exports read while this stream syncs."""
        # Settings are read when the stream syncs, not here: discovery needs none.
        super().__init__(tap, schema=load_schema(self.name))
        # Said in the catalog's metadata: the only method the tap supports.
        self.forced_replication_method = INCREMENTAL
        self._read_settings = settings
        self._timing = timing
        self._limits = limits
        self._feeds = feeds or ExportFeeds()

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        """Yield each ticket as it comes, and write STATE after each page's tickets."""
        settings = self._read_settings()
        bookmark = dict(self.get_context_state(context))
        try:
            resume = resume_point(bookmark, start_time=settings.start_time, now=time.time())
            last = position_from_bookmark(bookmark)
        except ValueError as exc:
            raise InvalidBookmarkError(
                f"The STATE bookmark of the tickets stream cannot be read ({exc}): "
                f"{bookmark}. Correct it, or start without it (from startTime)"
            ) from None
        self._log_start(resume, settings)
        timing = self._timing or Timing()
        limits = (
            self._limits() if self._limits else run_limits(settings, timing.clock, timing.sleep)
        )
        in_flight = settings.comment_requests_in_flight
        streams = {s.name: s for s in self.child_streams if isinstance(s, FedStream)}
        related = Related(
            streams,
            SupportReader(settings, self._timing, account=limits.account, in_flight=in_flight),
            in_flight=in_flight,
            downloads=self._downloads(settings, streams),
        )
        export = TicketExport(
            settings, self._timing, includes=related.includes, pacer=limits.exports
        )
        feeds = self._feeds
        try:
            yield from self._export(
                export, resume, last, context, related=related, feeds=feeds, follow=settings.follow
            )
        finally:
            feeds.close()
            related.close()

    def _export(
        self,
        export: TicketExport,
        resume: ResumePoint,
        last: Position | None,
        context: types.Context | None,
        *,
        related: Related,
        feeds: ExportFeeds,
        follow: bool,
    ) -> Iterator[dict[str, Any]]:
        first_pass = True
        with metrics.http_request_counter(self.name, endpoint=EXPORT_PATH) as requests_made:
            while True:
                for page in export.pages(resume, first_pass=first_pass):
                    requests_made.increment()
                    skip_through = page.resume.skip_through
                    emitting = []
                    for ticket in page.tickets:
                        position = position_of(ticket)
                        if skip_through and position and skip_through.covers(position):
                            continue
                        emitting.append((ticket, position))
                    related.before_page(page.side_loads, [ticket for ticket, _ in emitting])
                    for ticket, position in emitting:
                        feeds.between()
                        if ticket.get("status") == DELETED:
                            mark_deleted(ticket)
                        related.before_ticket(ticket)
                        yield ticket
                        last = position or last
                    feeds.between()
                    # Every ticket of the page has been written by now: the SDK writes a
                    # record before it asks this generator for the next one.
                    write_checkpoint(self, context, bookmark_for(last, page.cursor))
                    resume = replace(page.resume, cursor=page.cursor, fallback=None)
                if first_pass:
                    feeds.finish()  # the exports read alongside, to their end
                if not follow:
                    return
                first_pass = False

    def _downloads(
        self, settings: TapSettings, streams: dict[str, FedStream]
    ) -> AttachmentDownloads | None:
        """What fetches the comments' files, when comments are sent and files are on."""
        comments = streams.get(COMMENTS)
        if not settings.files or comments is None or not comments.selected:
            return None
        spool = FileSpool(host_directory(settings.file_spool, settings.connection.base_url))
        return AttachmentDownloads(settings, spool, self._timing)

    def generate_child_contexts(
        self, record: types.Record, context: types.Context | None
    ) -> Iterable[types.Context | None]:
        """None: the child streams are fed from this stream's sync (``related.py``), not
        synced by the SDK once per ticket."""
        return ()

    def apply_catalog(self, catalog: Catalog) -> None:
        """Take selection and schema from the catalog, never another replication method.

        FULL_TABLE would tell targets that each run sends every ticket (and, with
        ``emit_activate_version_messages``, make them delete the rows a run did not send),
        while a run resumes from STATE and sends only changes.
        """
        super().apply_catalog(catalog)
        method, key = self.forced_replication_method, self.replication_key
        if (method and method != INCREMENTAL) or key != REPLICATION_KEY:
            self.logger.warning(
                "The catalog asks for replication method %s on key %s for the tickets "
                "stream; the tap supports only INCREMENTAL on %s (every run resumes from "
                "STATE and sends the tickets changed since), so it keeps that",
                method or "(unset)",
                key or "(none)",
                REPLICATION_KEY,
            )
        self.forced_replication_method = INCREMENTAL
        self.replication_key = REPLICATION_KEY

    def _log_start(self, resume: ResumePoint, settings: TapSettings) -> None:
        if resume.cursor:
            self.logger.info("Resuming the export from the cursor in STATE")
        elif resume.skip_through:
            self.logger.info(
                "Resuming the export at %s (start_time=%d), after ticket %s",
                format_timestamp(resume.skip_through.timestamp),
                resume.start_time,
                resume.skip_through.id,
            )
        else:
            self.logger.info(
                "Starting the export at %s (start_time=%d)",
                format_timestamp(resume.start_time),
                resume.start_time,
            )
            if resume.start_time < settings.start_time:
                self.logger.warning(
                    "startTime %s is in the future or less than two minutes ago, which "
                    "Zendesk refuses; starting from %s instead",
                    format_timestamp(settings.start_time),
                    format_timestamp(resume.start_time),
                )
        if settings.follow and not settings.polling_period:
            self.logger.warning(
                "follow is on with pollingPeriod 0s: the tap polls as often as the rate-limit "
                "headers allow; set pollingPeriod to poll less often"
            )


def mark_deleted(ticket: dict[str, Any]) -> None:
    """``_sdc_deleted_at``: when the ticket was deleted, as SQL targets expect it.

    Deleting a ticket is its last change, so that is its ``updated_at`` (else the export's
    ``generated_timestamp``).
    """
    deleted_at = ticket.get("updated_at")
    if not isinstance(deleted_at, str):
        generated = ticket.get("generated_timestamp")
        deleted_at = format_timestamp(generated) if isinstance(generated, int) else None
    ticket["_sdc_deleted_at"] = deleted_at
