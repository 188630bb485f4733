"""Spacing export requests so that the tap stays under Zendesk's limit instead of hitting it.

Two rules, whichever asks for the longer wait:

* ``pollingPeriod``: at least this long between the starts of two requests (the default
  6 s is Zendesk's 10 export requests a minute). The first request never waits.
* the rate-limit headers: when the last answer said a bucket has nothing left, wait
  until it resets rather than provoke a 429.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import requests

from zendesk_api.durations import format_duration
from zendesk_api.rate_limit import parse_rate_limit_headers, wait_for_capacity

logger = logging.getLogger(__name__)


class Pacer:
    """Decides, and waits out, the pause before each request."""

    def __init__(
        self,
        polling_period: float,
        *,
        default_reset: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.polling_period = polling_period
        self.default_reset = default_reset
        self._clock = clock
        self._sleep = sleep
        self._last_start: float | None = None
        self._capacity_at: float | None = None  # when an exhausted bucket refills
        self.total_waited = 0.0

    def before_request(self) -> float:
        """Wait as long as needed, note the request's start, return the seconds waited."""
        now = self._clock()
        wait_for_period = 0.0
        if self._last_start is not None:
            wait_for_period = self._last_start + self.polling_period - now
        wait_for_headers = self._capacity_at - now if self._capacity_at is not None else 0.0
        wait = max(wait_for_period, wait_for_headers, 0.0)
        if wait > 0:
            if wait_for_headers >= wait_for_period:
                logger.info(
                    "Zendesk reports no requests left in this rate-limit window: "
                    "waiting %s for it to reset",
                    format_duration(wait),
                )
            else:
                logger.debug(
                    "Waiting %s before the next export request (pollingPeriod %s)",
                    format_duration(wait),
                    format_duration(self.polling_period),
                )
            self._sleep(wait)
            self.total_waited += wait
            now = self._clock()
        self._last_start = now
        self._capacity_at = None
        return wait

    def after_response(self, response: requests.Response) -> None:
        """Remember when the buckets the answer reported run dry, if they did.

        A :attr:`ZendeskClient.response_hooks <zendesk_api.http.ZendeskClient>` hook: it
        sees every answer, errors and retried ones included.
        """
        wait = wait_for_capacity(
            parse_rate_limit_headers(response.headers), fallback=self.default_reset
        )
        self._capacity_at = self._clock() + wait if wait > 0 else None
