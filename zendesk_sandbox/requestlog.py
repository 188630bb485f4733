"""The record of API requests the sandbox answered, for tests to inspect.

It keeps method, path, query, status, route, auth mode and fault kind; never headers or
bodies, so no credential ends up in it.
"""

from __future__ import annotations

import threading
from collections import deque

MAX_ENTRIES = 100_000  # oldest entries drop off so a long benchmark cannot exhaust memory


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
