"""The destination asked in bulk: a batch's people read as one list when that is cheaper,
created 100 at a time where bulk user imports are allowed, else one by one."""

from __future__ import annotations

import re

import pytest
import requests_mock as rm

from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.references import Person
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget, RetryPolicy
from zendesk_api.settings import read_connection

B = "https://copy.zendesk.com"
AGENTS = [{"id": 900, "email": "ann@corp.test", "role": "agent"}]


def destination() -> Destination:
    connection = read_connection({"zendesk": {"domain": B, "oauthToken": "tok-123456"}})
    policy = RetryPolicy(backoff=0.0, default_retry_after=0.0, sleep=lambda _: None)
    client = ZendeskClient(connection, "test", policy=policy)
    return Destination(client, dry_run=False, budget=RetryBudget(retries=0))


@pytest.fixture
def b():
    with rm.Mocker() as mock:
        mock.get(
            re.compile(f"{B}/api/v2/users.json"),
            json=lambda r, c: {
                "users": AGENTS
                if "role[]" in r.qs
                else [*AGENTS, *({"id": 700 + i, "email": f"p{i}@x.test"} for i in range(20))],
                "meta": {"has_more": False},
            },
        )
        yield mock


def test_a_batch_s_people_are_read_as_one_list_when_that_is_cheaper(b):
    b.get(f"{B}/api/v2/users/count.json", json={"count": {"value": 21}})
    dest = destination()
    dest.find_users([f"p{i}@x.test" for i in range(20)] + ["new@x.test"])
    searches = [r for r in b.request_history if r.path == "/api/v2/users/search.json"]
    assert searches == []  # one list (and its count) instead of 21 look-ups
    assert dest.user("p7@x.test").id == 707
    assert dest.user("new@x.test") is None


def test_a_few_people_are_looked_up_one_by_one(b):
    b.get(f"{B}/api/v2/users/search.json", json={"users": []})
    dest = destination()
    dest.find_users(["a@x.test", "b@x.test"])
    assert len([r for r in b.request_history if r.path == "/api/v2/users/search.json"]) == 2
    assert not [r for r in b.request_history if r.path == "/api/v2/users/count.json"]


def test_people_are_created_in_bulk_where_allowed(b):
    b.post(
        f"{B}/api/v2/users/create_or_update_many.json",
        json={"job_status": {"id": "V3-1", "status": "queued"}},
    )
    b.get(
        f"{B}/api/v2/job_statuses/V3-1.json",
        json={
            "job_status": {
                "id": "V3-1",
                "status": "completed",
                # Results in another order than asked, named by e-mail (as observed).
                "results": [
                    {"id": 802, "status": "Created", "email": "b@x.test"},
                    {"id": 801, "status": "Created", "email": "a@x.test"},
                ],
            }
        },
    )
    dest = destination()
    dest.create_users(
        [
            (Person(1, "A", "a@x.test", "end-user"), 55),
            (Person(2, "B", "b@x.test", "end-user"), None),
        ]
    )
    assert dest.user("a@x.test").id == 801 and dest.user("a@x.test").organization_ids == {55}
    assert dest.user("b@x.test").id == 802
    assert dest.take_created("a@x.test") and not dest.take_created("a@x.test")
    sent = next(r for r in b.request_history if r.method == "POST").json()
    assert sent["users"][0] == {"name": "A", "email": "a@x.test", "organization_id": 55}


def test_without_bulk_imports_people_are_created_one_by_one(b):
    b.post(
        f"{B}/api/v2/users/create_or_update_many.json",
        status_code=403,
        json={"error": {"title": "Forbidden", "message": "Bulk user imports are not enabled"}},
    )
    b.post(
        f"{B}/api/v2/users.json",
        status_code=201,
        json=lambda r, c: {"user": {"id": 850, "email": r.json()["user"]["email"]}},
    )
    dest = destination()
    people = [(Person(i, f"P{i}", f"n{i}@x.test", "end-user"), None) for i in range(3)]
    dest.create_users(people[:2])
    dest.create_users(people[2:])  # refused once: never asked again
    bulk = [r for r in b.request_history if "create_or_update_many" in r.path]
    single = [r for r in b.request_history if r.method == "POST" and r.path == "/api/v2/users.json"]
    assert len(bulk) == 1 and len(single) == 3
    assert dest.user("n2@x.test").id == 850


def test_an_email_taken_meanwhile_is_looked_up(b):
    b.post(
        f"{B}/api/v2/users.json",
        status_code=422,
        json={
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {
                "email": [{"description": "Email: x@x.test is already being used by another user"}]
            },
        },
    )
    b.get(f"{B}/api/v2/users/search.json", json={"users": [{"id": 901, "email": "x@x.test"}]})
    dest = destination()
    created = dest.create_user(Person(9, "X", "x@x.test", "end-user"), None)
    assert created.id == 901
