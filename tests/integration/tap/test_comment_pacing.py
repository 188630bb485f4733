"""Comments cost requests on the account's rate limit: the tap paces them on the headers,
one at a time or several at once, and never provokes a 429. The tap runs in-process on the
sandbox's clock: its waits move that clock, so no test waits for real."""

import logging
import math

import pytest

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support import contract
from tests.support.catalogs import COPY_STREAMS, catalog_selecting
from tests.support.configs import api_token_settings
from tests.support.sandbox_clock import SandboxClock
from tests.support.tap_pages import parse_output

WINDOW = 60.0


def _sync(capsys, account, clock, **settings):
    config = {
        "zendesk": api_token_settings(account.base_url),
        "pollingPeriod": "0s",
        "retryBackoff": "5ms",
        "pageSize": 40,
        "files": False,  # downloads have a bucket of their own (test_file_downloads.py)
        **settings,
    }
    tap = TapZendeskTickets(
        config=config, catalog=catalog_selecting(COPY_STREAMS), timing=clock.timing()
    )
    tap.sync_all()
    return parse_output(capsys)


def _check_the_copy(account, messages):
    tickets = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "tickets"]
    assert [t["id"] for t in tickets] == account.visible_ticket_ids()
    live = [t["id"] for t in tickets if t["status"] != "deleted"]
    expected = {i: {c["id"] for c in account.comments(i)} for i in live}
    assert (
        contract.violations(messages, COPY_STREAMS - {"tickets"}, expected_comments=expected) == []
    )


@pytest.mark.parametrize("limit", [20, 45])
def test_one_at_a_time_comment_reads_use_each_window_whole(make_account, capsys, caplog, limit):
    account = make_account(tickets=130, rate_limits={"account": (limit, WINDOW)})
    clock = SandboxClock(account)
    with caplog.at_level(logging.INFO):
        messages = _sync(capsys, account, clock, commentRequestsInFlight=1)
    log = account.request_log()
    assert 429 not in {e["status"] for e in log}
    assert len([e for e in log if e["route"] == "comments"]) > 2 * limit
    # A wait for each window the requests filled, each until that window's end.
    assert len(clock.sleeps) == math.ceil(len(log) / limit) - 1
    assert all(0 < s <= WINDOW for s in clock.sleeps)
    assert "no requests left in this rate-limit window" in caplog.text
    _check_the_copy(account, messages)


@pytest.mark.parametrize("in_flight", [2, 4, 10])
def test_comment_reads_in_flight_stay_under_the_limit_too(make_account, capsys, in_flight):
    limit = 30
    account = make_account(tickets=130, rate_limits={"account": (limit, WINDOW)})
    clock = SandboxClock(account)
    messages = _sync(capsys, account, clock, commentRequestsInFlight=in_flight)
    log = account.request_log()
    assert 429 not in {e["status"] for e in log}
    assert clock.sleeps  # the limit was reached, and waited for
    # (How long is not checked here: a wait moves this clock at once, while other requests
    # are on their way, which a real clock never does; bench_comments.py measures it.)
    _check_the_copy(account, messages)
