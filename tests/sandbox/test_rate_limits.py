"""Rate-limit buckets, their headers and their 429 answers."""

from __future__ import annotations

import re

import pytest
import requests

from tests.sandbox.helpers import IMPORT
from zendesk_sandbox import SandboxConfig
from zendesk_sandbox.timefmt import format_wait

EXPORT_HEADER = "zendesk-ratelimit-incremental-exports"
ACCOUNT_HEADERS = (
    "X-Rate-Limit",
    "X-Rate-Limit-Remaining",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
)


def bucket_header(value: str) -> dict[str, str]:
    return dict(part.strip().split("=") for part in value.split(";"))


def test_default_limits_are_zendesks(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox())
    response = api.export(start_time=0, per_page=1)
    assert response.headers["X-Rate-Limit"] == "700"
    assert response.headers["X-Rate-Limit-Remaining"] == "699"
    assert response.headers["ratelimit-limit"] == "700"
    assert response.headers["ratelimit-remaining"] == "699"
    assert response.headers["ratelimit-reset"] in ("59", "60")
    assert re.fullmatch(r"total=10; remaining=9; resets=(59|60)", response.headers[EXPORT_HEADER])


def test_export_bucket_answers_json_429_and_refills(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(rate_limits={"incremental-exports": (2, 0.4)})
    api = make_api(sandbox)
    first, second = api.export(start_time=0, per_page=1), api.export(start_time=0, per_page=1)
    assert bucket_header(first.headers[EXPORT_HEADER])["remaining"] == "1"
    assert bucket_header(second.headers[EXPORT_HEADER])["remaining"] == "0"
    refused = api.export(start_time=0, per_page=1)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed incremental export API requests per minute exceeded",
    }
    # Whole seconds, rounded up, even for a 0.4 s window (was: milliseconds, "0.237").
    wait = refused.headers["Retry-After"]
    assert wait == "1"
    assert refused.headers[EXPORT_HEADER] == "total=2; remaining=0; resets=1"
    assert "X-Rate-Limit" not in refused.headers, "the account bucket is unlimited here"

    # Other endpoints do not use the export bucket.
    assert api.get("/api/v2/tickets/1.json").status_code == 200
    sandbox.advance_clock(float(wait))
    assert api.export(start_time=0, per_page=1).status_code == 200


