"""The shared retry policy: what each error class costs, and when a call is given up on."""

from __future__ import annotations

import logging

import pytest

from tests.support.clock import FakeClock
from zendesk_api.errors import (
    Recovery,
    ZendeskAuthError,
    ZendeskClientError,
    ZendeskError,
    ZendeskRateLimitError,
    ZendeskResponseError,
    ZendeskServerError,
    ZendeskSetupError,
    ZendeskTransportError,
)
from zendesk_api.retry import (
    MAX_BACKOFF,
    SETUP_TRIES,
    Looked,
    RetriesExhaustedError,
    RetryBudget,
    RetryPolicy,
)


def http_error(cls, status, *, retry_after=None, code=None, method="GET"):
    return cls(
        status=status, method=method, path="/p", code=code, text="said", retry_after=retry_after
    )


def rate_limited(retry_after=None, code=None):
    return http_error(ZendeskRateLimitError, 429, retry_after=retry_after, code=code)


def server_error(status=500, retry_after=None):
    return http_error(ZendeskServerError, status, retry_after=retry_after)


def flaky(*failures, result="done"):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return result

    return attempt, calls


def policy(clock, *, backoff=1.0, default_retry_after=60.0, rng=lambda: 0.0):
    return RetryPolicy(
        backoff=backoff,
        default_retry_after=default_retry_after,
        clock=clock,
        sleep=clock.sleep,
        rng=rng,
    )


@pytest.mark.parametrize(
    ("error", "recovery"),
    [
        pytest.param(rate_limited(2.0), Recovery.WAIT, id="429"),
        pytest.param(rate_limited(code="TooManyJobs"), Recovery.WAIT, id="too-many-jobs"),
        pytest.param(server_error(503, retry_after=5.0), Recovery.WAIT, id="503-told"),
        pytest.param(server_error(503), Recovery.MAYBE_SENT, id="503-untold"),
        pytest.param(server_error(500), Recovery.MAYBE_SENT, id="500"),
        pytest.param(server_error(504), Recovery.MAYBE_SENT, id="504"),
        pytest.param(ZendeskTransportError("timeout", sent=True), Recovery.MAYBE_SENT, id="lost"),
        pytest.param(ZendeskTransportError("refused", sent=False), Recovery.BACKOFF, id="refused"),
        pytest.param(ZendeskSetupError("tls"), Recovery.BACKOFF, id="tls"),
        pytest.param(ZendeskResponseError("bad json"), Recovery.MAYBE_SENT, id="malformed"),
        pytest.param(http_error(ZendeskClientError, 409), Recovery.BACKOFF, id="409"),
        pytest.param(http_error(ZendeskClientError, 422), Recovery.FATAL, id="422"),
        pytest.param(http_error(ZendeskAuthError, 401), Recovery.FATAL, id="401"),
        pytest.param(ZendeskError("anything else"), Recovery.FATAL, id="other"),
    ],
)
def test_each_error_class_says_how_to_recover(error, recovery):
    assert error.recovery is recovery


