"""Ticket search by tag and external id, indexed with a delay as Zendesk's is."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox

SEARCH = "/api/v2/search.json"


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=150, search_delay=30.0)


@pytest.fixture
def api(account, make_api) -> Api:
    return make_api(account)


def found(api: Api, query: str) -> list[int]:
    response = api.get(SEARCH, params={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert all(r["result_type"] == "ticket" for r in body["results"])
    assert body["count"] >= len(body["results"])
    return [r["id"] for r in body["results"]]


def test_generated_tickets_are_found_by_tag_and_external_id(account, api) -> None:
    tickets = [account.exported_ticket(i) for i in range(1, 151)]
    live = [t for t in tickets if t["status"] != "deleted"]
    with_tag = sorted(t["id"] for t in live if "vip" in t["tags"])
    assert found(api, "type:ticket tags:vip")[:100] == with_tag[:100]
    ticket = next(t for t in live if t["external_id"])
    assert found(api, f'type:ticket external_id:"{ticket["external_id"]}"') == [ticket["id"]]
    both = sorted(t["id"] for t in live if {"vip", "api"} <= set(t["tags"]))
    assert found(api, "tags:vip tag:api") == both
    deleted = next(t for t in tickets if t["status"] == "deleted" and t["tags"])
    assert deleted["id"] not in found(api, f"tags:{deleted['tags'][0]}")


def test_changes_reach_search_only_after_the_delay(account, api) -> None:
    requester = next(u for u in account.directory.people.end_users if not u.suspended)
    job = api.import_tickets(
        [
            {
                "subject": "late",
                "requester_id": requester.id,
                "tags": ["migrated"],
                "external_id": "old-42",
                "comments": [{"value": "hi"}],
            }
        ]
    )
    [result] = api.wait_for_job(job.json()["job_status"]["id"])["results"]
    assert found(api, "tags:migrated") == []
    assert found(api, "external_id:old-42") == []
    account.advance_clock(31)
    assert found(api, "tags:migrated") == [result["id"]]
    assert found(api, "external_id:old-42") == [result["id"]]
    api.put(f"/api/v2/tickets/{result['id']}.json", json={"ticket": {"remove_tags": ["migrated"]}})
    assert found(api, "tags:migrated") == [result["id"]], "search still has the old tags"
    account.advance_clock(31)
    assert found(api, "tags:migrated") == []


def test_search_pages_and_refuses_what_it_cannot_answer(api) -> None:
    page = api.get(SEARCH, params={"query": "type:ticket status:closed", "per_page": 5}).json()
    assert len(page["results"]) == 5 and page["next_page"].endswith("page=2")
    assert page["count"] > 5 and page["facets"] is None
    for query in ("printer fire", "type:user email:x", ""):
        response = api.get(SEARCH, params={"query": query})
        assert response.status_code == 400 and response.json()["error"] == "InvalidValue"
