import logging

import pytest

from tap_zendesk_tickets.pacing import Pacer
from tap_zendesk_tickets.retry import RetriesExhaustedError, RetryPolicy, call_with_retries
from zendesk_api.errors import (
    ZendeskAuthError,
    ZendeskRateLimitError,
    ZendeskResponseError,
    ZendeskServerError,
    ZendeskTransportError,
)


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


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
        {"zendesk-ratelimit-incremental-exports": "total=10; remaining=0; resets=3"}
    )
    with caplog.at_level(logging.INFO):
        assert pacer.before_request() == pytest.approx(3)
    assert "no requests left in this rate-limit window" in caplog.text
    pacer.after_response(
        {"zendesk-ratelimit-incremental-exports": "total=10; remaining=9; resets=60"}
    )
    clock.now += 1
    assert pacer.before_request() == 0


POLICY = RetryPolicy(
    max_error_retries=3, max_rate_limit_wait=100.0, default_retry_after=60.0, backoff=1.0
)


def _rate_limited(retry_after):
    return ZendeskRateLimitError(
        status=429,
        method="GET",
        path="/p",
        code="APIRateLimitExceeded",
        text="slow down",
        retry_after=retry_after,
    )


def _server_error(status=500, retry_after=None):
    return ZendeskServerError(
        status=status, method="GET", path="/p", code=None, text="oops", retry_after=retry_after
    )


def _flaky(*failures, result="page"):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return result

    return attempt, calls


def test_429_waits_retry_after_or_the_default_and_repeats(caplog):
    clock = FakeClock()
    attempt, calls = _flaky(_rate_limited(2.5), _rate_limited(None))
    with caplog.at_level(logging.INFO):
        assert call_with_retries(attempt, POLICY, what="GET /p", sleep=clock.sleep) == "page"
    assert clock.sleeps == [2.5, 60.0]
    assert len(calls) == 3
    assert "Rate limited by Zendesk (HTTP 429) on GET /p: waiting 2.5s (Retry-After)" in caplog.text
    assert "no Retry-After header; defaultRetryAfter" in caplog.text


def test_a_429_that_asks_for_no_wait_still_waits_a_little():
    clock = FakeClock()
    attempt, _ = _flaky(_rate_limited(0.0), _rate_limited(0.0))
    call_with_retries(attempt, POLICY, what="GET /p", sleep=clock.sleep)
    assert clock.sleeps == [1.0, 1.0]


def test_long_429_stretches_are_tolerated_up_to_the_bound():
    clock = FakeClock()
    attempt, _ = _flaky(*[_rate_limited(9.0)] * 11)
    assert call_with_retries(attempt, POLICY, what="GET /p", sleep=clock.sleep) == "page"
    assert sum(clock.sleeps) == 99.0

    attempt, _ = _flaky(*[_rate_limited(9.0)] * 12)
    with pytest.raises(RetriesExhaustedError, match="maxRateLimitWait"):
        call_with_retries(attempt, POLICY, what="GET /p", sleep=FakeClock().sleep)


@pytest.mark.parametrize(
    "error",
    [
        _server_error(502),
        ZendeskTransportError("reset", sent=True),
        ZendeskResponseError("truncated"),
    ],
)
def test_transient_errors_back_off_exponentially_then_give_up(error):
    clock = FakeClock()
    attempt, calls = _flaky(error, error, error)
    assert call_with_retries(attempt, POLICY, what="GET /p", sleep=clock.sleep) == "page"
    first, second, third = clock.sleeps
    assert 1.0 <= first <= 1.5 and 2.0 <= second <= 3.0 and 4.0 <= third <= 6.0

    attempt, calls = _flaky(error, error, error, error)
    with pytest.raises(RetriesExhaustedError, match="after 3 retries \\(maxErrorRetries\\)"):
        call_with_retries(attempt, POLICY, what="GET /p", sleep=FakeClock().sleep)
    assert len(calls) == 4


def test_503_honours_retry_after_as_a_floor():
    clock = FakeClock()
    attempt, _ = _flaky(_server_error(503, retry_after=30.0))
    call_with_retries(attempt, POLICY, what="GET /p", sleep=clock.sleep)
    assert clock.sleeps == [30.0]


def test_auth_errors_are_not_retried():
    error = ZendeskAuthError(
        status=401, method="GET", path="/p", code="Couldn't authenticate you", text=""
    )
    attempt, calls = _flaky(error)
    with pytest.raises(ZendeskAuthError):
        call_with_retries(attempt, POLICY, what="GET /p", sleep=FakeClock().sleep)
    assert len(calls) == 1


def test_on_error_sees_each_retriable_error():
    seen = []
    attempt, _ = _flaky(_server_error(504), _server_error(504))
    call_with_retries(attempt, POLICY, what="GET /p", on_error=seen.append, sleep=FakeClock().sleep)
    assert [e.status for e in seen] == [504, 504]
