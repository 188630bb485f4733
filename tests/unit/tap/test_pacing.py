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
