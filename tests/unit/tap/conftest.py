import pytest

from tests.support.clock import FakeClock
from tests.support.tap_pages import sync_in_process


@pytest.fixture
def clock():
    """The fake clock in-process syncs wait on: ``clock.sleeps`` lists every wait."""
    return FakeClock()


@pytest.fixture
def sync_tap(capsys, clock):
    """``sync_tap(config=None, state=None)``: run a sync in-process on ``clock``; return
    the Singer messages it printed, parsed."""

    def run(config=None, state=None):
        return sync_in_process(capsys, config, state, clock)

    return run
