"""A fake monotonic clock for code that waits: sleeping advances it and is recorded."""

from __future__ import annotations


class FakeClock:
    """Call it for the time; ``sleep`` adds to it and to ``sleeps`` (rounded to the µs)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
