"""The real tap's analytics streams against a realistic sandbox account: each stream sends
what Zendesk answers, resumes exactly from any of its STATEs (a second split between two
runs too), sends only what changed in the next run, marks what Zendesk deleted, and says
once that an account has no side conversations."""

from __future__ import annotations

import logging
import random

import pytest
import requests

from tests.support.catalogs import ALL_STREAMS, catalog_selecting
from tests.support.configs import tap_config
from tests.support.processes import run_tap
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig
from zendesk_sandbox.timefmt import parse_iso

TIME_EXPORTS = {
    "ticket_metric_events": (
        "/api/v2/incremental/ticket_metric_events.json",
        "ticket_metric_events",
    ),
    "ticket_field_history": ("/api/v2/incremental/ticket_events.json", "ticket_events"),
}
#: The key of each analytics stream's records.
KEYS = {
    "ticket_metrics": ("ticket_id",),
    "ticket_field_history": ("id", "field_name"),
    "tags": ("name",),
}


@pytest.fixture(scope="module")
def account():
    """600 tickets: several pages of metric events, two of ticket events and of ratings."""
    with Sandbox(SandboxConfig(tickets=600, rate_limits={}, job_delay=0.05)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def full(account, tmp_path_factory):
    """A first run with every stream. Pages of 50 tickets: the time-based exports, read
    alongside the tickets, move their bookmarks in several STATEs."""
    directory = tmp_path_factory.mktemp("full")
    run = run_tap(
        tap_config(directory, account.base_url, pageSize=50), catalog=catalog_selecting(ALL_STREAMS)
    )
    assert run.returncode == 0, run.stderr
    return run


def _get(account, path, **params):
    answer = requests.get(account.base_url + path, params=params, auth=Credentials().admin_basic)
    answer.raise_for_status()
    return answer.json()


def _list(account, path, key):
    found, params = [], {"page[size]": 100}
    while True:
        page = _get(account, path, **params)
        found += page[key]
        if not (page.get("meta") or {}).get("has_more"):
            return found
        params = {"page[size]": 100, "page[after]": page["meta"]["after_cursor"]}


def _time_export(account, stream):
    path, key = TIME_EXPORTS[stream]
    found, start = {}, 0
    while True:
        page = _get(account, path, start_time=start)
        for item in page[key]:
            found[item["id"]] = item
        if page.get("end_of_stream") or ("end_of_stream" not in page and len(page[key]) < 1000):
            return list(found.values())
        start = page["end_time"]


def key_of(stream, record):
    return tuple(record.get(name) for name in KEYS.get(stream, ("id",)))


def test_each_stream_sends_what_zendesk_answers(account, full):
    tickets = full.tickets
    deleted = {t["id"] for t in tickets if t["status"] == "deleted"}
    metrics = {m["ticket_id"]: m for m in full.records_of("ticket_metrics")}
    assert set(metrics) == {t["id"] for t in tickets}  # one row per ticket
    for ticket_id in deleted:
        assert set(metrics[ticket_id]) == {"ticket_id", "_sdc_deleted_at"}
    for ticket_id in random.Random(3).sample(sorted(set(metrics) - deleted), 20):
        shown = _get(account, f"/api/v2/tickets/{ticket_id}/metrics.json")["ticket_metric"]
        assert metrics[ticket_id] == shown

    events = full.records_of("ticket_metric_events")
    assert len(events) == len({e["id"] for e in events})
    expected = _time_export(account, "ticket_metric_events")
    assert sorted(e["id"] for e in events) == sorted(e["id"] for e in expected)
    withdrawn = [e for e in events if e.get("deleted") is True]
    assert withdrawn and all(e["_sdc_deleted_at"] == e["time"] for e in withdrawn)
    assert not [e for e in events if e.get("deleted") is not True and "_sdc_deleted_at" in e]

    rows = full.records_of("ticket_field_history")
    changes = [
        (child["id"], name)
        for event in _time_export(account, "ticket_field_history")
        for child in event["child_events"]
        if child["event_type"] in ("Create", "Change")
        for name in child
        if name not in ("id", "via", "via_reference_id", "event_type", "previous_value")
    ]
    assert sorted((r["id"], r["field_name"]) for r in rows) == sorted(changes)

    ratings = _list(account, "/api/v2/satisfaction_ratings.json", "satisfaction_ratings")
    assert sorted(full.records_of("satisfaction_ratings"), key=lambda r: r["id"]) == sorted(
        ratings, key=lambda r: r["id"]
    )
    assert full.records_of("tags") == _list(account, "/api/v2/tags.json", "tags")
    assert (
        full.records_of("sla_policies")
        == _get(account, "/api/v2/slas/policies.json")["sla_policies"]
    )
    statuses = _get(account, "/api/v2/custom_statuses.json")["custom_statuses"]
    assert full.records_of("custom_statuses") == statuses

    sides = full.records_of("side_conversations")
    assert sides
    for ticket_id in {s["ticket_id"] for s in sides}:
        answer = _get(account, f"/api/v2/tickets/{ticket_id}/side_conversations.json")
        assert [s for s in sides if s["ticket_id"] == ticket_id] == answer["side_conversations"]


def _states_of(run, stream):
    """``(index of the message, bookmark)`` of each STATE that moved the stream's bookmark."""
    found = []
    for index, message in enumerate(run.messages):
        if message["type"] != "STATE":
            continue
        bookmark = message["value"]["bookmarks"].get(stream)
        if bookmark and (not found or found[-1][1] != bookmark):
            found.append((index, bookmark))
    return found


@pytest.mark.parametrize(
    "stream", ["ticket_metric_events", "ticket_field_history", "satisfaction_ratings"]
)
def test_a_run_resumed_from_any_state_sends_exactly_the_rest(account, full, tmp_path, stream):
    # The stream alone: a STATE after every page of its own (with the tickets, the time-based
    # exports move their bookmarks in the tickets' STATEs; the unit tests check those).
    alone = run_tap(tap_config(tmp_path, account.base_url), catalog=catalog_selecting({stream}))
    assert alone.returncode == 0, alone.stderr
    assert sorted(key_of(stream, r) for r in alone.records_of(stream)) == sorted(
        key_of(stream, r) for r in full.records_of(stream)
    )
    states = _states_of(alone, stream)
    assert len(states) >= 2, f"{stream}: one page only; the account is too small for this test"
    for index, bookmark in states[:-1]:
        after = [
            key_of(stream, m["record"])
            for m in alone.messages[index:]
            if m["type"] == "RECORD" and m["stream"] == stream
        ]
        resumed = run_tap(
            tap_config(tmp_path, account.base_url),
            state={"bookmarks": {stream: bookmark}},
            catalog=catalog_selecting({stream}),
        )
        assert resumed.returncode == 0, resumed.stderr
        sent = [key_of(stream, r) for r in resumed.records_of(stream)]
        assert sent == after, f"resumed from {bookmark}"
        assert resumed.states[-1]["bookmarks"][stream] == states[-1][1]


def test_a_second_split_between_two_runs_loses_nothing(account, full, tmp_path):
    events = full.records_of("ticket_metric_events")
    by_second = {}
    for event in events:
        by_second.setdefault(event["time"], []).append(event["id"])
    second, ids = next((t, i) for t, i in by_second.items() if len(i) >= 4)
    sent_first = random.Random(5).sample(ids, 2)
    resumed = run_tap(
        tap_config(tmp_path, account.base_url),
        state={"bookmarks": {"ticket_metric_events": {"time": second, "ids": sent_first}}},
        catalog=catalog_selecting({"ticket_metric_events"}),
    )
    assert resumed.returncode == 0, resumed.stderr
    later = [e["id"] for e in events if e["time"] > second]
    rest = [i for i in ids if i not in sent_first]
    assert sorted(e["id"] for e in resumed.records_of("ticket_metric_events")) == sorted(
        rest + later
    )


def test_the_next_run_sends_what_changed_and_marks_what_was_deleted(account, full, tmp_path):
    live = [t for t in full.tickets if t["status"] == "open"]
    changed, removed = live[0]["id"], live[1]["id"]
    answer = requests.put(
        f"{account.base_url}/api/v2/tickets/{changed}.json",
        json={"ticket": {"status": "solved", "tags": [*live[0]["tags"], "escalated"]}},
        auth=Credentials().admin_basic,
    )
    assert answer.status_code == 200, answer.text
    account.delete_tickets([removed])
    account.advance_clock(180)  # past the exports' last minute, and the ratings' margin
    later = run_tap(
        tap_config(tmp_path, account.base_url),
        state=full.states[-1],
        catalog=catalog_selecting(ALL_STREAMS),
    )
    assert later.returncode == 0, later.stderr
    assert sorted(t["id"] for t in later.tickets) == sorted([changed, removed])
    # The status change, with its time and author, in the field history.
    (status,) = [r for r in later.records_of("ticket_field_history") if r["field_name"] == "status"]
    assert (status["ticket_id"], status["value"], status["previous_value"]) == (
        changed,
        "solved",
        "open",
    )
    assert status["updater_id"] == account.account.user_id_for("admin")
    tags = [r for r in later.records_of("ticket_field_history") if r["field_name"] == "tags"]
    assert "escalated" in tags[0]["value"]
    # Its metrics, as the API shows them now; the deleted ticket's marked deleted.
    metrics = {m["ticket_id"]: m for m in later.records_of("ticket_metrics")}
    assert (
        metrics[changed]
        == _get(account, f"/api/v2/tickets/{changed}/metrics.json")["ticket_metric"]
    )
    assert metrics[changed]["solved_at"] == status["updated_at"]
    assert metrics[removed]["_sdc_deleted_at"] == account.exported_ticket(removed)["updated_at"]
    # The metric events of the change, and no event sent before.
    fulfilled = [e for e in later.records_of("ticket_metric_events") if e["ticket_id"] == changed]
    assert {"resolution_time", "requester_wait_time"} <= {e["metric"] for e in fulfilled}
    assert not {e["id"] for e in later.records_of("ticket_metric_events")} & {
        e["id"] for e in full.records_of("ticket_metric_events")
    }
    # The lists whole again; no rating sent twice.
    assert {t["name"] for t in later.records_of("tags")} >= {"escalated"}
    assert not {r["id"] for r in later.records_of("satisfaction_ratings")} & {
        r["id"] for r in full.records_of("satisfaction_ratings")
    }


def test_an_account_without_side_conversations_says_so_once(make_account, tmp_path):
    account = make_account(tickets=60, collaboration=False)
    run = run_tap(
        tap_config(tmp_path, account.base_url, commentRequestsInFlight=1),
        catalog=catalog_selecting({"tickets", "side_conversations"}),
    )
    assert run.returncode == 0, run.stderr
    told = [line for line in run.stderr.splitlines() if "no side conversations to read" in line]
    assert len(told) == 1 and "INFO" in told[0], run.stderr
    assert "InvalidEndpoint" in told[0]
    assert run.records_of("side_conversations") == []
    asked = [e for e in account.request_log() if e["route"] == "side_conversations"]
    assert len(asked) == 1
    assert [t["id"] for t in run.tickets] == account.visible_ticket_ids()
    assert not [line for line in run.stderr.splitlines() if "WARNING" in line or "ERROR" in line]


def test_metric_times_agree_with_the_tickets(full):
    """What a warehouse computes from the metrics agrees with the tickets themselves."""
    tickets = {t["id"]: t for t in full.tickets}
    for metrics in full.records_of("ticket_metrics"):
        ticket = tickets[metrics["ticket_id"]]
        if "_sdc_deleted_at" in metrics:
            continue
        assert metrics["created_at"] == ticket["created_at"]
        solved = ticket["status"] in ("solved", "closed")
        assert (metrics["solved_at"] is not None) is solved
        if solved:
            minutes = (parse_iso(metrics["solved_at"]) - parse_iso(ticket["created_at"])) // 60
            assert metrics["full_resolution_time_in_minutes"]["calendar"] == minutes
    logging.getLogger(__name__).info("%d metric sets checked", len(tickets))
