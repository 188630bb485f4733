"""What the streams read on their own read with: the settings, the clock, the run's shared
rate limits, and whether the tickets stream will read their export alongside it."""

from __future__ import annotations

from collections.abc import Callable

from tap_zendesk_tickets.api_reads import SupportReader
from tap_zendesk_tickets.export import Timing
from tap_zendesk_tickets.export_feeds import ExportFeeds
from tap_zendesk_tickets.pacing import RunLimits
from tap_zendesk_tickets.settings import TapSettings


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
