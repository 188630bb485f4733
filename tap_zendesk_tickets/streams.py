"""The ``tickets`` stream: every ticket of the export, a STATE after every page."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from singer_sdk import Tap, metrics
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_zendesk_tickets.bookmarks import (
    InvalidBookmarkError,
    ResumePoint,
    bookmark_for,
    format_timestamp,
    position_from_bookmark,
    position_of,
    resume_point,
)
from tap_zendesk_tickets.export import EXPORT_PATH, TicketExport, Timing
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import TapStream, write_checkpoint
from tap_zendesk_tickets.settings import TapSettings


class TicketsStream(TapStream):
    """Every ticket of the account, in the export's order (``generated_timestamp``, ``id``)."""

    name = "tickets"
    primary_keys = ("id",)
    # The bookmark is the tap's own (see bookmarks.py), not an SDK replication key, so
    # the catalog says FULL_TABLE; runs still resume from STATE.
    replication_key = None
    # STATE goes out after every page instead (sdk_hooks.write_checkpoint).
    STATE_MSG_FREQUENCY = 10**12
    # Tickets go out exactly as Zendesk sent them; the SDK's recursive type conformance
    # would only cost time (a third of the tap's CPU) and could alter values.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self, tap: Tap, *, settings: Callable[[], TapSettings], timing: Timing | None = None
    ) -> None:
        # Settings are read when the stream syncs, not here: discovery needs none.
        super().__init__(tap, schema=load_schema(self.name))
        self._read_settings = settings
        self._timing = timing

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
        export = TicketExport(settings, self._timing)
        first_pass = True
        with metrics.http_request_counter(self.name, endpoint=EXPORT_PATH) as requests_made:
            while True:
                for page in export.pages(resume, first_pass=first_pass):
                    requests_made.increment()
                    skip_through = page.resume.skip_through
                    for ticket in page.tickets:
                        position = position_of(ticket)
                        if skip_through and position and skip_through.covers(position):
                            continue
                        yield ticket
                        last = position or last
                    # Every ticket of the page has been written by now: the SDK writes a
                    # record before it asks this generator for the next one.
                    write_checkpoint(self, context, bookmark_for(last, page.cursor))
                    resume = replace(page.resume, cursor=page.cursor, fallback=None)
                if not settings.follow:
                    return
                first_pass = False

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