def test_account_bucket_answers_plain_text_429(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(rate_limits={"account": (3, 0.4)})
    api = make_api(sandbox)
    remaining = [
        api.get("/api/v2/tickets/1.json").headers["X-Rate-Limit-Remaining"],
        api.export(start_time=0, per_page=1).headers["X-Rate-Limit-Remaining"],
        api.import_tickets([{"subject": "x"}]).headers["X-Rate-Limit-Remaining"],
    ]
    assert remaining == ["2", "1", "0"]
    refused = api.get("/api/v2/job_statuses.json")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert refused.text == "Number of allowed API requests per minute exceeded"
    assert refused.headers["Retry-After"] == "1"  # whole seconds (was: 0.4 at most)
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert EXPORT_HEADER not in refused.headers


def test_a_refused_request_consumes_nothing(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(rate_limits={"account": (5, 60), "incremental-exports": (1, 60)})
    api = make_api(sandbox)
    assert api.export(start_time=0, per_page=1).status_code == 200
    for _ in range(3):
        assert api.export(start_time=0, per_page=1).status_code == 429
    # Three refused exports did not use up the account bucket.
    assert api.get("/api/v2/tickets/1.json").headers["X-Rate-Limit-Remaining"] == "3"


def test_long_windows_report_whole_seconds(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(rate_limits={"incremental-exports": (1, 30)})
    api = make_api(sandbox)
    api.export(start_time=0, per_page=1)
    refused = api.export(start_time=0, per_page=1)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] in ("29", "30")


def test_unauthenticated_and_unknown_requests_are_not_counted(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(rate_limits={"account": (2, 60)})
    api = make_api(sandbox)
    api.session.get(sandbox.base_url + "/api/v2/nope")
    api.session.get(sandbox.base_url + "/api/v2/tickets/1.json", auth=("x/token", "y"))
    assert api.get("/api/v2/tickets/1.json").headers["X-Rate-Limit-Remaining"] == "1"


def test_unlimited_buckets_send_no_headers(sandbox, api) -> None:
    response = api.export(start_time=0, per_page=1)
    assert response.status_code == 200
    assert not any(name in response.headers for name in (*ACCOUNT_HEADERS, EXPORT_HEADER))
    imported = api.post(IMPORT, json={"tickets": [{"subject": "x"}]})
    assert imported.headers["zendesk-ratelimit-inflight-jobs"].startswith("total=30; remaining=29")


def test_limits_can_be_changed_while_running(sandbox, api) -> None:
    sandbox.set_rate_limit("incremental-exports", 1, 0.3)
    assert api.export(start_time=0, per_page=1).status_code == 200
    assert api.export(start_time=0, per_page=1).status_code == 429
    sandbox.set_rate_limit("incremental-exports", 0)
    assert api.export(start_time=0, per_page=1).status_code == 200
    with pytest.raises(ValueError, match="unknown rate-limit bucket"):
        sandbox.set_rate_limit("exports", 1, 1)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    # Whatever the window, whole seconds rounded up, at least 1 (was: milliseconds for
    # windows under 10 s, "0.237" and "0.001").
    [(41.2, "42"), (0.2, "1"), (10.0, "10"), (0.2371, "1"), (0, "1")],
)
def test_wait_format(seconds: float, shown: str) -> None:
    assert format_wait(seconds) == shown


USER_EXPORT = "/api/v2/incremental/users/cursor.json"
EVENTS = "/api/v2/incremental/ticket_events.json"
UPDATE_TEXT = (
    "Rate limit for ticket updates exceeded, please wait before updating this ticket again"
)


def test_default_limits_cover_every_endpoint_bucket(make_account) -> None:
    assert make_account(rate_limits=SandboxConfig().rate_limits).limiter.limits() == {
        "incremental-exports": (10, 60.0),
        "account": (700, 60.0),
        "incremental-exports-cursor": (20, 60.0),
        "ticket-updates": (100, 60.0),
        "ticket-updates-per-ticket": (30, 600.0),
        "users-create-or-update": (1, 1.0),
        "attachment-downloads": (2500, 60.0),
    }


def test_ticket_events_share_the_export_bucket(make_account, make_api) -> None:
    api = make_api(make_account(tickets=20, rate_limits={"incremental-exports": (2, 60)}))
    assert api.export(start_time=0, per_page=1).status_code == 200
    events = api.get(EVENTS, params={"start_time": 0})
    assert bucket_header(events.headers[EXPORT_HEADER])["remaining"] == "0"
    refused = api.get(EVENTS, params={"start_time": 0})
    assert refused.status_code == 429 and refused.json()["error"] == "APIRateLimitExceeded"


def test_the_user_export_has_a_bucket_of_its_own(make_account, make_api) -> None:
    sandbox = make_account(
        tickets=20,
        rate_limits={"incremental-exports": (1, 60), "incremental-exports-cursor": (2, 60)},
    )
    api = make_api(sandbox)
    assert api.export(start_time=0, per_page=1).status_code == 200
    first = api.get(USER_EXPORT, params={"start_time": 0})
    assert first.status_code == 200, "the ticket export's bucket is not the user export's"
    header = bucket_header(first.headers["zendesk-ratelimit-incremental-exports-cursor"])
    assert header["total"] == "2" and header["remaining"] == "1"
    assert EXPORT_HEADER not in first.headers
    api.get(USER_EXPORT, params={"start_time": 0})
    refused = api.get(USER_EXPORT, params={"start_time": 0})
    assert refused.status_code == 429 and refused.headers["Retry-After"] in ("59", "60")
    sandbox.advance_clock(61)  # the sandbox clock moves the window; no real wait
    assert api.get(USER_EXPORT, params={"start_time": 0}).status_code == 200


def test_ticket_updates_are_limited_per_account_and_per_ticket(make_account, make_api) -> None:
    sandbox = make_account(
        tickets=100,
        rate_limits={"ticket-updates": (3, 60), "ticket-updates-per-ticket": (2, 600)},
    )
    api = make_api(sandbox)
    open_ids = [
        i for i in sandbox.visible_ticket_ids() if sandbox.exported_ticket(i)["status"] == "open"
    ][:2]

    def update(ticket_id: int) -> requests.Response:
        return api.put(f"/api/v2/tickets/{ticket_id}.json", json={"ticket": {"priority": "low"}})

    assert [update(open_ids[0]).status_code for _ in range(2)] == [200, 200]
    refused = update(open_ids[0])
    assert refused.status_code == 429 and refused.text == UPDATE_TEXT
    assert refused.headers["Retry-After"] in ("599", "600")
    assert update(open_ids[1]).status_code == 200, "another ticket has a window of its own"
    assert update(open_ids[1]).status_code == 429, "the account's 3 a minute are used up"
    assert api.get("/api/v2/tickets/1.json").status_code == 200, "reads are not updates"
    sandbox.advance_clock(601)
    assert update(open_ids[0]).status_code == 200
