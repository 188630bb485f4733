"""The export's requests under the shared retry policy, on a fake clock: how long the tap
waits, and which setting ends the waiting."""

import logging

import pytest
import requests
import requests_mock as rm

from tests.support.tap_pages import EXPORT_URL, page, records, ticket, unit_tap_config
from zendesk_api.retry import RetriesExhaustedError

WHAT = "GET /api/v2/incremental/tickets/cursor.json"


def _429(retry_after=None):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return {"status_code": 429, "headers": headers, "json": {"error": "APIRateLimitExceeded"}}


def test_429_waits_retry_after_or_default_retry_after(sync_tap, clock, caplog):
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [_429("2.5"), _429(), page([ticket(1, 100)], end=True)])
        with caplog.at_level(logging.INFO):
            messages = sync_tap(unit_tap_config(defaultRetryAfter="60s"))
        assert mock.call_count == 3
    assert clock.sleeps == [2.5, 60.0]
    assert [r["id"] for r in records(messages)] == [1]
    assert f"Rate limited by Zendesk (HTTP 429) on {WHAT}: waiting 2.5s (Retry-After)" in (
        caplog.text
    )
    assert "no Retry-After header; defaultRetryAfter" in caplog.text


def test_429_stretches_are_bounded_by_max_rate_limit_wait(sync_tap, clock):
    config = unit_tap_config(maxRateLimitWait="100s")
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [_429("9")] * 11 + [page([ticket(1, 100)], end=True)])
        assert [r["id"] for r in records(sync_tap(config))] == [1]
    assert sum(clock.sleeps) == 99.0

    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [_429("9")] * 12 + [page([ticket(1, 100)], end=True)])
        with pytest.raises(RetriesExhaustedError, match=r"giving up \(maxRateLimitWait is 1m40s\)"):
            sync_tap(config)


def test_a_503_with_retry_after_is_waited_out_like_a_429(sync_tap, clock):
    # The shared policy's rule: Zendesk did not take the request and said when to come
    # back, so the wait counts against maxRateLimitWait, not maxErrorRetries.
    unavailable = {"status_code": 503, "headers": {"Retry-After": "30"}, "text": "maintenance"}
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [unavailable, page([ticket(1, 100)], end=True)])
        messages = sync_tap(unit_tap_config(maxErrorRetries=0))
    assert clock.sleeps == [30.0]
    assert [r["id"] for r in records(messages)] == [1]

    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [unavailable, page([ticket(1, 100)], end=True)])
        with pytest.raises(RetriesExhaustedError, match="maxRateLimitWait"):
            sync_tap(unit_tap_config(maxRateLimitWait="20s"))


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 502, "text": "bad gateway"},
        {"exc": requests.exceptions.ConnectionError("connection reset by peer")},
        {"status_code": 200, "text": '{"tickets": [{"id": 1'},
        {"status_code": 200, "json": {"no": "tickets"}},
    ],
    ids=["502", "reset", "truncated-json", "no-tickets-list"],
)
def test_transient_failures_back_off_exponentially_then_give_up(sync_tap, clock, failure):
    config = unit_tap_config(retryBackoff="1s", maxErrorRetries=3)
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [failure] * 3 + [page([ticket(1, 100)], end=True)])
        assert [r["id"] for r in records(sync_tap(config))] == [1]
    first, second, third = clock.sleeps
    assert 1.0 <= first <= 1.5
    assert 2.0 <= second <= 3.0
    assert 4.0 <= third <= 6.0

    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [failure] * 4 + [page([ticket(1, 100)], end=True)])
        with pytest.raises(
            RetriesExhaustedError, match=rf"Gave up on {WHAT} after 3 retries \(maxErrorRetries\)"
        ):
            sync_tap(config)
        assert mock.call_count == 4


def test_the_pacer_reads_the_rate_limit_headers_of_every_answer(sync_tap, clock):
    exhausted = {"zendesk-ratelimit-incremental-exports": "total=10; remaining=0; resets=7"}
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                {**page([ticket(1, 100)], end=False), "headers": exhausted},
                # An error answer reports the bucket too: the tap waits for its reset
                # before asking again, on top of the 429's own wait.
                {**_429("1"), "headers": {"Retry-After": "1", **exhausted}},
                page([ticket(2, 101)], end=True),
            ],
        )
        messages = sync_tap()
    assert clock.sleeps == [7.0, 1.0, 6.0]
    assert [r["id"] for r in records(messages)] == [1, 2]
