"""The sandbox's analytics reads: ticket metrics (the export's side-load and the Ticket
Metrics API), the metric events export, satisfaction ratings, tags, custom statuses, SLA
policies, side conversations and a ticket's audits, each consistent with the tickets."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import requests

from tests.sandbox.helpers import Api, tickets_of
from zendesk_sandbox import Credentials
from zendesk_sandbox.timefmt import parse_iso

EVENTS = "/api/v2/incremental/ticket_metric_events.json"
SOLVED = ("solved", "closed")


@pytest.fixture(scope="module")
def account():
    from zendesk_sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(tickets=400, rate_limits={}, job_delay=0.05)) as sandbox:
        yield sandbox


@pytest.fixture
def api(account, session) -> Api:
    return Api(account, session)


@pytest.fixture(scope="module")
def exported(account):
    """Every ticket of the export with its ``metric_set``."""
    with requests.Session() as session:
        session.auth = Credentials().admin_basic
        return tickets_of(Api(account, session).export_all(start_time=0, include="metric_sets"))


def _audits(api, ticket_id):
    answer = api.get(f"/api/v2/tickets/{ticket_id}/audits.json", params={"page[size]": 100})
    assert answer.status_code == 200, answer.text
    return answer.json()["audits"]


def _statuses(audits):
    return [
        event["value"]
        for audit in audits
        for event in audit["events"]
        if event.get("field_name") == "status"
    ]


def test_the_export_side_loads_each_live_tickets_metric_set_as_the_api_shows_it(api, exported):
    live = [t for t in exported if t["status"] != "deleted"]
    assert live and len(live) < len(exported)
    assert all("metric_set" not in t for t in exported if t["status"] == "deleted")
    for ticket in random.Random(1).sample(live, 30):
        shown = api.get(f"/api/v2/tickets/{ticket['id']}/metrics.json").json()["ticket_metric"]
        assert ticket["metric_set"] == shown
        by_id = api.get(f"/api/v2/ticket_metrics/{shown['id']}.json").json()["ticket_metric"]
        assert by_id == shown
    listed = api.get("/api/v2/ticket_metrics.json", params={"page[size]": 100}).json()
    assert listed["ticket_metrics"][0]["ticket_id"] == live[0]["id"] or listed["meta"]["has_more"]


def test_a_tickets_metrics_agree_with_its_status_and_comments(account, api, exported):
    people = account.directory.people.by_id
    for ticket in random.Random(2).sample([t for t in exported if t["status"] != "deleted"], 40):
        metrics = ticket["metric_set"]
        comments = account.comments(ticket["id"])
        replies = [c for c in comments[1:] if c["public"] and people[c["author_id"]].is_agent]
        assert metrics["replies"] == len(replies)
        assert metrics["latest_comment_added_at"] == comments[-1]["created_at"]
        if replies:
            minutes = (parse_iso(replies[0]["created_at"]) - parse_iso(ticket["created_at"])) // 60
            assert metrics["reply_time_in_minutes"] == {"calendar": minutes, "business": minutes}
        else:
            assert metrics["reply_time_in_minutes"]["calendar"] is None
        assert (metrics["solved_at"] is not None) == (ticket["status"] in SOLVED)
        statuses = _statuses(_audits(api, ticket["id"]))
        assert statuses[-1] == ticket["status"]  # the audits record where it went


def test_a_status_change_shows_in_audits_events_and_metrics(account, api):
    ticket_id = next(
        t for t in account.visible_ticket_ids() if account.exported_ticket(t)["status"] == "open"
    )
    before = api.get(f"/api/v2/tickets/{ticket_id}/metrics.json").json()["ticket_metric"]
    assert before["solved_at"] is None
    answer = api.put(f"/api/v2/tickets/{ticket_id}.json", json={"ticket": {"status": "solved"}})
    assert answer.status_code == 200, answer.text
    changed_at = answer.json()["ticket"]["updated_at"]
    after = api.get(f"/api/v2/tickets/{ticket_id}/metrics.json").json()["ticket_metric"]
    assert after["solved_at"] == after["status_updated_at"] == changed_at
    assert after["full_resolution_time_in_minutes"]["calendar"] is not None
    last = _audits(api, ticket_id)[-1]
    change = next(e for e in last["events"] if e.get("field_name") == "status")
    assert (change["type"], change["value"], change["previous_value"]) == (
        "Change",
        "solved",
        "open",
    )
    account.advance_clock(120)
    events = api.get(
        "/api/v2/incremental/ticket_events.json", params={"start_time": int(parse_iso(changed_at))}
    ).json()["ticket_events"]
    (audit,) = [e for e in events if e["ticket_id"] == ticket_id]
    (child,) = [c for c in audit["child_events"] if "status" in c]
    assert child["id"] == change["id"] and child["previous_value"] == "open"
    metric = api.get(EVENTS, params={"start_time": int(parse_iso(changed_at))}).json()
    fulfilled = {e["metric"] for e in metric["ticket_metric_events"] if e["ticket_id"] == ticket_id}
    assert {"resolution_time", "requester_wait_time"} <= fulfilled


def test_the_metric_events_export_pages_by_time_without_splitting_a_second(api):
    start, seen, pages = 0, {}, 0
    while True:
        page = api.get(EVENTS, params={"start_time": start}).json()
        pages += 1
        assert set(page) == {"ticket_metric_events", "count", "end_time", "next_page"}
        events = page["ticket_metric_events"]
        times = [e["time"] for e in events]
        assert times == sorted(times)
        assert page["count"] == len(events)
        if events:
            assert page["end_time"] == int(parse_iso(times[-1]))
            assert page["next_page"].endswith(f"start_time={page['end_time']}")
        for event in events:
            seen[event["id"]] = event
        if page["count"] < 1000:
            break
        last_second = [e for e in events if e["time"] == times[-1]]
        again = api.get(EVENTS, params={"start_time": page["end_time"]}).json()
        assert {e["id"] for e in last_second} <= {e["id"] for e in again["ticket_metric_events"]}
        start = page["end_time"]
    assert pages > 1
    kinds = Counter(e["type"] for e in seen.values())
    assert {"activate", "fulfill", "apply_sla", "breach", "update_status", "pause"} <= set(kinds)
    breaches = [e for e in seen.values() if e["type"] == "breach"]
    assert any(e["deleted"] for e in breaches) and not all(e["deleted"] for e in breaches)
    applied = [e for e in seen.values() if e["type"] == "apply_sla"]
    assert {e["sla"]["policy"]["id"] for e in applied} <= {
        p["id"] for p in api.get("/api/v2/slas/policies.json").json()["sla_policies"]
    }


def test_the_metric_events_export_is_for_admins_and_leaves_out_the_last_minute(account, api):
    agent = requests.get(
        account.base_url + EVENTS, params={"start_time": 0}, auth=Credentials().agent_basic
    )
    assert agent.status_code == 403
    too_recent = api.get(EVENTS, params={"start_time": int(account.now()) - 10})
    assert too_recent.status_code == 422
    assert "Too recent start_time" in too_recent.text


def test_satisfaction_ratings_are_the_tickets_received_ratings_newest_first(api, exported):
    rated = {
        t["satisfaction_rating"]["id"]: t
        for t in exported
        if t["status"] != "deleted" and (t.get("satisfaction_rating") or {}).get("id")
    }
    ratings = []
    params = {"page[size]": 100}
    while True:
        page = api.get("/api/v2/satisfaction_ratings.json", params=params).json()
        ratings += page["satisfaction_ratings"]
        if not page["meta"]["has_more"]:
            break
        params = {"page[size]": 100, "page[after]": page["meta"]["after_cursor"]}
    assert {r["id"] for r in ratings} == set(rated)
    assert [r["created_at"] for r in ratings] == sorted(
        (r["created_at"] for r in ratings), reverse=True
    )
    for rating in ratings[:20]:
        ticket = rated[rating["id"]]
        assert rating["ticket_id"] == ticket["id"]
        assert rating["score"] == ticket["satisfaction_rating"]["score"]
        assert (
            rating["created_at"] <= ticket["updated_at"]
            or rating["created_at"] == ticket["updated_at"]
        )
    # start_time and end_time are strict bounds on created_at.
    middle = ratings[len(ratings) // 2]
    second = int(parse_iso(middle["created_at"]))
    after = api.get("/api/v2/satisfaction_ratings.json", params={"start_time": second}).json()
    assert all(parse_iso(r["created_at"]) > second for r in after["satisfaction_ratings"])
    before = api.get("/api/v2/satisfaction_ratings.json", params={"end_time": second}).json()
    assert all(parse_iso(r["created_at"]) < second for r in before["satisfaction_ratings"])


def test_a_deleted_tickets_rating_leaves_the_list(account, api):
    listed = api.get("/api/v2/satisfaction_ratings.json").json()["satisfaction_ratings"]
    rating = listed[0]
    account.delete_tickets([rating["ticket_id"]])
    again = api.get("/api/v2/satisfaction_ratings.json").json()["satisfaction_ratings"]
    assert rating["id"] not in {r["id"] for r in again}


def test_tags_count_the_live_tickets_tags(account, api, exported):
    counted = Counter()
    for ticket in exported:  # as they are now: other tests change some
        current = account.exported_ticket(ticket["id"])
        if current["status"] != "deleted":
            counted.update(current["tags"])
    page = api.get("/api/v2/tags.json", params={"page[size]": 100}).json()
    assert {t["name"]: t["count"] for t in page["tags"]} == {n: c for n, c in counted.items() if c}
    counts = [t["count"] for t in page["tags"]]
    assert counts == sorted(counts, reverse=True)


def test_every_custom_status_of_a_ticket_is_in_the_list(api, exported):
    statuses = api.get("/api/v2/custom_statuses.json").json()["custom_statuses"]
    assert {t["custom_status_id"] for t in exported} <= {s["id"] for s in statuses}
    defaults = [s["status_category"] for s in statuses if s["default"]]
    assert sorted(defaults) == sorted({"new", "open", "pending", "hold", "solved"})
    assert any(not s["active"] for s in statuses)


def test_sla_policies_are_for_admins(account, api):
    policies = api.get("/api/v2/slas/policies.json").json()
    assert policies["count"] == len(policies["sla_policies"]) == 2
    agent = requests.get(
        account.base_url + "/api/v2/slas/policies.json", auth=Credentials().agent_basic
    )
    assert agent.status_code == 403


def test_side_conversations_of_a_ticket(account, api, exported):
    found = {}
    for ticket in exported[:120]:
        if ticket["status"] == "deleted":
            answer = api.get(f"/api/v2/tickets/{ticket['id']}/side_conversations.json")
            assert answer.status_code == 404
            assert answer.json()["error"] == "RecordNotFound"
            continue
        sides = api.get(f"/api/v2/tickets/{ticket['id']}/side_conversations.json").json()
        if sides["side_conversations"]:
            found[ticket["id"]] = sides["side_conversations"]
    assert found
    for ticket_id, sides in found.items():
        for side in sides:
            assert side["ticket_id"] == ticket_id
            assert {"id", "subject", "state", "participants", "created_at", "updated_at"} <= set(
                side
            )


def test_without_the_collaboration_add_on_side_conversations_are_not_on_the_plan(
    make_account, session
):
    account = make_account(tickets=20, collaboration=False)
    answer = session.get(f"{account.base_url}/api/v2/tickets/1/side_conversations.json")
    assert answer.status_code == 404
    assert answer.json() == {"error": "InvalidEndpoint", "description": "Not found"}


def test_audits_of_a_deleted_ticket_are_a_404_and_ids_match_the_events_export(api, exported):
    deleted = next(t for t in exported if t["status"] == "deleted")
    assert api.get(f"/api/v2/tickets/{deleted['id']}/audits.json").status_code == 404
    ticket = next(t for t in exported if t["status"] == "closed")
    audits = _audits(api, ticket["id"])
    create = audits[0]
    assert {e["field_name"] for e in create["events"] if e["type"] == "Create"} >= {
        "subject",
        "status",
        "priority",
    }
    events = api.get(
        "/api/v2/incremental/ticket_events.json",
        params={"start_time": int(parse_iso(ticket["created_at"]))},
    ).json()["ticket_events"]
    (first,) = [e for e in events if e["id"] == create["id"]]
    assert [c["id"] for c in first["child_events"]] == [
        e["id"] for e in create["events"] if e["type"] != "Comment"
    ]
