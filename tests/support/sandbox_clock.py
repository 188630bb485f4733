"""Waiting on a sandbox's clock: a tap run in-process that sleeps moves the sandbox's clock
instead, so rate-limit windows pass at once and every wait is recorded.

Threads that wait at the same time wait together, as on a real clock: a wait ends at the
time the thread last read plus the wait, and moves the clock there unless another
thread's wait already took it further.
"""

from __future__ import annotations

import threading

from tap_zendesk_tickets.export import Timing
from zendesk_sandbox import Sandbox


class SandboxClock:
    """``clock()`` is the sandbox's time; ``sleep(s)`` moves it on (no real wait)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._lock = threading.Lock()
        self._read = threading.local()
        self.sleeps: list[float] = []
        #: (requests the sandbox had answered when the wait began, seconds) of each wait.
        self.waits: list[tuple[int, float]] = []

    def __call__(self) -> float:
        now = self.sandbox.now()
        self._read.now = now
        return now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.waits.append((len(self.sandbox.request_log()), seconds))
            start = getattr(self._read, "now", None)
            now = self.sandbox.now()
            wake = (now if start is None else start) + seconds
            if wake > now:
                self.sandbox.advance_clock(wake - now)

    def timing(self) -> Timing:
        return Timing(clock=self, sleep=self.sleep)
