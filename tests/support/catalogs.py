"""Catalogs for the tap: the discovered one, with the streams a test selects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Every stream of the tap, and the copy streams' selection (all of them).
ALL_STREAMS = frozenset(
    {
        "tickets",
        "users",
        "groups",
        "organizations",
        "brands",
        "ticket_forms",
        "ticket_fields",
        "ticket_comments",
    }
)


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
