"""Ticket updates (single and update_many), ticket deletion, and new ticket fields."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox
from zendesk_sandbox.timefmt import iso

CLOSED = "Status: closed prevents ticket update"


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=200)


@pytest.fixture
def api(account, make_api) -> Api:
    return make_api(account)


def with_status(account: Sandbox, *statuses: str) -> list[int]:
    return [
        i for i in account.visible_ticket_ids() if account.exported_ticket(i)["status"] in statuses
    ]


def test_an_update_changes_the_ticket_and_adds_a_comment_now(account, api) -> None:
    ticket_id = with_status(account, "open", "pending", "solved")[0]
    before = account.exported_ticket(ticket_id)
    count = len(account.comments(ticket_id))
    account.advance_clock(3600)
    response = api.put(
        f"/api/v2/tickets/{ticket_id}.json",
        json={
            "ticket": {
                "priority": "high",
                "additional_tags": ["escalated"],
                "comment": {"body": "Looking into it.", "public": False},
            }
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    now = iso(account.now())
    assert body["ticket"]["priority"] == "high" and "escalated" in body["ticket"]["tags"]
    assert body["ticket"]["updated_at"] == now
    assert body["ticket"]["generated_timestamp"] > before["generated_timestamp"]
    assert {e["event_type"] for e in body["audit"]["events"]} == {"Change", "Comment"}
    comments = account.comments(ticket_id)
    assert len(comments) == count + 1
    added = comments[-1]
    assert added["body"] == "Looking into it." and added["public"] is False
    assert added["created_at"] == now, "a comment on an update has the update's time"
    assert added["author_id"] == account.directory.people.api_admin_id
    assert account.exported_ticket(ticket_id)["priority"] == "high"


def test_a_closed_ticket_cannot_be_updated(account, api) -> None:
    closed = with_status(account, "closed")[0]
    response = api.put(f"/api/v2/tickets/{closed}.json", json={"ticket": {"priority": "low"}})
    assert response.status_code == 422
    assert response.json() == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"status": [{"description": CLOSED, "error": "ClosedTicket"}]},
    }


def test_updates_check_references_like_imports(account, api) -> None:
    ticket_id = with_status(account, "open", "pending")[0]
    end_user = account.directory.people.end_users[0]
    response = api.put(
        f"/api/v2/tickets/{ticket_id}.json", json={"ticket": {"assignee_id": end_user.id}}
    )
    assert response.status_code == 422
    assert response.json()["details"]["assignee"][0]["description"] == "Assignee: is invalid"
    gone = api.put(f"/api/v2/tickets/{ticket_id}.json", json={"ticket": {"group_id": 5}})
    assert gone.json()["details"]["group"][0]["description"] == "Group: is invalid"
    assert api.put("/api/v2/tickets/9999.json", json={"ticket": {}}).status_code == 404


def test_safe_update_refuses_a_stale_stamp(account, api) -> None:
    ticket_id = with_status(account, "open", "pending")[0]
    stamp = account.exported_ticket(ticket_id)["updated_at"]
    stale = {
        "ticket": {"priority": "low", "safe_update": True, "updated_stamp": "2001-01-01T00:00:00Z"}
    }
    response = api.put(f"/api/v2/tickets/{ticket_id}.json", json=stale)
    assert response.status_code == 409 and response.json()["error"] == "UpdateConflict"
    fresh = {"ticket": {"priority": "low", "safe_update": True, "updated_stamp": stamp}}
    assert api.put(f"/api/v2/tickets/{ticket_id}.json", json=fresh).status_code == 200


def test_update_many_is_a_job_with_a_result_per_ticket(account, api) -> None:
    open_ids = with_status(account, "open", "pending")[:2]
    closed = with_status(account, "closed")[0]
    response = api.put(
        "/api/v2/tickets/update_many.json",
        json={
            "tickets": [
                {"id": open_ids[0], "status": "solved"},
                {"id": closed, "status": "open"},
                {"id": open_ids[1], "comment": {"body": "bulk note"}},
                {"id": 9999, "status": "open"},
            ]
        },
    )
    assert response.status_code == 200
    job = api.wait_for_job(response.json()["job_status"]["id"])
    assert job["status"] == "completed" and job["job_type"]
    assert job["results"][0] == {
        "id": open_ids[0],
        "action": "update",
        "success": True,
        "status": "Updated",
    }
    assert job["results"][1] == {
        "id": closed,
        "action": "update",
        "success": False,
        "status": "Failed",
        "error": "TicketUpdateFailed",
        "details": CLOSED,
    }
    assert job["results"][2]["success"] is True
    assert job["results"][3]["error"] == "RecordNotFound"
    assert account.exported_ticket(open_ids[0])["status"] == "solved"
    assert account.comments(open_ids[1])[-1]["body"] == "bulk note"


def test_update_many_with_ids_applies_one_change_to_each(account, api) -> None:
    ids = with_status(account, "open", "pending")[:3]
    response = api.put(
        "/api/v2/tickets/update_many.json",
        params={"ids": ",".join(map(str, ids))},
        json={"ticket": {"priority": "urgent"}},
    )
    job = api.wait_for_job(response.json()["job_status"]["id"])
    assert [r["id"] for r in job["results"]] == ids
    assert {account.exported_ticket(i)["priority"] for i in ids} == {"urgent"}
    too_many = ",".join(str(i) for i in range(1, 102))
    refused = api.put(
        "/api/v2/tickets/update_many.json",
        params={"ids": too_many},
        json={"ticket": {"priority": "low"}},
    )
    assert refused.status_code == 400


def test_deleting_tickets(account, api) -> None:
    first, second, third = with_status(account, "open", "pending", "solved", "closed")[:3]
    assert api.delete(f"/api/v2/tickets/{first}.json").status_code == 204
    assert api.get(f"/api/v2/tickets/{first}.json").status_code == 404
    assert account.exported_ticket(first)["status"] == "deleted"
    assert api.delete(f"/api/v2/tickets/{first}.json").status_code == 404
    response = api.delete(
        "/api/v2/tickets/destroy_many.json", params={"ids": f"{second},{third},{first}"}
    )
    job = api.wait_for_job(response.json()["job_status"]["id"])
    assert [r["success"] for r in job["results"]] == [True, True, False]
    assert job["results"][0]["status"] == "Deleted"
    assert account.exported_ticket(third)["status"] == "deleted"


def test_agents_may_update_but_not_delete(account, api, make_api) -> None:
    import requests

    from zendesk_sandbox import Credentials

    ticket_id = with_status(account, "open", "pending")[0]
    with requests.Session() as session:
        session.auth = Credentials().agent_basic
        agent = Api(account, session)
        updated = agent.put(
            f"/api/v2/tickets/{ticket_id}.json", json={"ticket": {"comment": "agent note"}}
        )
        assert updated.status_code == 200
        assert account.comments(ticket_id)[-1]["author_id"] == account.directory.people.api_agent_id
        assert agent.delete(f"/api/v2/tickets/{ticket_id}.json").status_code == 403


def test_an_admin_creates_a_ticket_field(account, api) -> None:
    response = api.post(
        "/api/v2/ticket_fields.json",
        json={
            "ticket_field": {
                "type": "tagger",
                "title": "Original plan",
                "custom_field_options": [
                    {"name": "Old", "value": "old_plan"},
                    {"name": "New", "value": "new_plan"},
                ],
            }
        },
    )
    assert response.status_code == 201, response.text
    field = response.json()["ticket_field"]
    assert field["id"] not in {1} and field["removable"] is True
    assert [o["value"] for o in field["custom_field_options"]] == ["old_plan", "new_plan"]
    listed = api.get(f"/api/v2/ticket_fields/{field['id']}.json").json()["ticket_field"]
    assert listed["title"] == "Original plan"
    old = account.exported_ticket(1)["custom_fields"]
    assert {"id": field["id"], "value": None} in old, "existing tickets show it empty"
    ticket_id = with_status(account, "open", "pending")[0]
    update = {"ticket": {"custom_fields": [{"id": field["id"], "value": "new_plan"}]}}
    assert api.put(f"/api/v2/tickets/{ticket_id}.json", json=update).status_code == 200
    values = {f["id"]: f["value"] for f in account.exported_ticket(ticket_id)["custom_fields"]}
    assert values[field["id"]] == "new_plan"


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "colour", "title": "X"},
        {"type": "text", "title": ""},
        {"type": "tagger", "title": "No options"},
        {
            "type": "multiselect",
            "title": "Twice",
            "custom_field_options": [{"name": "a", "value": "a"}, {"name": "b", "value": "a"}],
        },
    ],
)
def test_a_bad_ticket_field_is_record_invalid(api, spec) -> None:
    response = api.post("/api/v2/ticket_fields.json", json={"ticket_field": spec})
    assert response.status_code == 422 and response.json()["error"] == "RecordInvalid"
