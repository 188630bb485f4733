"""Go duration strings such as ``6s``, ``1m30s``, ``1.5s`` or ``250ms``, as the seed reads them."""

from __future__ import annotations

import re

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # micro sign
    "\u03bcs": 1e-6,  # Greek small letter mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


class DurationError(ValueError):
    """A text that is not a non-negative Go duration."""


def parse_duration(text: str) -> float:
    """Return the number of seconds in a Go duration string.

    Accepts what Go's ``time.ParseDuration`` accepts, except negative values, which
    make no sense for a wait: one or more ``<number><unit>`` parts, ``"0"`` alone.
    """
    if not isinstance(text, str):
        raise DurationError(f"expected a duration string such as '6s', got {text!r}")
    body = text.strip()
    if body.startswith("+"):
        body = body[1:]
    if body.startswith("-"):
        raise DurationError(f"'{text}' is negative; a duration must be 0 or more")
    if body == "0":
        return 0.0
    if not body:
        raise DurationError("an empty string is not a duration")

    total = 0.0
    position = 0
    while position < len(body):
        match = _PART.match(body, position)
        if not match:
            raise DurationError(
                f"'{text}' is not a duration: use a number and a unit "
                "(ns, us, ms, s, m, h), for example '6s', '1m30s' or '1.5s'"
            )
        number, unit = match.groups()
        total += float(number) * _UNIT_SECONDS[unit]
        position = match.end()
    return total


def format_duration(seconds: float) -> str:
    """Render seconds for log lines: ``12.5s``, ``1m30s``."""
    if seconds < 60:
        return f"{seconds:.3g}s" if seconds < 10 else f"{seconds:.1f}s".replace(".0s", "s")
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m" if minutes else f"{hours}h"
