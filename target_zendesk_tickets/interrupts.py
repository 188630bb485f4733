"""Stopping the main thread from elsewhere, even while it blocks reading stdin.

The job watcher runs in its own thread. When it finds a failed job, the main thread may
be sitting in a read on stdin (a tap in follow mode can be quiet for hours), so a flag
alone would not be seen. :meth:`Interrupter.interrupt` records the exception and sends
SIGUSR1 to the main thread: the blocking read returns, and the handler raises the
exception there - but only inside :meth:`Interrupter.interruptible`, around the read.
Anywhere else the main thread picks the exception up at its next :meth:`check`, so a
batch is never cut off halfway through its submission.

Termination signals use the same path (:meth:`request_stop` from the SIGTERM/SIGINT
handler): reading stops between two messages, and the target finishes normally.

A wake-up must not get lost, or the target waits on a quiet stdin for ever:

* :meth:`interruptible` marks the read as started *before* its last :meth:`check`, so a
  signal that comes in between finds ``_in_read`` set and raises (no gap where it would
  be ignored);
* until the main thread has raised the exception, the job watcher calls :meth:`nudge`
  every poll, which sends SIGUSR1 again;
* the lock is re-entrant: :meth:`request_stop` runs in a signal handler, on the main
  thread, possibly while that thread is inside :meth:`interrupt` holding the lock.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

logger = logging.getLogger(__name__)

WAKE_SIGNAL = signal.SIGUSR1


class StopReading(Exception):  # noqa: N818 - a request, not an error
    """Stop reading input and finish as at its end (a termination signal came)."""


class Interrupter:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._pending: BaseException | None = None
        self._delivered = False  # the main thread has raised _pending
        self._in_read = False
        self._installed = False

    def install(self) -> bool:
        """Install the SIGUSR1 handler; only possible from the main thread."""
        if threading.current_thread() is not threading.main_thread():
            return False
        signal.signal(WAKE_SIGNAL, self._on_signal)
        self._installed = True
        return True

    @property
    def pending(self) -> BaseException | None:
        return self._pending

    @property
    def undelivered(self) -> bool:
        """An exception waits for the main thread, which has not raised it yet."""
        return self._pending is not None and not self._delivered

    def interrupt(self, exc: BaseException) -> None:
        """From any thread: have the main thread raise ``exc`` (the first failure wins)."""
        with self._lock:
            if self._pending is None or isinstance(self._pending, StopReading):
                self._pending = exc
                self._delivered = False
        if threading.current_thread() is threading.main_thread():
            if self._in_read:
                self._raise_pending()
        else:
            self._wake()

    def nudge(self) -> None:
        """From another thread: signal the main thread again if it has not raised yet."""
        if self.undelivered and threading.current_thread() is not threading.main_thread():
            self._wake()

    def taken(self) -> None:
        """The main thread has the failure by another way (the pipeline): stop nudging."""
        self._delivered = True

    def request_stop(self) -> None:
        """Stop reading input at the next safe point (from a signal handler)."""
        self.interrupt(StopReading())

    def check(self) -> None:
        """Raise the pending exception, if any (call between two messages)."""
        if self._pending is not None:
            self._raise_pending()

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """The region (a blocking read) where the signal may raise immediately."""
        self._in_read = True  # first: a signal from here on raises
        try:
            self.check()  # what came before
            yield
        finally:
            self._in_read = False

    def _wake(self) -> None:
        if self._installed:
            signal.pthread_kill(threading.main_thread().ident, WAKE_SIGNAL)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._in_read and self._pending is not None:
            self._raise_pending()

    def _raise_pending(self) -> None:
        exc = self._pending
        if isinstance(exc, StopReading):
            self._pending = None  # one stop is enough; reading ends now
        self._delivered = True
        self._in_read = False
        assert exc is not None
        raise exc
