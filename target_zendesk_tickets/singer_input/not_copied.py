"""Streams of tap-zendesk-tickets that no copy carries: analytics for a warehouse.

Zendesk's ticket import takes no metrics, metric events, satisfaction ratings, field
history, SLA policies or side conversations, and tags come with the tickets themselves
(custom statuses are kept as a reference stream, for the copies' statuses). So these
streams are read and left out, with one line saying so, instead of being taken for
tickets (any other stream is).
"""

from __future__ import annotations

from typing import Any

from singer_sdk import Target

from target_zendesk_tickets.sdk_hooks import SinkHooks

#: The tap's streams a copy does not use (names as tap-zendesk-tickets spells them).
NOT_COPIED_STREAMS = frozenset(
    {
        "ticket_metrics",
        "ticket_metric_events",
        "satisfaction_ratings",
        "ticket_field_history",
        "tags",
        "sla_policies",
        "side_conversations",
    }
)


class NotCopiedSink(SinkHooks):
    """Reads a stream no copy carries, and counts what it leaves out."""

    def __init__(self, target: Target, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.left_out = 0
        self.logger.info(
            "Stream %s is not copied (Zendesk's import takes no such records): its records "
            "are read and left out",
            self.stream_name,
        )

    def process_record(self, record: dict, context: dict) -> None:
        self.left_out += 1

    def process_batch(self, context: dict) -> None:
        """Nothing to send."""
