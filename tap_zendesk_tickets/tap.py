"""tap-zendesk-tickets: wiring of the settings, the stream and the command line."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_zendesk_tickets.analytics_streams import ANALYTICS_STREAMS
from tap_zendesk_tickets.export import Timing
from tap_zendesk_tickets.export_feeds import ExportFeeds
from tap_zendesk_tickets.file_spool import SpoolError
from tap_zendesk_tickets.output import FastSingerWriter
from tap_zendesk_tickets.pacing import RunLimits, run_limits
from tap_zendesk_tickets.run_parts import RunParts
from tap_zendesk_tickets.settings import CONFIG_SCHEMA, TapSettings, read_tap_settings
from tap_zendesk_tickets.side_streams import SIDE_STREAMS
from tap_zendesk_tickets.streams import TicketsStream
from zendesk_api.errors import ZendeskError
from zendesk_api.http import package_version
from zendesk_api.settings import register_token_settings

#: The seed connector's position, given as the whole state file.
_SEED_POSITION_KEYS = {"last_modified_time", "id"}


class TapZendeskTickets(Tap):
    """Every Zendesk ticket from the cursor-based export, resumable after every page, with
    what tickets refer to (people, structure, comments) before them, and the account's
    analytics (metrics, metric events, satisfaction, field history, SLAs)."""

    name = "tap-zendesk-tickets"
    config_jsonschema = CONFIG_SCHEMA.to_dict()
    message_writer_class = FastSingerWriter
    # Not the SDK's test/batch extras: only what this tap really does.
    capabilities = [  # noqa: RUF012 - the SDK declares this as a plain class attribute
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def __init__(
        self,
        *args: Any,
        validate_config: bool = True,
        timing: Timing | None = None,
        **kwargs: Any,
    ) -> None:
        """``timing`` is the clock and sleep of every wait (tests pass a fake one)."""
        register_token_settings(kwargs.get("config"))  # before the SDK quotes any value
        self._timing = timing or Timing()  # the SDK builds the streams in __init__
        super().__init__(*args, validate_config=validate_config, **kwargs)
        if validate_config:
            _ = self.settings  # fail now, with every wrong setting named

    @classmethod
    def get_plugin_version(cls) -> str:
        return package_version()

    @cached_property
    def settings(self) -> TapSettings:
        return read_tap_settings(self.config)

    @cached_property
    def limits(self) -> RunLimits:
        """The rate-limit budgets every stream of the run shares."""
        return run_limits(self.settings, self._timing.clock, self._timing.sleep)

    def discover_streams(self) -> list[Stream]:
        """``tickets``, the streams it feeds (its child streams), and the analytics streams
        read on their own (the time-based exports alongside the tickets, when they sync)."""
        feeds = ExportFeeds()
        tickets = TicketsStream(
            self,
            settings=lambda: self.settings,
            timing=self._timing,
            limits=lambda: self.limits,
            feeds=feeds,
        )
        parts = RunParts(
            lambda: self.settings,
            lambda: self.limits,
            self._timing,
            feeds=feeds,
            tickets_sync=lambda: tickets.selected or tickets.has_selected_descendents,
        )
        return [
            tickets,
            *(stream_type(self) for stream_type in SIDE_STREAMS),
            *(stream_type(self, parts) for stream_type in ANALYTICS_STREAMS),
        ]

    def load_state(self, state: dict[str, Any]) -> None:
        """Also accept the seed connector's bare position ``{"last_modified_time", "id"}``."""
        if _SEED_POSITION_KEYS & state.keys() and "bookmarks" not in state:
            state = {"bookmarks": {TicketsStream.name: dict(state)}}
        super().load_state(state)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Run the tap; a Zendesk failure ends in one clear line and exit code 1."""
        try:
            super().invoke(*args, **kwargs)
        except (ZendeskError, SpoolError) as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TapZendeskTickets.cli()
