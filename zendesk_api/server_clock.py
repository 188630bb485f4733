"""The account's own clock, read from the ``Date`` header of its answers.

Ticket times (``updated_at``, ``generated_timestamp``) are Zendesk's; comparing them with
this machine's clock would make every decision depend on how far the two drift apart.
Every HTTP answer carries a ``Date`` (RFC 9110), so the last one seen, plus the time
elapsed here since, tells Zendesk's time to the second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import requests


class ServerClock:
    """Zendesk's time, from the ``Date`` of the answers it observes (a response hook)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._seen: tuple[float, float] | None = None  # (server epoch, local monotonic)

    def observe(self, response: requests.Response) -> None:
        value = response.headers.get("Date")
        if not value:
            return  # an answer without it (a proxy's, say) says nothing of Zendesk's time
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        if moment.tzinfo is None:
            return  # RFC 9110 dates are GMT; one without a zone is not trusted
        self._seen = (moment.timestamp(), self._monotonic())

    def now(self) -> float | None:
        """Zendesk's time now (epoch seconds, to the second), or None before any answer."""
        if self._seen is None:
            return None
        server, local = self._seen
        return server + (self._monotonic() - local)
