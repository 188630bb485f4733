"""The record of API requests the sandbox answered, for tests to inspect.

It keeps method, path, query, status, route, auth mode and fault kind; never headers or
bodies. Query values whose names look secret are replaced, in case a client puts a token in
the URL (Zendesk ignores it there, but it should not be written down either).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from urllib.parse import urlencode

MAX_ENTRIES = 100_000  # oldest entries drop off so a long benchmark cannot exhaust memory
SECRET_NAME = re.compile(r"token|password|secret|auth|key", re.IGNORECASE)
REDACTED = "[redacted]"


def safe_query(args: dict[str, str]) -> dict[str, str]:
    """The query parameters with secret-looking values replaced."""
    return {name: REDACTED if SECRET_NAME.search(name) else value for name, value in args.items()}


def safe_target(path: str, args: dict[str, str]) -> str:
    """``path?query`` for a log line, with secret-looking values replaced."""
    return f"{path}?{urlencode(safe_query(args))}" if args else path


class RequestLog:
    """Thread-safe, bounded list of request entries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=MAX_ENTRIES)

    def add(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
