"""Spacing requests so that the tap stays under Zendesk's limits instead of hitting them.

Two rules, whichever asks for the longer wait:

* ``pollingPeriod``: at least this long between the starts of two export requests (the
  default 6 s is Zendesk's 10 export requests a minute). The first request never waits.
* the rate-limit headers: when an answer said a bucket has nothing left, wait until it
  resets rather than provoke a 429.

Each kind of request has its own :class:`Pacer` (the export, and the Support API reads of
comments, users and structure), because each has buckets of its own: the export counts
against ``incremental-exports``, which comments do not. Every request also counts against
the account-wide budget (``X-Rate-Limit``), so that one is an :class:`AccountBudget`
shared by all the pacers of a run: when comment reads use it up, the next export request
waits too.

A pacer whose requests run several at a time (comment reads) keeps a ``margin``: it takes a
bucket for spent when no more than that many requests are left, so that the requests
already on their way, which the last answer may not have counted yet, still fit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import requests

from tap_zendesk_tickets.settings import TapSettings
from zendesk_api.durations import format_duration
from zendesk_api.rate_limit import ACCOUNT_BUCKET, RateLimitBucket, parse_rate_limit_headers

logger = logging.getLogger(__name__)


class AccountBudget:
    """When the account-wide budget refills, as the latest answer that reported it said."""

    def __init__(self) -> None:
        #: Clock time at which the exhausted budget refills; None while some is left.
        self.capacity_at: float | None = None


class Pacer:
    """Decides, and waits out, the pause before each request of one kind (thread-safe)."""

    def __init__(
        self,
        polling_period: float,
        *,
        default_reset: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        account: AccountBudget | None = None,
        what: str = "export request",
        margin: int = 0,
    ) -> None:
        self.polling_period = polling_period
        self.margin = margin
        self.default_reset = default_reset
        self._clock = clock
        self._sleep = sleep
        self._account = account or AccountBudget()
        self._what = what
        self._last_start: float | None = None
        self._capacity_at: float | None = None  # when this kind's exhausted bucket refills
        self._lock = threading.Lock()
        self.total_waited = 0.0

    def before_request(self) -> float:
        """Wait as long as needed, note the request's start, return the seconds waited."""
        with self._lock:
            now = self._clock()
            wait_for_period = 0.0
            if self._last_start is not None:
                wait_for_period = self._last_start + self.polling_period - now
            refills = [
                at for at in (self._capacity_at, self._account.capacity_at) if at is not None
            ]
            wait_for_headers = max(refills) - now if refills else 0.0
            wait = max(wait_for_period, wait_for_headers, 0.0)
            # The next request may start once this one's wait is over.
            self._last_start = now + wait
        if wait > 0:
            if wait_for_headers >= wait_for_period:
                logger.info(
                    "Zendesk reports no requests left in this rate-limit window: "
                    "waiting %s for it to reset",
                    format_duration(wait),
                )
            else:
                logger.debug(
                    "Waiting %s before the next %s (pollingPeriod %s)",
                    format_duration(wait),
                    self._what,
                    format_duration(self.polling_period),
                )
            self._sleep(wait)
            with self._lock:
                self.total_waited += wait
        return wait

    def after_response(self, response: requests.Response) -> None:
        """Remember when the buckets the answer reported run dry, if they did.

        A :attr:`ZendeskClient.response_hooks <zendesk_api.http.ZendeskClient>` hook: it
        sees every answer, errors and retried ones included. A bucket the answer reports
        with requests left is known to have capacity again.
        """
        buckets = parse_rate_limit_headers(response.headers)
        with self._lock:
            now = self._clock()
            own = [bucket for bucket in buckets if bucket.name != ACCOUNT_BUCKET]
            wait = self._wait_for(own)
            self._capacity_at = now + wait if wait > 0 else None
            account = [bucket for bucket in buckets if bucket.name == ACCOUNT_BUCKET]
            if account:
                wait = self._wait_for(account)
                self._account.capacity_at = now + wait if wait > 0 else None

    def _wait_for(self, buckets: Iterable[RateLimitBucket]) -> float:
        """Seconds until every bucket with no more than ``margin`` requests left refills."""
        waits = [
            bucket.resets if bucket.resets is not None else self.default_reset
            for bucket in buckets
            if bucket.remaining is not None and bucket.remaining <= self.margin
        ]
        return max(waits, default=0.0)


class RunLimits:
    """The rate-limit budgets every request of one run shares, whatever stream makes it.

    ``account`` is the account-wide budget; ``exports`` paces every incremental export
    (tickets, ticket events, metric events), which share Zendesk's 10-a-minute bucket and
    ``pollingPeriod``, so a stream read after another waits as if one had made both.
    """

    def __init__(
        self,
        polling_period: float,
        *,
        default_reset: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = AccountBudget()
        self.exports = Pacer(
            polling_period,
            default_reset=default_reset,
            clock=clock,
            sleep=sleep,
            account=self.account,
        )


def run_limits(
    settings: TapSettings, clock: Callable[[], float], sleep: Callable[[float], None]
) -> RunLimits:
    """The shared budgets of a run with these settings (``pollingPeriod`` and the wait
    after a 429 without ``Retry-After``)."""
    return RunLimits(
        settings.polling_period,
        default_reset=settings.connection.default_retry_after,
        clock=clock,
        sleep=sleep,
    )
