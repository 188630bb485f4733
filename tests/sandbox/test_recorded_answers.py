"""Where the sandbox follows Zendesk's recorded answers by default (issue 23).

Each rule is checked against what recorded Zendesk answers (zenpy's cassettes of 2023-2024)
and Zendesk's documentation show; docs/sandbox.md lists them with their sources.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox

JOB_ID = re.compile(r"^V3-[0-9a-f]{32}$")


def ticket(n: int) -> dict:
    return {"subject": f"Ticket {n}", "description": "x", "requester_id": 1}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/users.json",
        "/api/v2/groups.json",
        "/api/v2/tickets/{ticket}/comments.json",
        "/api/v2/tickets.json",
        "/api/v2/job_statuses.json",
    ],
)
def test_the_last_page_of_a_cursor_list_links_to_a_next_one(make_account, make_api, path):
    account = make_account(tickets=30)
    api = make_api(account)
    api.import_tickets([ticket(1)])  # the job list has one job
    first_ticket = account.visible_ticket_ids()[0]
    url = path.format(ticket=first_ticket)
    last = api.get(url, params={"page[size]": 100}).json()
    assert last["meta"]["has_more"] is False
    assert last["links"]["next"], "Zendesk's last page has a next link: stop on has_more"
    beyond = api.session.get(last["links"]["next"]).json()
    assert beyond["meta"] == {"has_more": False, "after_cursor": None, "before_cursor": None}
    assert beyond["links"] == {"next": None, "prev": None}


def test_job_statuses_look_like_the_recorded_ones(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=0, job_delay=2.0, rate_limits={})
    api = make_api(sandbox)
    queued = api.import_tickets([ticket(n) for n in range(10)]).json()["job_status"]
    assert JOB_ID.match(queued["id"])
    assert queued["job_type"] == "Bulk Create Ticket"
    assert (queued["status"], queued["progress"], queued["message"]) == ("queued", None, None)
    sandbox.advance_clock(1.5)  # three quarters through: working, half of its work done
    working = api.get(f"/api/v2/job_statuses/{queued['id']}.json").json()["job_status"]
    assert working["status"] == "working"
    assert working["progress"] == 5
    assert working["message"] == "Creating ticket #6"
    sandbox.advance_clock(1.0)
    done = api.get(f"/api/v2/job_statuses/{queued['id']}.json").json()["job_status"]
    assert (done["status"], done["progress"]) == ("completed", 10)
    assert done["message"].startswith("Completed at ")


def test_bulk_updates_and_deletions_have_job_types_too(api: Api) -> None:
    created = api.imported_job_results([ticket(1), ticket(2)])
    ids = [entry["id"] for entry in created]
    update = api.put(
        "/api/v2/tickets/update_many.json", json={"tickets": [{"id": ids[0], "priority": "low"}]}
    ).json()["job_status"]
    deletion = api.delete("/api/v2/tickets/destroy_many.json", params={"ids": str(ids[1])})
    assert update["job_type"] == "Bulk Update Ticket"
    assert deletion.json()["job_status"]["job_type"] == "Bulk Delete Ticket"
    assert JOB_ID.match(update["id"])


def test_search_page_11_is_a_422(make_account, make_api) -> None:
    api = make_api(make_account(tickets=20))
    assert api.get("/api/v2/search.json", params={"query": "type:ticket", "page": 10}).ok
    refused = api.get("/api/v2/search.json", params={"query": "type:ticket", "page": 11})
    assert refused.status_code == 422
    assert refused.json()["error"] == "InsufficientResourceError"
    small_pages = {"query": "type:ticket", "per_page": 50, "page": 21}
    assert api.get("/api/v2/search.json", params=small_pages).status_code == 422


@pytest.mark.parametrize(
    "path", ["/api/v2/users.json", "/api/v2/tickets.json", "/api/v2/groups.json"]
)
def test_offset_pagination_stops_at_10000_records(make_account, make_api, path) -> None:
    api = make_api(make_account(tickets=20))
    assert api.get(path, params={"page": 100}).status_code == 200
    refused = api.get(path, params={"page": 101})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "InvalidPaginationDepth"
    assert api.get(path, params={"page": 200, "per_page": 50}).status_code == 200
    assert api.get(path, params={"page": 201, "per_page": 50}).status_code == 400


def test_page_size_over_100_is_capped(make_account, make_api) -> None:
    api = make_api(make_account(tickets=1000))
    page = api.get("/api/v2/users.json", params={"page[size]": 250}).json()
    assert len(page["users"]) == 100
    assert "page%5Bsize%5D=100" in page["links"]["next"]


def test_every_wait_is_whole_seconds(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(
        tickets=10,
        job_delay=0.3,
        max_jobs=1,
        rate_limits={"incremental-exports": (1, 0.2), "account": (50, 0.5)},
    )
    api = make_api(sandbox)
    api.export(start_time=0)
    limited = api.export(start_time=0)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert limited.headers["ratelimit-reset"] == "1"
    api.import_tickets([ticket(1)])
    too_many = api.import_tickets([ticket(2)])
    assert too_many.json()["error"] == "TooManyJobs"
    assert too_many.headers["Retry-After"] == "1"


def test_requested_token_lifetimes_are_honoured_within_zendesks_bounds(small: Sandbox) -> None:
    body = {
        "grant_type": "client_credentials",
        "client_id": small.config.credentials.oauth_client_id,
        "client_secret": small.config.credentials.oauth_client_secret,
        "scope": "read",
    }
    url = f"{small.base_url}/oauth/tokens"
    asked = requests.post(url, json={**body, "expires_in": 600}, timeout=10)
    assert asked.status_code == 201 and asked.json()["expires_in"] == 600
    for refused in (299, 172_801, 600.5, "600"):
        answer = requests.post(url, json={**body, "expires_in": refused}, timeout=10)
        assert answer.status_code == 400, refused
        assert answer.json()["error"] == "invalid_request"


@pytest.fixture
def small(make_sandbox) -> Sandbox:
    return make_sandbox(tickets=5, rate_limits={})
