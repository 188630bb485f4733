"""The base of the streams read on a bookmark of their own (satisfaction ratings, metric
events, field history): INCREMENTAL whatever a catalog asks, the bookmark read from the
stream's own STATE."""

from __future__ import annotations

from typing import Any

from singer_sdk import Tap
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import Catalog

from tap_zendesk_tickets.bookmarks import InvalidBookmarkError
from tap_zendesk_tickets.run_parts import RunParts
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import OwnBookmarkStream

INCREMENTAL = "INCREMENTAL"


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
