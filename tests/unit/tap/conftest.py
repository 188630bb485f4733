import json

import pytest

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.tap_pages import base_config


@pytest.fixture
def run_tap(capsys):
    """Run a sync in-process; return the Singer messages it printed, parsed."""

    def run(config=None, state=None):
        tap = TapZendeskTickets(config=config or base_config(), state=state)
        tap.sync_all()
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    return run
