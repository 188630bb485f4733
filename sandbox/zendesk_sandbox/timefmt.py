"""Zendesk's timestamp formats: ISO 8601 UTC with a ``Z`` and whole seconds, epoch seconds,
and the waits of ``Retry-After`` and ``resets=``."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


def iso(epoch: float) -> str:
    """Format epoch seconds the way Zendesk does (``2024-03-05T14:22:09Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


def parse_iso(value: object) -> float | None:
    """Epoch seconds of an ISO-8601 date-time string, or None if it is not one.

    A date-time needs a ``T`` and a time part; naive values count as UTC. Dates
    before 1970 come back negative (the import clamps them).
    """
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def job_message_time(epoch: float) -> str:
    """The time format of a job's ``Completed at ...`` message (``2018-03-08 10:07:04 +0000``)."""
    return time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(int(epoch)))


def format_wait(seconds: float) -> str:
    """Seconds to wait as ``Retry-After``, ``ratelimit-reset`` and ``resets=`` show them.

    Whole seconds, rounded up, at least 1: HTTP allows only whole seconds (or a date) in
    ``Retry-After``, recorded Zendesk answers send them, and clients parse them with
    ``int()``. A wait of 0.2 s is sent as 1.
    """
    return str(max(1, math.ceil(seconds - 1e-9)))
