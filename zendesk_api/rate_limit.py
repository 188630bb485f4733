"""Reading Zendesk's rate-limit headers.

* ``Retry-After`` on 429 and 503: seconds (Zendesk sends integers, proxies sometimes
  fractions) or an HTTP date.
* ``X-Rate-Limit`` / ``X-Rate-Limit-Remaining``: the account-wide budget per minute,
  with ``ratelimit-reset`` saying when it refills.
* ``Zendesk-RateLimit-<bucket>: total=10; remaining=9; resets=41``: one endpoint
  bucket, for example ``incremental-exports`` (10 export requests a minute).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

_BUCKET_PREFIX = "zendesk-ratelimit-"
ACCOUNT_BUCKET = "account"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait, or None when the header is missing or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None or moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)


@dataclass(frozen=True)
class RateLimitBucket:
    """What one rate-limit bucket has left, as a response reported it."""

    name: str
    total: int | None
    remaining: int | None
    resets: float | None  # seconds until the window refills

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def parse_rate_limit_headers(headers: Mapping[str, str]) -> list[RateLimitBucket]:
    """Every bucket a response reports, the account budget first."""
    lowered = {key.lower(): value for key, value in headers.items()}
    buckets = []

    total = _int(lowered.get("x-rate-limit") or lowered.get("ratelimit-limit"))
    remaining = _int(lowered.get("x-rate-limit-remaining") or lowered.get("ratelimit-remaining"))
    if total is not None or remaining is not None:
        resets = _float(lowered.get("ratelimit-reset"))
        buckets.append(RateLimitBucket(ACCOUNT_BUCKET, total, remaining, resets))

    for key, value in lowered.items():
        if key.startswith(_BUCKET_PREFIX):
            fields = _parse_bucket_fields(value)
            buckets.append(
                RateLimitBucket(
                    key[len(_BUCKET_PREFIX) :],
                    _int(fields.get("total")),
                    _int(fields.get("remaining")),
                    _float(fields.get("resets")),
                )
            )
    return buckets


def wait_for_capacity(buckets: list[RateLimitBucket], *, fallback: float = 60.0) -> float:
    """Seconds until every exhausted bucket refills (0 when none is exhausted).

    An exhausted bucket that does not say when it resets costs ``fallback``.
    """
    waits = [
        bucket.resets if bucket.resets is not None else fallback
        for bucket in buckets
        if bucket.exhausted
    ]
    return max(waits, default=0.0)


def _parse_bucket_fields(value: str) -> dict[str, str]:
    fields = {}
    for part in value.split(";"):
        name, _, field_value = part.partition("=")
        if field_value:
            fields[name.strip().lower()] = field_value.strip()
    return fields


def _int(value: str | None) -> int | None:
    number = _float(value)
    return None if number is None else int(number)


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) or math.isinf(number) else number
