"""Read endpoints of the realistic account: side-loads, the ticket events and user exports,
look-ups of users, tickets and organizations, and list pagination."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox

EVENTS = "/api/v2/incremental/ticket_events.json"
USERS = "/api/v2/incremental/users/cursor.json"


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=300)


@pytest.fixture
def account_api(account, make_api) -> Api:
    return make_api(account)


def test_export_side_loads_what_the_page_refers_to(account_api: Api) -> None:
    page = account_api.export(
        start_time=0, per_page=40, include="users,groups,organizations"
    ).json()
    tickets = page["tickets"]
    user_ids = set()
    for ticket in tickets:
        user_ids |= {ticket["requester_id"], ticket["submitter_id"], ticket["assignee_id"]}
        user_ids |= set(
            ticket["collaborator_ids"] + ticket["follower_ids"] + ticket["email_cc_ids"]
        )
    assert {u["id"] for u in page["users"]} == user_ids - {None}
    assert {g["id"] for g in page["groups"]} == {t["group_id"] for t in tickets} - {None}
    orgs = {t["organization_id"] for t in tickets} - {None}
    assert {o["id"] for o in page["organizations"]} == orgs
    assert "include=users" in page["after_url"]
    nothing = account_api.export(start_time=0, per_page=2, include="metric_sets").json()
    assert set(nothing) == {
        "tickets",
        "after_url",
        "after_cursor",
        "before_url",
        "before_cursor",
        "end_of_stream",
    }


def test_ticket_events_export_pages_by_time_and_repeats_the_boundary(account, account_api):
    seen: dict[int, dict] = {}
    repeated = 0
    response = account_api.get(
        EVENTS, params={"start_time": 0, "per_page": 100, "include": "comment_events"}
    )
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        assert page["count"] == len(page["ticket_events"])
        times = [e["timestamp"] for e in page["ticket_events"]]
        assert times == sorted(times) and page["end_time"] == times[-1]
        for event in page["ticket_events"]:
            repeated += event["id"] in seen
            seen[event["id"]] = event
        if page["end_of_stream"]:
            break
        assert f"start_time={page['end_time']}" in page["next_page"]
        response = account_api.session.get(page["next_page"])
    assert pages > 3 and repeated > 0, "the last second of a page comes again"
    comments = [c for e in seen.values() for c in e["child_events"] if c["event_type"] == "Comment"]
    expected = sum(len(account.comments(i)) for i in range(1, 301))
    assert len(comments) == expected
    event = next(iter(seen.values()))
    assert set(event) >= {
        "id",
        "ticket_id",
        "timestamp",
        "created_at",
        "updater_id",
        "via",
        "child_events",
        "event_type",
    }
    assert event["child_events"][0]["event_type"] == "Create"


def test_ticket_events_without_comment_events_only_flag_comments(account_api: Api) -> None:
    page = account_api.get(EVENTS, params={"start_time": 0, "per_page": 10}).json()
    event = page["ticket_events"][0]
    assert event["comment_present"] is True
    assert all(c["event_type"] != "Comment" for c in event["child_events"])


def test_ticket_events_check_start_time_like_the_ticket_export(account, account_api) -> None:
    assert account_api.get(EVENTS).status_code == 400
    recent = account_api.get(EVENTS, params={"start_time": int(account.now()) - 5})
    assert recent.status_code == 422


def test_a_ticket_change_shows_in_the_events_export(account, account_api) -> None:
    page = account_api.get(EVENTS, params={"start_time": 0}).json()  # builds the index
    assert page["count"] > 0
    ticket_id = next(
        i for i in account.visible_ticket_ids() if account.exported_ticket(i)["status"] == "open"
    )
    response = account_api.put(
        f"/api/v2/tickets/{ticket_id}.json",
        json={"ticket": {"priority": "urgent", "comment": "On it."}},
    )
    assert response.status_code == 200, response.text
    account.advance_clock(120)
    since = account.now() - 200
    events = account_api.get(
        EVENTS, params={"start_time": int(since), "include": "comment_events"}
    ).json()
    [event] = [e for e in events["ticket_events"] if e["ticket_id"] == ticket_id]
    kinds = {c["event_type"] for c in event["child_events"]}
    assert kinds == {"Change", "Comment"}
    change = next(c for c in event["child_events"] if c["event_type"] == "Change")
    assert change["priority"] == "urgent" and "previous_value" in change


def test_user_cursor_export_reads_every_user_once(account, account_api) -> None:
    users, response = [], account_api.get(USERS, params={"start_time": 0, "per_page": 50})
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        users += page["users"]
        if page["end_of_stream"]:
            break
        response = account_api.session.get(page["after_url"])
    assert len(users) == len({u["id"] for u in users}) == len(account.directory.people.users)
    keys = [(u["updated_at"], u["id"]) for u in users]
    assert keys == sorted(keys)
    again = account_api.get(USERS, params={"cursor": page["after_cursor"]}).json()
    assert again["users"] == [] and again["end_of_stream"] is True


def test_user_look_ups(account, account_api) -> None:
    people = account.directory.people
    user = next(u for u in people.end_users if u.external_id)
    other = people.end_users[-1]
    by_ids = account_api.get(
        "/api/v2/users/show_many.json", params={"ids": f"{user.id},{other.id},1"}
    ).json()
    assert [u["id"] for u in by_ids["users"]] == [user.id, other.id]
    by_external = account_api.get(
        "/api/v2/users/show_many.json", params={"external_ids": user.external_id}
    ).json()
    assert [u["id"] for u in by_external["users"]] == [user.id]
    found = account_api.get(
        "/api/v2/users/search.json", params={"query": f"email:{user.email.upper()}"}
    ).json()
    assert [u["id"] for u in found["users"]] == [user.id] and found["count"] == 1
    missing = account_api.get("/api/v2/users/search.json", params={"query": "email:no@one.org"})
    assert missing.json()["users"] == []
    assert account_api.get("/api/v2/users/search.json", params={"query": "Jane"}).status_code == 400
    assert account_api.get(f"/api/v2/users/{user.id}.json").json()["user"]["email"] == user.email
    assert account_api.get("/api/v2/users/1.json").status_code == 404


def test_create_or_update_creates_then_updates(account, account_api) -> None:
    path = "/api/v2/users/create_or_update.json"
    created = account_api.post(path, json={"user": {"name": "Ada", "email": "ada@example.org"}})
    assert created.status_code == 201
    user = created.json()["user"]
    assert user["role"] == "end-user" and user["id"] not in {1}
    updated = account_api.post(path, json={"user": {"email": "ADA@example.org", "name": "Ada L."}})
    assert updated.status_code == 200
    assert updated.json()["user"]["id"] == user["id"]
    assert updated.json()["user"]["name"] == "Ada L."
    bad = account_api.post(path, json={"user": {"name": "X", "email": "not-an-email"}})
    assert bad.status_code == 422 and bad.json()["error"] == "RecordInvalid"
    assert account_api.post(path, json={"user": {"email": "new@example.org"}}).status_code == 422


def test_ticket_look_ups(account, account_api) -> None:
    deleted = next(i for i in range(1, 301) if account.exported_ticket(i)["status"] == "deleted")
    shown = account_api.get(
        "/api/v2/tickets/show_many.json", params={"ids": f"3,{deleted},2,9999"}
    ).json()
    assert [t["id"] for t in shown["tickets"]] == [3, 2]
    with_external = next(
        i
        for i in range(1, 301)
        if account.exported_ticket(i)["external_id"]
        and account.exported_ticket(i)["status"] != "deleted"
    )
    external_id = account.exported_ticket(with_external)["external_id"]
    listed = account_api.get("/api/v2/tickets.json", params={"external_id": external_id}).json()
    assert [t["id"] for t in listed["tickets"]] == [with_external]
    too_many = ",".join(str(i) for i in range(1, 102))
    assert (
        account_api.get("/api/v2/tickets/show_many.json", params={"ids": too_many}).status_code
        == 400
    )


def test_organizations_are_found_by_name(account, account_api) -> None:
    org = account.directory.structure.organizations[3]
    found = account_api.get(
        "/api/v2/organizations/search.json", params={"name": org.name.upper()}
    ).json()
    assert [o["id"] for o in found["organizations"]] == [org.id]
    assert account_api.get("/api/v2/organizations/search.json").status_code == 400
    assert (
        account_api.get(f"/api/v2/organizations/{org.id}.json").json()["organization"]["name"]
        == org.name
    )


def test_lists_paginate_with_cursors_or_offsets(
    account, account_api, make_account, make_api
) -> None:
    count = len(account.directory.structure.organizations)
    first = account_api.get("/api/v2/organizations.json", params={"per_page": 2}).json()
    assert len(first["organizations"]) == 2 and first["count"] == count
    assert first["next_page"] and first["previous_page"] is None
    cursor = account_api.get("/api/v2/organizations.json", params={"page[size]": 3}).json()
    after = account_api.session.get(cursor["links"]["next"]).json()
    ids = [o["id"] for o in cursor["organizations"] + after["organizations"]]
    assert ids == sorted(ids) and len(set(ids)) == 6
    back = account_api.session.get(after["links"]["prev"]).json()
    assert [o["id"] for o in back["organizations"]] == ids[:3]
    larger = make_api(make_account(tickets=1000))
    big = larger.get("/api/v2/users.json", params={"page[size]": 1000}).json()
    assert len(big["users"]) == 100, "pages hold at most 100"
    assert big["meta"]["has_more"] is True


def test_ticket_lists_and_show_many_side_load_comment_counts(make_account, make_api):
    account = make_account(tickets=12)
    api = make_api(account)
    listed = api.get("/api/v2/tickets.json", params={"include": "comment_count"}).json()["tickets"]
    shown = api.get(
        "/api/v2/tickets/show_many.json", params={"ids": "1,2", "include": "comment_count"}
    ).json()["tickets"]
    for ticket in listed + shown:
        assert ticket["comment_count"] == len(account.comments(ticket["id"]))
    plain = api.get("/api/v2/tickets.json").json()["tickets"]
    assert all("comment_count" not in ticket for ticket in plain)


def test_count_tickets_counts_what_the_list_shows(make_account, make_api):
    account = make_account(tickets=12)
    api = make_api(account)
    count = api.get("/api/v2/tickets/count.json").json()["count"]
    listed = api.get("/api/v2/tickets.json").json()["count"]
    assert count["value"] == listed
    assert count["refreshed_at"].endswith("Z")


def test_a_problems_incidents_are_the_tickets_naming_it_and_follow_changes(account, account_api):
    def listed(problem: int) -> list[int]:
        response = account_api.get(f"/api/v2/tickets/{problem}/incidents.json")
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["tickets"]]

    live = account.visible_ticket_ids(exclude_deleted=True)
    naming: dict[int, list[int]] = {}
    for ticket_id in live:
        problem = account.exported_ticket(ticket_id).get("problem_id")
        if problem is not None:
            naming.setdefault(problem, []).append(ticket_id)
    problems = [p for p in sorted(naming) if p in set(live)]
    assert len(problems) >= 2, "the account has too few problems with incidents"
    first, second = problems[:2]
    assert listed(first) == sorted(naming[first])
    assert listed(second) == sorted(naming[second])
    moved, gone = naming[first][0], naming[second][0]
    account.update_tickets([moved], {"problem_id": second})  # after the index was built
    account.delete_tickets([gone])
    assert listed(first) == sorted(naming[first][1:])
    assert listed(second) == sorted({*naming[second], moved} - {gone})
