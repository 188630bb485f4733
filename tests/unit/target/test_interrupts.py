import os
import signal
import threading

import pytest

from target_zendesk_tickets.errors import ImportFailedError
from target_zendesk_tickets.interrupts import WAKE_SIGNAL, Interrupter, StopReading


@pytest.fixture
def interrupter():
    previous = signal.getsignal(WAKE_SIGNAL)
    interrupter = Interrupter()
    assert interrupter.install()
    yield interrupter
    signal.signal(WAKE_SIGNAL, previous)


@pytest.fixture
def pipe():
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd) as reader, os.fdopen(write_fd, "w") as writer:
        yield reader, writer


def test_a_worker_thread_stops_a_read_blocked_on_a_quiet_input(interrupter, pipe):
    reader, _ = pipe
    failure = ImportFailedError("job failed")
    threading.Timer(0.05, interrupter.interrupt, args=(failure,)).start()
    with pytest.raises(ImportFailedError) as info, interrupter.interruptible():
        reader.readline()  # nothing ever comes
    assert info.value is failure


def test_outside_the_read_the_signal_only_leaves_the_exception_pending(interrupter):
    failure = ImportFailedError("job failed")
    thread = threading.Thread(target=interrupter.interrupt, args=(failure,))
    thread.start()
    thread.join()
    assert interrupter.pending is failure  # nothing was raised mid-work
    with pytest.raises(ImportFailedError):
        interrupter.check()


def test_a_pending_failure_stops_the_next_read_before_it_blocks(interrupter, pipe):
    reader, _ = pipe
    interrupter.interrupt(ImportFailedError("job failed"))
    with pytest.raises(ImportFailedError), interrupter.interruptible():
        reader.readline()


def test_a_stop_request_inside_the_read_raises_once(interrupter, pipe):
    reader, writer = pipe
    threading.Timer(0.05, interrupter.request_stop).start()
    with pytest.raises(StopReading), interrupter.interruptible():
        reader.readline()
    assert interrupter.pending is None
    writer.write("next\n")
    writer.flush()
    with interrupter.interruptible():
        assert reader.readline() == "next\n"


def test_a_failure_wins_over_a_stop_request(interrupter):
    interrupter.request_stop()
    failure = ImportFailedError("job failed")
    interrupter.interrupt(failure)
    interrupter.interrupt(ImportFailedError("a later one"))
    assert interrupter.pending is failure


def test_install_only_works_in_the_main_thread():
    result = []
    thread = threading.Thread(target=lambda: result.append(Interrupter().install()))
    thread.start()
    thread.join()
    assert result == [False]


@pytest.fixture
def safety_valve(pipe):
    """Writes a line into the pipe after a while, so a lost wake-up fails the test, not hangs it."""
    _, writer = pipe

    def write():
        writer.write("data\n")
        writer.flush()

    timer = threading.Timer(2.0, write)
    timer.start()
    yield
    timer.cancel()


def test_a_wake_up_between_the_last_check_and_the_read_is_not_lost(
    interrupter, pipe, safety_valve, monkeypatch
):
    """The race: the watcher signals just after the last check, before the read blocks."""
    reader, _ = pipe
    failure = ImportFailedError("job failed")
    real_check = interrupter.check

    def check_then_signal():
        real_check()  # nothing pending yet
        thread = threading.Thread(target=interrupter.interrupt, args=(failure,))
        thread.start()
        thread.join()  # the signal is handled here, in the main thread

    monkeypatch.setattr(interrupter, "check", check_then_signal)
    with pytest.raises(ImportFailedError) as info, interrupter.interruptible():
        reader.readline()  # the safety valve's line, if the wake-up was lost
    assert info.value is failure


def test_nudge_signals_again_until_the_main_thread_has_raised(interrupter, monkeypatch):
    sent = []
    monkeypatch.setattr(signal, "pthread_kill", lambda ident, signum: sent.append(signum))

    def from_a_thread(action, *args):
        thread = threading.Thread(target=action, args=args)
        thread.start()
        thread.join()

    from_a_thread(interrupter.nudge)
    assert sent == []  # nothing pending
    failure = ImportFailedError("job failed")
    from_a_thread(interrupter.interrupt, failure)
    from_a_thread(interrupter.nudge)
    from_a_thread(interrupter.nudge)
    assert sent == [WAKE_SIGNAL] * 3 and interrupter.undelivered
    with pytest.raises(ImportFailedError):
        interrupter.check()
    from_a_thread(interrupter.nudge)
    assert len(sent) == 3 and not interrupter.undelivered


def test_taken_stops_the_nudges(interrupter, monkeypatch):
    sent = []
    monkeypatch.setattr(signal, "pthread_kill", lambda ident, signum: sent.append(signum))
    interrupter.interrupt(ImportFailedError("job failed"))  # main thread, not reading
    interrupter.taken()
    thread = threading.Thread(target=interrupter.nudge)
    thread.start()
    thread.join()
    assert sent == []


def test_a_stop_signal_while_the_main_thread_holds_the_lock_does_not_deadlock(interrupter):
    """SIGTERM's handler calls request_stop on the main thread, maybe inside interrupt()."""

    def hung(signum, frame):
        raise AssertionError("request_stop deadlocked on the interrupter's lock")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, 2.0)  # only ends a hang; no time is measured
    try:
        with interrupter._lock:  # as if the signal came inside interrupt()
            interrupter.request_stop()  # what the handler does
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    failure = ImportFailedError("job failed")
    interrupter.interrupt(failure)
    assert interrupter.pending is failure
