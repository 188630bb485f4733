"""Releasing the tap's STATE messages in order, each only once the data before it is in.

Batches are numbered 1, 2, 3... as they are submitted. A STATE that arrives after batch
``n`` was submitted waits until batches 1..n have all completed without error, however
their jobs finish (out of order, with several in flight). STATEs come out in the order
they came in. A batch that failed never completes, so no STATE after it is ever released.

Two STATEs waiting on the same batch would be released together; only the later one is
kept (it carries everything the earlier one does), so what is held is bounded by the
batches in flight, not by how often the tap sends STATE. A STATE equal to the one before
it is dropped, as the SDK does.

It belongs to the pipeline, on the target's one thread.
"""

from __future__ import annotations

import copy
import logging
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

from singer_sdk.singerlib.json import serialize_json

logger = logging.getLogger(__name__)


class StateGate:
    def __init__(self, write: Callable[[dict[str, Any]], None]) -> None:
        self._write = write
        self._last_submitted = 0
        self._done_through = 0  # every batch up to this number has completed
        self._completed: set[int] = set()  # completed, but after a gap
        self._waiting: deque[tuple[int, dict[str, Any]]] = deque()
        self._last_state: dict[str, Any] | None = None
        self.written = 0

    @property
    def done_through(self) -> int:
        return self._done_through

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def batch_submitted(self, number: int) -> None:
        if number != self._last_submitted + 1:
            raise ValueError(f"batch {number} submitted after batch {self._last_submitted}")
        self._last_submitted = number

    def batch_completed(self, number: int) -> None:
        if number > self._last_submitted or number <= self._done_through:
            raise ValueError(f"batch {number} completed but is not in flight")
        self._completed.add(number)
        while self._done_through + 1 in self._completed:
            self._done_through += 1
            self._completed.discard(self._done_through)

    def add_state(self, state: dict[str, Any]) -> None:
        if state == self._last_state:
            return
        self._last_state = copy.deepcopy(state)
        if self._waiting and self._waiting[-1][0] == self._last_submitted:
            self._waiting.pop()
        self._waiting.append((self._last_submitted, self._last_state))

    def release(self) -> int:
        """Write every STATE whose batches have all completed; return how many."""
        count = 0
        while self._waiting and self._waiting[0][0] <= self._done_through:
            _, state = self._waiting.popleft()
            self._write(state)
            count += 1
        self.written += count
        return count


def write_state_line(state: dict[str, Any]) -> None:
    """A STATE goes out as a bare JSON line, as the SDK writes it, flushed at once."""
    line = serialize_json(state)  # Decimal-safe: the reader parses numbers as Decimal
    logger.debug("Emitting STATE %s", line)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
