"""How the tap keeps one export request going through rate limits and transient failures.

* HTTP 429: wait ``Retry-After`` (``defaultRetryAfter`` when it is missing or
  unreadable) and ask again, for as long as the waits add up to less than
  ``maxRateLimitWait``. Long 429 stretches are normal on busy accounts.
* 5xx, timeouts, broken connections, malformed JSON: exponential backoff from
  ``retryBackoff`` with jitter, honouring ``Retry-After`` on 503, at most
  ``maxErrorRetries`` times.
* Anything else (401, 403, 404, other 4xx) is raised at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from zendesk_api.durations import format_duration
from zendesk_api.errors import (
    ZendeskError,
    ZendeskHTTPError,
    ZendeskRateLimitError,
    ZendeskResponseError,
    ZendeskServerError,
    ZendeskTransportError,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

_MAX_BACKOFF = 300.0
_MIN_RATE_LIMIT_WAIT = 1.0
RETRIABLE = (ZendeskServerError, ZendeskTransportError, ZendeskResponseError)


class RetriesExhaustedError(ZendeskError):
    """The tap gave up on one request; the message says why and which setting governs it."""


@dataclass(frozen=True)
class RetryPolicy:
    max_error_retries: int
    max_rate_limit_wait: float
    default_retry_after: float
    backoff: float

    def backoff_wait(self, retry_number: int, error: ZendeskError) -> float:
        """Exponential backoff with jitter; a 503's Retry-After is a floor."""
        base = min(self.backoff * 2 ** (retry_number - 1), _MAX_BACKOFF)
        wait = base + random.uniform(0, base / 2)
        if isinstance(error, ZendeskHTTPError) and error.retry_after is not None:
            wait = max(wait, error.retry_after)
        return wait


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    *,
    what: str,
    on_error: Callable[[ZendeskError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it returns, retrying as the policy allows.

    ``what`` names the request in log lines. ``on_error`` sees each retriable error
    before its retry, for example to ask for a smaller page after a 504.
    """
    rate_limited_for = 0.0
    error_retries = 0
    while True:
        try:
            return attempt()
        except ZendeskRateLimitError as exc:
            told = exc.retry_after is not None
            wait = exc.retry_after if told else policy.default_retry_after
            # "Retry-After: 0" (or a date in the past) must not turn into a tight loop that
            # never uses up maxRateLimitWait.
            wait = max(wait, min(_MIN_RATE_LIMIT_WAIT, policy.default_retry_after))
            if rate_limited_for + wait > policy.max_rate_limit_wait:
                raise RetriesExhaustedError(
                    f"{exc}. Still rate limited after waiting {format_duration(rate_limited_for)} "
                    f"in total for {what}; giving up (maxRateLimitWait is "
                    f"{format_duration(policy.max_rate_limit_wait)}). Another client may be "
                    "using this account's export budget"
                ) from None
            logger.info(
                "Rate limited by Zendesk (HTTP 429) on %s: waiting %s (%s), then asking again",
                what,
                format_duration(wait),
                "Retry-After" if told else "no Retry-After header; defaultRetryAfter",
            )
            sleep(wait)
            rate_limited_for += wait
        except RETRIABLE as exc:
            error_retries += 1
            if error_retries > policy.max_error_retries:
                raise RetriesExhaustedError(
                    f"{exc}. Gave up on {what} after {policy.max_error_retries} retries "
                    "(maxErrorRetries); check https://status.zendesk.com and run again: "
                    "the tap resumes from its last STATE"
                ) from None
            if on_error is not None:
                on_error(exc)
            wait = policy.backoff_wait(error_retries, exc)
            logger.warning(
                "%s; retrying %s in %s (retry %d of %d)",
                exc,
                what,
                format_duration(wait),
                error_retries,
                policy.max_error_retries,
            )
            sleep(wait)
