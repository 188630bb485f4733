from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from zendesk_api.rate_limit import parse_rate_limit_headers, parse_retry_after, wait_for_capacity


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("93", 93.0),
        ("0.25", 0.25),
        (" 2 ", 2.0),
        ("0", 0.0),
        ("-3", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_retry_after_seconds(value, seconds):
    assert parse_retry_after(value) == seconds


def test_retry_after_http_date():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC).timestamp()
    value = format_datetime(datetime(2026, 11, 28, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(value, now=now) == pytest.approx(30.0)
    past = format_datetime(datetime(2026, 11, 28, 11, 0, 0, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


def test_all_buckets_are_read():
    buckets = parse_rate_limit_headers(
        {
            "X-Rate-Limit": "700",
            "X-Rate-Limit-Remaining": "699",
            "ratelimit-reset": "41",
            "Zendesk-RateLimit-incremental-exports": "total=10; remaining=0; resets=2.5",
            "zendesk-ratelimit-inflight-jobs": "total=30; remaining=29; resets=60",
            "Content-Type": "application/json",
        }
    )
    by_name = {bucket.name: bucket for bucket in buckets}
    assert by_name["account"].total == 700 and by_name["account"].remaining == 699
    assert by_name["account"].resets == 41
    exports = by_name["incremental-exports"]
    assert (exports.total, exports.remaining, exports.resets, exports.exhausted) == (
        10,
        0,
        2.5,
        True,
    )
    assert by_name["inflight-jobs"].remaining == 29
    assert wait_for_capacity(buckets) == 2.5


def test_no_wait_while_capacity_is_left_and_fallback_without_reset():
    assert (
        wait_for_capacity(
            parse_rate_limit_headers(
                {"zendesk-ratelimit-incremental-exports": "total=10; remaining=3; resets=9"}
            )
        )
        == 0.0
    )
    assert (
        wait_for_capacity(
            parse_rate_limit_headers({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0"}),
            fallback=7,
        )
        == 7
    )
    assert parse_rate_limit_headers({"zendesk-ratelimit-x": "garbage"})[0].remaining is None