def test_backoff_doubles_with_jitter_up_to_one_cap():
    clock = FakeClock()
    assert [policy(clock, backoff=2.0).backoff_wait(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert policy(clock, backoff=2.0).backoff_wait(20) == MAX_BACKOFF
    jittery = policy(clock, backoff=2.0, rng=lambda: 1.0)
    assert jittery.backoff_wait(1) == 3.0  # at most half as much again
    assert jittery.backoff_wait(20) == MAX_BACKOFF  # the cap holds, jitter included


def test_waits_as_told_else_the_default_and_never_in_a_tight_loop(caplog):
    clock = FakeClock()
    attempt, calls = flaky(rate_limited(2.5), rate_limited(None), rate_limited(0.0))
    with caplog.at_level(logging.INFO):
        result = policy(clock, default_retry_after=7.0).call(
            attempt, what="GET /p", budget=RetryBudget(wait_limit=100.0)
        )
    assert result == "done"
    assert len(calls) == 4
    assert clock.sleeps == [2.5, 7.0, 1.0]  # Retry-After: 0 still waits a second
    assert "Rate limited by Zendesk (HTTP 429) on GET /p: waiting 2.5s (Retry-After)" in caplog.text
    assert "no Retry-After header; defaultRetryAfter" in caplog.text


def test_the_time_spent_waiting_as_told_is_bounded():
    clock = FakeClock()
    attempt, calls = flaky(*[rate_limited(30.0)] * 10)
    with pytest.raises(RetriesExhaustedError) as caught:
        policy(clock).call(attempt, what="GET /p", budget=RetryBudget(wait_limit=100.0))
    assert clock.sleeps == [30.0, 30.0, 30.0]
    assert caught.value.limit == "wait"
    assert "giving up (maxRateLimitWait is 1m40s)" in str(caught.value)
    assert len(calls) == 4


def test_backoff_errors_are_bounded_by_their_own_count_and_name_the_setting():
    clock = FakeClock()
    attempt, _ = flaky(*[server_error(502)] * 5)
    budget = RetryBudget(error_retries=2, advice="the tap resumes from its last STATE")
    with pytest.raises(RetriesExhaustedError) as caught:
        policy(clock).call(attempt, what="GET /p", budget=budget)
    assert clock.sleeps == [1.0, 2.0]
    message = str(caught.value)
    assert "Gave up on GET /p after 2 retries (maxErrorRetries)" in message
    assert message.endswith("the tap resumes from its last STATE")
    assert isinstance(caught.value.error, ZendeskServerError)


def test_rate_limits_do_not_use_up_the_error_retries():
    clock = FakeClock()
    attempt, calls = flaky(server_error(500), rate_limited(1.0), rate_limited(1.0), server_error())
    budget = RetryBudget(error_retries=2, wait_limit=10.0)
    assert policy(clock).call(attempt, what="GET /p", budget=budget) == "done"
    assert len(calls) == 5


def test_one_count_for_every_kind_of_retry():
    clock = FakeClock()
    attempt, _ = flaky(
        rate_limited(1.0), ZendeskTransportError("refused", sent=False), rate_limited(1.0)
    )
    with pytest.raises(RetriesExhaustedError) as caught:
        policy(clock).call(attempt, what="the import", budget=RetryBudget(retries=2))
    assert caught.value.limit == "retries"
    assert caught.value.retries == 2
    assert "after 2 retries (maxRetries)" in str(caught.value)


def test_fatal_errors_are_raised_at_once():
    clock = FakeClock()
    error = http_error(ZendeskAuthError, 403)
    attempt, calls = flaky(error)
    with pytest.raises(ZendeskAuthError) as caught:
        policy(clock).call(attempt, what="GET /p", budget=RetryBudget(retries=5))
    assert caught.value is error
    assert calls == [1]
    assert clock.sleeps == []


def test_a_deadline_stops_before_a_wait_that_would_pass_it():
    clock = FakeClock()
    attempt, _ = flaky(*[server_error(500)] * 10)
    with pytest.raises(RetriesExhaustedError) as caught:
        policy(clock, backoff=4.0).call(
            attempt, what="the job list", budget=RetryBudget(), deadline=clock.now + 15.0
        )
    assert clock.sleeps == [4.0, 8.0]  # 16 more would pass the deadline
    assert caught.value.limit == "deadline"
    assert "after 3 tries in 12s (jobTimeout)" in str(caught.value)


def test_setup_failures_get_a_few_tries_only():
    clock = FakeClock()
    attempt, calls = flaky(*[ZendeskSetupError("TLS failed")] * 10)
    with pytest.raises(RetriesExhaustedError) as caught:
        policy(clock).call(attempt, what="GET /p", budget=RetryBudget(error_retries=50))
    assert len(calls) == SETUP_TRIES
    assert caught.value.limit == "setup"


def test_an_idempotent_call_that_may_have_been_sent_is_simply_asked_again():
    clock = FakeClock()
    attempt, calls = flaky(ZendeskTransportError("timed out", sent=True), server_error(504))
    assert policy(clock).call(attempt, what="GET /p", budget=RetryBudget(error_retries=3)) == "done"
    assert len(calls) == 3


def test_a_call_that_may_have_been_sent_is_looked_up_before_it_is_sent_again():
    clock = FakeClock()
    lost = ZendeskTransportError("timed out", sent=True)
    attempt, calls = flaky(lost, lost)
    answers = iter([Looked(False), Looked(True, "found")])
    looked_at = []

    def look(error):
        looked_at.append(error)
        return next(answers)

    result = policy(clock).call(
        attempt,
        what="the import",
        budget=RetryBudget(retries=3),
        idempotent=False,
        look_before_resending=look,
    )
    assert result == "found"  # proved done: never sent a third time
    assert len(calls) == 2
    assert looked_at == [lost, lost]
    assert clock.sleeps == []  # the look-up did its own waiting


def test_a_call_that_may_have_been_sent_is_never_resent_without_a_look():
    clock = FakeClock()
    lost = server_error(500)
    attempt, calls = flaky(lost)
    with pytest.raises(ZendeskServerError):
        policy(clock).call(
            attempt, what="the import", budget=RetryBudget(retries=3), idempotent=False
        )
    assert calls == [1]


def test_on_retry_sees_each_retried_error_first():
    clock = FakeClock()
    first, second = server_error(504), server_error(504)
    attempt, _ = flaky(first, second)
    seen = []
    policy(clock).call(
        attempt, what="GET /p", budget=RetryBudget(error_retries=5), on_retry=seen.append
    )
    assert seen == [first, second]


@pytest.mark.parametrize(
    ("error", "text"),
    [
        pytest.param(rate_limited(1.0, code="TooManyJobs"), "(TooManyJobs, HTTP 429)", id="jobs"),
        pytest.param(
            server_error(503, retry_after=1.0), "Zendesk is unavailable (HTTP 503)", id="503"
        ),
    ],
)
def test_waits_say_why_zendesk_asked_for_them(caplog, error, text):
    clock = FakeClock()
    attempt, _ = flaky(error)
    with caplog.at_level(logging.INFO):
        policy(clock).call(attempt, what="the import", budget=RetryBudget(retries=1))
    assert text in caplog.text


# -- retries spread over time by the caller (the target's job polls) ----------------------


def test_retrying_decides_as_call_does_and_leaves_the_wait_to_the_caller():
    clock = FakeClock()
    retries = policy(clock, backoff=2.0).retrying(what="GET x", budget=RetryBudget())
    assert retries.next_wait(server_error(502)) == 2.0
    assert retries.next_wait(server_error(502)) == 4.0
    assert retries.next_wait(rate_limited(20.0)) == 20.0
    assert retries.next_wait(rate_limited()) == 60.0  # no Retry-After: defaultRetryAfter
    assert clock.sleeps == []  # the caller waits, its own way
    retries.succeeded()
    assert retries.next_wait(server_error(502)) == 2.0  # a fresh count after a success
    fatal = http_error(ZendeskAuthError, 401)
    with pytest.raises(ZendeskAuthError):
        retries.next_wait(fatal)


def test_setup_failures_count_in_a_row():
    retries = policy(FakeClock()).retrying(what="GET x", budget=RetryBudget())
    for error in [ZendeskSetupError("tls"), ZendeskSetupError("tls"), server_error(500)] * 3:
        retries.next_wait(error)  # never SETUP_TRIES in a row
    for _ in range(SETUP_TRIES - 1):
        retries.next_wait(ZendeskSetupError("tls"))
    with pytest.raises(RetriesExhaustedError) as caught:
        retries.next_wait(ZendeskSetupError("tls"))
    assert caught.value.limit == "setup"


def test_a_429_without_retry_after_may_be_waited_out_early():
    clock = FakeClock()
    told = []

    def wait_untold(error, longest):
        told.append((error.code, longest))
        clock.now += 0.5  # a reason to ask again came after half a second
        return 0.5

    attempt, calls = flaky(rate_limited(code="TooManyJobs"), rate_limited(3.0))
    result = policy(clock).call(
        attempt, what="POST x", budget=RetryBudget(retries=3), wait_untold=wait_untold
    )
    assert result == "done" and len(calls) == 3
    assert told == [("TooManyJobs", 60.0)]  # at most defaultRetryAfter
    assert clock.sleeps == [3.0]  # a told Retry-After is slept as told


def test_an_early_wait_counts_only_what_was_waited():
    clock = FakeClock()
    budget = RetryBudget(wait_limit=100.0)
    attempt, _ = flaky(*[rate_limited()] * 5)

    def wait_untold(error, longest):
        clock.now += 1.0
        return 1.0

    assert policy(clock).call(attempt, what="GET x", budget=budget, wait_untold=wait_untold)
