"""Recorded export answers of 2024 carry no rate-limit header at all: the tap cannot pace
itself and meets the 429s, which it waits out by Retry-After (whole seconds). In-process on
the sandbox's clock, so no test waits for real (see test_comment_pacing.py)."""

import logging

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support import contract
from tests.support.catalogs import ALL_STREAMS, catalog_selecting
from tests.support.configs import api_token_settings
from tests.support.sandbox_clock import SandboxClock
from tests.support.tap_pages import parse_output


def test_the_tap_copies_everything_without_any_rate_limit_header(make_account, capsys, caplog):
    account = make_account(
        tickets=130,
        rate_limit_headers=False,
        rate_limits={"incremental-exports": (2, 60.0), "account": (40, 60.0)},
    )
    clock = SandboxClock(account)
    config = {
        "zendesk": api_token_settings(account.base_url),
        "pollingPeriod": "0s",
        "retryBackoff": "5ms",
        "pageSize": 40,
        "commentRequestsInFlight": 1,
    }
    tap = TapZendeskTickets(
        config=config, catalog=catalog_selecting(ALL_STREAMS), timing=clock.timing()
    )
    with caplog.at_level(logging.INFO):
        tap.sync_all()
    messages = parse_output(capsys)
    log = account.request_log()
    assert 429 in {entry["status"] for entry in log}  # nothing told the tap to slow down
    assert "(Retry-After), then asking again" in caplog.text
    assert "no requests left in this rate-limit window" not in caplog.text  # no header read
    tickets = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "tickets"]
    assert [t["id"] for t in tickets] == account.visible_ticket_ids()
    live = [t["id"] for t in tickets if t["status"] != "deleted"]
    expected = {i: {c["id"] for c in account.comments(i)} for i in live}
    assert (
        contract.violations(messages, ALL_STREAMS - {"tickets"}, expected_comments=expected) == []
    )
