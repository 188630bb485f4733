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
