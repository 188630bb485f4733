"""Fixed-window rate limits per bucket, with Zendesk's headers and 429 answers.

Buckets (see ``config.KNOWN_BUCKETS``): ``account`` counts every API request; the
incremental exports (tickets, ticket events) share ``incremental-exports``; the user
cursor export has its own ``incremental-exports-cursor``; ticket updates count against
``ticket-updates`` (per account) and ``ticket-updates-per-ticket`` (per user and ticket,
a window of its own for each pair).

A window opens with the first request counted in it and lasts ``window`` seconds; then the
count starts again. Waits are written as ``timefmt.format_wait`` says.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from zendesk_sandbox.config import (
    ACCOUNT_BUCKET,
    ATTACHMENT_DOWNLOAD_BUCKET,
    EXPORT_BUCKET,
    KNOWN_BUCKETS,
    TICKET_UPDATE_BUCKET,
    UPDATE_BUCKET,
    USER_EXPORT_BUCKET,
    USER_UPSERT_BUCKET,
)
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.timefmt import format_wait

ACCOUNT_LIMIT_TEXT = "Number of allowed API requests per minute exceeded"
EXPORT_LIMIT_BODY = {
    "error": "APIRateLimitExceeded",
    "description": "Number of allowed incremental export API requests per minute exceeded",
}
# Zendesk's example answer to too many ticket updates (best-practices guide).
UPDATE_LIMIT_TEXT = (
    "Rate limit for ticket updates exceeded, please wait before updating this ticket again"
)
LIMIT_BODIES: dict[str, dict | str] = {
    ACCOUNT_BUCKET: ACCOUNT_LIMIT_TEXT,
    EXPORT_BUCKET: EXPORT_LIMIT_BODY,
    USER_EXPORT_BUCKET: EXPORT_LIMIT_BODY,
    UPDATE_BUCKET: UPDATE_LIMIT_TEXT,
    TICKET_UPDATE_BUCKET: UPDATE_LIMIT_TEXT,
    USER_UPSERT_BUCKET: ACCOUNT_LIMIT_TEXT,  # [GUESS]: the account's plain-text answer
    ATTACHMENT_DOWNLOAD_BUCKET: ACCOUNT_LIMIT_TEXT,  # [GUESS], as above
}
# ``Zendesk-RateLimit-<bucket>: total=..; remaining=..; resets=..`` headers. Zendesk
# documents none for the update limits nor for attachment downloads, so those buckets
# send none.
BUCKET_HEADERS = {
    EXPORT_BUCKET: "zendesk-ratelimit-incremental-exports",
    USER_EXPORT_BUCKET: "zendesk-ratelimit-incremental-exports-cursor",
}
KEYED_BUCKETS = (TICKET_UPDATE_BUCKET,)  # one window per key (user and ticket)


@dataclass
class FixedWindow:
    """One bucket's counter."""

    limit: int
    window: float
    opened_at: float | None = None
    used: int = 0

    def _roll(self, now: float) -> None:
        if self.opened_at is not None and now >= self.opened_at + self.window:
            self.opened_at, self.used = None, 0

    def exhausted(self, now: float) -> bool:
        self._roll(now)
        return self.used >= self.limit

    def consume(self, now: float) -> None:
        self._roll(now)
        if self.opened_at is None:
            self.opened_at = now
        self.used += 1

    def remaining(self, now: float) -> int:
        self._roll(now)
        return max(0, self.limit - self.used)

    def resets_in(self, now: float) -> float:
        """Seconds until the count starts again (a whole window if none is open)."""
        self._roll(now)
        if self.opened_at is None:
            return self.window
        return self.opened_at + self.window - now


class RateLimiter:
    """The account's buckets. Thread-safe."""

    def __init__(self, limits: dict[str, tuple[int, float]]) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, FixedWindow] = {}
        self._keyed: dict[tuple[str, object], FixedWindow] = {}
        for bucket, (limit, window) in limits.items():
            self.set_limit(bucket, limit, window)

    def set_limit(self, bucket: str, limit: int, window: float = 60.0) -> None:
        """Set a bucket to ``limit`` requests per ``window`` seconds; 0 makes it unlimited."""
        if bucket not in KNOWN_BUCKETS:
            raise ValueError(f"unknown rate-limit bucket {bucket!r}; use one of {KNOWN_BUCKETS}")
        if limit < 0 or (limit and window <= 0):
            raise ValueError("a rate limit needs limit >= 0 and window > 0")
        with self._lock:
            if limit == 0:
                self._buckets.pop(bucket, None)
            else:
                self._buckets[bucket] = FixedWindow(int(limit), float(window))
            for keyed in [k for k in self._keyed if k[0] == bucket]:
                del self._keyed[keyed]

    def limits(self) -> dict[str, tuple[int, float]]:
        """The current ``{bucket: (limit, window)}``; unlimited buckets are absent."""
        with self._lock:
            return {name: (b.limit, b.window) for name, b in self._buckets.items()}

    def admit(self, buckets: tuple[str, ...], now: float, key: object = None) -> None:
        """Count one request against ``buckets``, or raise the 429 if one is exhausted.

        A refused request consumes nothing. The account bucket is checked first because
        its limit is what Zendesk applies before any endpoint limit. ``key`` picks the
        window of a keyed bucket (the user and ticket of an update).
        """
        with self._lock:
            windows = [(name, self._window(name, key)) for name in buckets]
            for name, bucket in windows:
                if bucket is not None and bucket.exhausted(now):
                    wait = format_wait(bucket.resets_in(now))
                    headers = {"Retry-After": wait, **self._headers_locked(buckets, now)}
                    raise ApiError(429, LIMIT_BODIES[name], headers)
            for _, bucket in windows:
                if bucket is not None:
                    bucket.consume(now)

    def _window(self, name: str, key: object) -> FixedWindow | None:
        template = self._buckets.get(name)
        if template is None or name not in KEYED_BUCKETS:
            return template
        window = self._keyed.get((name, key))
        if window is None:
            window = self._keyed[(name, key)] = FixedWindow(template.limit, template.window)
        return window

    def headers(self, buckets: tuple[str, ...], now: float) -> dict[str, str]:
        """Rate-limit headers for a response that touched ``buckets``."""
        with self._lock:
            return self._headers_locked(buckets, now)

    def _headers_locked(self, buckets: tuple[str, ...], now: float) -> dict[str, str]:
        headers: dict[str, str] = {}
        account = self._buckets.get(ACCOUNT_BUCKET)
        if account is not None and ACCOUNT_BUCKET in buckets:
            remaining = str(account.remaining(now))
            headers.update(
                {
                    "X-Rate-Limit": str(account.limit),
                    "X-Rate-Limit-Remaining": remaining,
                    "ratelimit-limit": str(account.limit),
                    "ratelimit-remaining": remaining,
                    "ratelimit-reset": format_wait(account.resets_in(now)),
                }
            )
        for name, header in BUCKET_HEADERS.items():
            bucket = self._buckets.get(name)
            if bucket is not None and name in buckets:
                resets = format_wait(bucket.resets_in(now))
                headers[header] = (
                    f"total={bucket.limit}; remaining={bucket.remaining(now)}; resets={resets}"
                )
        return headers
