"""Custom statuses: an admin adds them, tickets refer to them, and Zendesk refuses a status
that is not the account's or not of the ticket's category."""

from __future__ import annotations

from tests.sandbox.helpers import Api
from tests.sandbox.test_strict_import import failure, valid


def statuses(api: Api) -> list[dict]:
    return api.get("/api/v2/custom_statuses.json").json()["custom_statuses"]


def test_an_empty_account_has_one_default_status_per_category(make_account, make_api) -> None:
    api = make_api(make_account(empty=True))
    listed = statuses(api)
    assert sorted(s["status_category"] for s in listed) == [
        "hold",
        "new",
        "open",
        "pending",
        "solved",
    ]
    assert all(s["default"] for s in listed)


def test_a_created_status_is_listed_and_a_taken_label_is_refused(make_account, make_api) -> None:
    api = make_api(make_account(empty=True))
    spec = {"status_category": "pending", "agent_label": "Waiting on vendor"}
    answer = api.post("/api/v2/custom_statuses.json", json={"custom_status": spec})
    assert answer.status_code == 201, answer.text
    made = answer.json()["custom_status"]
    assert made["agent_label"] == "Waiting on vendor" and made["default"] is False
    assert made["end_user_label"] == "Waiting on vendor", "end-user label defaults to agent's"
    assert made["id"] in [s["id"] for s in statuses(api)]
    again = api.post("/api/v2/custom_statuses.json", json={"custom_status": spec})
    assert again.status_code == 422
    [detail] = again.json()["details"]["agent_label"]
    assert detail["description"] == "Agent label: Waiting on vendor has already been taken"
    other = {"status_category": "archived", "agent_label": "Old"}
    refused = api.post("/api/v2/custom_statuses.json", json={"custom_status": other})
    assert refused.status_code == 422 and "status_category" in refused.json()["details"]


def test_a_ticket_keeps_a_status_of_its_category(make_account, make_api) -> None:
    account = make_account(tickets=200)
    api = make_api(account)
    pending = next(s for s in statuses(api) if s["status_category"] == "pending")
    [result] = api.imported_job_results(
        [valid(account, status="pending", custom_status_id=pending["id"])]
    )
    assert "id" in result, result
    stored = api.get(f"/api/v2/tickets/{result['id']}.json").json()["ticket"]
    assert stored["custom_status_id"] == pending["id"]


def test_an_unknown_or_mismatched_status_fails_the_ticket(make_account, make_api) -> None:
    account = make_account(tickets=200)
    api = make_api(account)
    assert failure(api, valid(account, custom_status_id=987654321)) == ("Custom status: is invalid")
    solved = next(s for s in statuses(api) if s["status_category"] == "solved")
    assert failure(api, valid(account, status="open", custom_status_id=solved["id"])) == (
        "Custom status: belongs to solved, not to the ticket's status open"
    )


def test_status_and_custom_status_change_together(make_account, make_api) -> None:
    account = make_account(tickets=200)
    api = make_api(account)
    by_label = {s["agent_label"]: s for s in statuses(api)}
    ticket_id = next(
        i
        for i in account.visible_ticket_ids(exclude_deleted=True)
        if account.exported_ticket(i)["status"] == "open"
    )

    def put(**changes: object) -> dict:
        answer = api.put(f"/api/v2/tickets/{ticket_id}.json", json={"ticket": changes})
        assert answer.status_code == 200, answer.text
        return answer.json()["ticket"]

    moved = put(custom_status_id=by_label["Waiting on vendor"]["id"])
    assert moved["status"] == "pending", "a custom status alone moves the ticket to its category"
    reopened = put(status="open")
    assert reopened["custom_status_id"] == by_label["Open"]["id"], "a status alone: its default"
    kept = put(status="open", priority="high")
    assert kept["custom_status_id"] == by_label["Open"]["id"]
