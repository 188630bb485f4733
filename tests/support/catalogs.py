"""Catalogs for the tap: the discovered one, with the streams a test selects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zendesk_sandbox.demo import COPY_STREAMS  # the streams a copy between accounts selects

#: The copy streams selected only when asked for.
ASKED_FOR_COPY_STREAMS = frozenset(
    {
        "ticket_comments",
        "group_memberships",
        "organization_memberships",
        "user_fields",
        "organization_fields",
        "custom_roles",
        "ticket_incidents",
        "custom_statuses",
    }
)
#: The streams for a warehouse's analytics.
ANALYTICS_STREAMS = frozenset(
    {
        "ticket_metrics",
        "custom_statuses",
        "side_conversations",
        "tags",
        "sla_policies",
        "satisfaction_ratings",
        "ticket_metric_events",
        "ticket_field_history",
    }
)
#: Every stream of the tap.
ALL_STREAMS = COPY_STREAMS | ANALYTICS_STREAMS
#: What the tap selects without a catalog: what costs no request of its own, and the
#: account's lists that were there first.
DEFAULT_STREAMS = (COPY_STREAMS - ASKED_FOR_COPY_STREAMS) | {"ticket_metrics"}


def catalog_selecting(streams: Iterable[str]) -> dict[str, Any]:
    """The tap's discovered catalog with exactly ``streams`` selected."""
    from tap_zendesk_tickets.tap import TapZendeskTickets

    chosen = set(streams)
    catalog = TapZendeskTickets(validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in chosen
    return catalog
