import logging

import pytest
import requests

from tap_zendesk_tickets.pacing import Pacer
from tests.support.clock import FakeClock


def _answer(headers):
    response = requests.Response()
    response.headers.update(headers)
    return response


def test_first_request_never_waits_then_polling_period_applies():
    clock = FakeClock()
    pacer = Pacer(6.0, clock=clock, sleep=clock.sleep)
    assert pacer.before_request() == 0
    clock.now += 1.5  # the request took 1.5 s
    assert pacer.before_request() == pytest.approx(4.5)
    clock.now += 10  # a slow consumer: no extra wait
    assert pacer.before_request() == 0
    assert clock.sleeps == [4.5]


def test_zero_polling_period_means_no_pacing():
    clock = FakeClock()
    pacer = Pacer(0.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        pacer.before_request()
    assert clock.sleeps == []


def test_exhausted_bucket_waits_for_its_reset(caplog):
    clock = FakeClock()
    pacer = Pacer(0.5, clock=clock, sleep=clock.sleep)
    pacer.before_request()
    pacer.after_response(
        _answer({"zendesk-ratelimit-incremental-exports": "total=10; remaining=0; resets=3"})
    )
    with caplog.at_level(logging.INFO):
        assert pacer.before_request() == pytest.approx(3)
    assert "no requests left in this rate-limit window" in caplog.text
    pacer.after_response(
        _answer({"zendesk-ratelimit-incremental-exports": "total=10; remaining=9; resets=60"})
    )
    clock.now += 1
    assert pacer.before_request() == 0


def test_the_account_budget_is_shared_and_each_kinds_own_buckets_are_not():
    from tap_zendesk_tickets.pacing import AccountBudget

    clock = FakeClock()
    account = AccountBudget()
    export = Pacer(0.0, clock=clock, sleep=clock.sleep, account=account)
    comments = Pacer(0.0, clock=clock, sleep=clock.sleep, account=account)
    export.after_response(
        _answer({"zendesk-ratelimit-incremental-exports": "total=10; remaining=0; resets=30"})
    )
    # The export's bucket is spent: comments, which do not count against it, go on.
    assert comments.before_request() == 0
    comments.after_response(
        _answer({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0", "ratelimit-reset": "4"})
    )
    # The account's is spent too: both kinds wait for it, the export for its own as well.
    assert comments.before_request() == pytest.approx(4)
    assert export.before_request() == pytest.approx(26)
    assert clock.sleeps == [4.0, 26.0]


def test_an_answer_with_requests_left_lifts_the_wait():
    from tap_zendesk_tickets.pacing import AccountBudget

    clock = FakeClock()
    account = AccountBudget()
    pacer = Pacer(0.0, clock=clock, sleep=clock.sleep, account=account)
    pacer.after_response(_answer({"X-Rate-Limit-Remaining": "0", "ratelimit-reset": "9"}))
    pacer.after_response(_answer({"X-Rate-Limit-Remaining": "12", "ratelimit-reset": "9"}))
    assert pacer.before_request() == 0
    # An answer that does not report the account's budget leaves what is known of it.
    pacer.after_response(_answer({"X-Rate-Limit-Remaining": "0"}))
    pacer.after_response(_answer({}))
    assert pacer.before_request() == pytest.approx(60)  # default_reset: no ratelimit-reset
