"""Waiting on a sandbox's clock: a tap run in-process that sleeps moves the sandbox's clock
instead, so rate-limit windows pass at once and every wait is recorded."""

from __future__ import annotations

from tap_zendesk_tickets.export import Timing
from zendesk_sandbox import Sandbox


class SandboxClock:
    """``clock()`` is the sandbox's time; ``sleep(s)`` advances it by ``s`` (no real wait)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.sleeps: list[float] = []
        #: (requests the sandbox had answered when the wait began, seconds) of each wait.
        self.waits: list[tuple[int, float]] = []

    def __call__(self) -> float:
        return self.sandbox.now()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.waits.append((len(self.sandbox.request_log()), seconds))
        if seconds > 0:
            self.sandbox.advance_clock(seconds)

    def timing(self) -> Timing:
        return Timing(clock=self, sleep=self.sleep)
