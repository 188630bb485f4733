"""The durable link from a copy to its source ticket, kept in the copy's ``external_id``.

With ``load_method: upsert`` a copy's ``external_id`` is ``zendesk:<source host>:<ticket
id>`` (``zendesk:acme.zendesk.com:4217``): it names the source account and the ticket, so
neither two source tickets nor two source accounts can share one, and Zendesk looks it up
exactly (``GET /api/v2/tickets.json?external_id=``). The source ticket's own
``external_id``, if it has one, goes to a text field of the destination
(``sourceExternalIdField``). Tickets that do not come from Zendesk (no ``url``) keep
today's key: their ``external_id``, else their id.

With ``append-only`` the key is today's ``external_id`` (the source's own, else its id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

PREFIX = "zendesk:"


def source_link(ticket: Mapping[str, Any]) -> str | None:
    """``zendesk:<host>:<id>`` for a ticket exported from Zendesk, else None."""
    url, ticket_id = ticket.get("url"), ticket.get("id")
    if not isinstance(url, str) or not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        return None
    host = urlsplit(url).netloc.lower()
    return f"{PREFIX}{host}:{ticket_id}" if host else None
