"""Comments cost requests on the account's rate limit: the tap paces them on the headers,
and so does the export, whose requests count against the same budget. The tap runs
in-process on the sandbox's clock: its waits move that clock, so no test waits for real."""

import logging

import pytest

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support import contract
from tests.support.catalogs import ALL_STREAMS, catalog_selecting
from tests.support.configs import api_token_settings
from tests.support.sandbox_clock import SandboxClock
from tests.support.tap_pages import parse_output


def _sync(capsys, account, clock, **settings):
    config = {
        "zendesk": api_token_settings(account.base_url),
        "pollingPeriod": "0s",
        "retryBackoff": "5ms",
        **settings,
    }
    tap = TapZendeskTickets(
        config=config, catalog=catalog_selecting(ALL_STREAMS), timing=clock.timing()
    )
    tap.sync_all()
    return parse_output(capsys)


@pytest.mark.parametrize("account_limit", [20, 45])
def test_comment_reads_wait_for_the_account_budget_instead_of_a_429(
    make_account, capsys, caplog, account_limit
):
    # 20 or 45 requests a 60 s window for the account: several windows of comment reads.
    account = make_account(tickets=130, rate_limits={"account": (account_limit, 60.0)})
    clock = SandboxClock(account)
    with caplog.at_level(logging.INFO):
        messages = _sync(capsys, account, clock, pageSize=40)
    log = account.request_log()
    statuses = [e["status"] for e in log]
    assert 429 not in statuses
    comment_reads = [e for e in log if e["route"] == "comments"]
    assert len(comment_reads) > 2 * account_limit
    # Each wait is what the headers said was left of the window: whole windows in all.
    assert clock.sleeps
    assert sum(clock.sleeps) <= (len(log) // account_limit + 1) * 60.0
    assert "no requests left in this rate-limit window" in caplog.text
    tickets = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "tickets"]
    assert [t["id"] for t in tickets] == account.visible_ticket_ids()
    assert contract.violations(messages, ALL_STREAMS - {"tickets"}) == []
