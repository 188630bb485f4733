"""What hides in the destination export's last minute: found from the count, the job list and
the tickets updated since, or else waited for (requests-mock; waits recorded, not slept)."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import format_datetime

import pytest

from target_zendesk_tickets.copying.copies import CopyIndex
from target_zendesk_tickets.copying.recent_changes import RecentChanges
from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.recovery import LostAnswerCheck
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.messages import BASE, target_test_config
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget, RetryPolicy
from zendesk_api.server_clock import ServerClock

NOW = dt.datetime(2026, 12, 7, 12, 0, 0, tzinfo=dt.UTC)
DATE = {"Date": format_datetime(NOW, usegmt=True)}
EXPORT = re.compile(f"{BASE}/api/v2/incremental/tickets/cursor\\.json")
LIST = re.compile(f"{BASE}/api/v2/tickets\\.json")
SHOW_MANY = re.compile(f"{BASE}/api/v2/tickets/show_many\\.json")
LAG = 61.0


def iso(seconds_before_now: float) -> str:
    moment = NOW - dt.timedelta(seconds=seconds_before_now)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(ticket_id: int, *, key: str | None = None, updated: float = 3600, **extra) -> dict:
    return {
        "id": ticket_id,
        "external_id": key or f"src-{ticket_id}",
        "status": "open",
        "updated_at": iso(updated),
        "comment_count": 1,
        **extra,
    }


@pytest.fixture
def parts(mock, clock):
    settings = read_target_settings(target_test_config())
    policy = RetryPolicy(
        backoff=0.01, default_retry_after=1.0, clock=clock, sleep=clock.sleep, rng=lambda: 0.0
    )
    client = ZendeskClient(settings.connection, "target-zendesk-tickets", policy=policy)
    server = ServerClock(monotonic=clock)
    client.response_hooks.append(server.observe)
    counter = CommentCounter(client)
    recovery = LostAnswerCheck(
        client,
        counter,
        known_jobs=set,
        poll_interval=0.1,
        timeout=30.0,
        settle=0.0,
        archive_immediately=False,
    )
    budget = RetryBudget(retries=0, advice="run again")
    recent = RecentChanges(counter, recovery, server, export_lag=LAG, budget=budget)
    index = CopyIndex(
        client,
        recovery,
        counter,
        recent,
        export_lag=LAG,
        archive_immediately=False,
        job_timeout=30.0,
        budget=budget,
    )
    yield index
    client.session.close()


def serve(
    mock,
    *,
    export: list[dict],
    cursor: str | None = "c1",
    count: int,
    jobs: list[dict] = (),
    updated: list[dict] = (),
    shown: list[dict] = (),
    date: dict | None = DATE,
) -> None:
    headers = date or {}
    mock.get(
        EXPORT,
        json={"tickets": export, "after_cursor": cursor, "end_of_stream": True},
        headers=headers,
    )
    mock.get(f"{BASE}/api/v2/tickets/count.json", json={"count": {"value": count}}, headers=headers)
    mock.get(
        f"{BASE}/api/v2/job_statuses.json",
        json={"job_statuses": list(jobs), "meta": {"has_more": False}},
        headers=headers,
    )
    mock.get(LIST, json={"tickets": list(updated), "meta": {"has_more": False}}, headers=headers)
    mock.get(SHOW_MANY, json={"tickets": list(shown)}, headers=headers)


def job(*ids: int) -> dict:
    return {
        "id": "V3-abc",
        "status": "completed",
        "job_type": "Bulk Create Ticket",
        "results": [{"index": n, "id": i} for n, i in enumerate(ids)],
    }


def test_nothing_hides_when_the_count_matches_what_the_export_shows(parts, mock, clock):
    serve(mock, export=[ticket(1), ticket(2)], count=2)
    parts.scan()
    assert clock.sleeps == []
    assert parts.find("src-1", closed=False, old=False).id == 1
    assert parts.find("src-3", closed=False, old=False) is None
    assert mock.last_request.qs.get("sort") == ["-updated_at"]  # the list asked newest first


def test_a_job_s_tickets_inside_the_lag_are_read_and_found(parts, mock, clock):
    # Another run imported ticket 7 a few seconds ago: the export does not show it yet.
    serve(mock, export=[ticket(1)], count=2, jobs=[job(7)], shown=[ticket(7, key="src-9")])
    parts.scan()
    assert clock.sleeps == []
    assert parts.find("src-9", closed=False, old=False).id == 7
    asked = [r for r in mock.request_history if "show_many" in r.path]
    assert asked[0].qs["ids"] == ["7"]


def test_tickets_updated_since_the_export_s_end_are_found(parts, mock, clock):
    # An agent changed ticket 5 twenty seconds ago; ticket 4 changed long before.
    updated = [ticket(5, updated=20), ticket(4, updated=600)]
    serve(mock, export=[ticket(4)], count=2, updated=updated)
    parts.scan()
    assert clock.sleeps == []
    assert parts.find("src-5", closed=False, old=False).id == 5


def test_what_nothing_accounts_for_is_waited_for_then_read_from_the_cursor(parts, mock, clock):
    serve(mock, export=[ticket(1)], count=2)  # one more ticket than anything names
    parts.scan()
    assert clock.sleeps == [LAG]
    exports = [r for r in mock.request_history if "incremental" in r.path]
    assert exports[-1].qs["cursor"] == ["c1"]


def test_an_export_without_a_cursor_is_read_from_the_start_again_after_the_wait(parts, mock, clock):
    # Nothing visible yet: the export answers without a cursor. The re-read must still
    # happen (from the start), or the minute waited for is never read.
    serve(mock, export=[], cursor=None, count=1)
    parts.scan()
    assert clock.sleeps == [LAG]
    exports = [r for r in mock.request_history if "incremental" in r.path]
    assert len(exports) == 2
    assert exports[-1].qs["start_time"] == ["0"]


def test_without_the_server_s_time_the_lag_is_waited_for(parts, mock, clock):
    serve(mock, export=[ticket(1)], count=1, date=None)
    parts.scan()
    assert clock.sleeps == [LAG]


def test_an_estimated_count_is_not_trusted(parts, mock, clock):
    serve(mock, export=[ticket(1)], count=150_000)
    parts.scan()
    assert clock.sleeps == [LAG]


def test_failed_job_entries_name_no_ticket(parts, mock, clock):
    failed = {
        "id": "V3-x",
        "status": "completed",
        "results": [{"index": 0, "success": False, "error": "RecordInvalid", "id": 99}],
    }
    serve(mock, export=[ticket(1)], count=1, jobs=[failed])
    parts.scan()
    assert not [r for r in mock.request_history if "show_many" in r.path]
    assert clock.sleeps == []
