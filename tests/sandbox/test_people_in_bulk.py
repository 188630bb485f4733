"""People and organizations in bulk: counts, Create User, and bulk user imports that Zendesk
allows only once its support has enabled them."""

from __future__ import annotations

import time


def wait_for(api, job_id: str) -> dict:
    for _ in range(200):
        job = api.get(f"/api/v2/job_statuses/{job_id}.json").json()["job_status"]
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def test_counts_of_users_and_organizations(make_account, make_api):
    account = make_account(tickets=20)
    api = make_api(account)
    users = api.get("/api/v2/users/count.json").json()["count"]["value"]
    organizations = api.get("/api/v2/organizations/count.json").json()["count"]["value"]
    assert users == len(account.directory.people.users)
    assert organizations == len(account.directory.structure.organization_by_id)


def test_create_user_refuses_an_email_in_use(make_account, make_api):
    api = make_api(make_account(tickets=5))
    body = {"user": {"name": "Nova Quinn", "email": "nova.quinn@example.test"}}
    created = api.post("/api/v2/users.json", json=body)
    assert created.status_code == 201, created.text
    again = api.post("/api/v2/users.json", json=body)
    assert again.status_code == 422
    assert "is already being used by another user" in again.text


def test_bulk_user_imports_are_refused_until_enabled(make_account, make_api):
    api = make_api(make_account(tickets=5))
    answer = api.post(
        "/api/v2/users/create_or_update_many.json",
        json={"users": [{"name": "A", "email": "a@example.test"}]},
    )
    assert answer.status_code == 403
    assert "Bulk user imports are not enabled" in answer.text


def test_bulk_user_import_job_names_each_user(make_account, make_api):
    account = make_account(tickets=5, bulk_user_import=True)
    api = make_api(account)
    users = [
        {"name": "Ada One", "email": "ada.one@example.test"},
        {"name": "", "email": "broken@example.test"},  # no name: refused
    ]
    answer = api.post("/api/v2/users/create_or_update_many.json", json={"users": users})
    assert answer.status_code == 200, answer.text
    job = wait_for(api, answer.json()["job_status"]["id"])
    created, failed = job["results"]
    assert created["status"] == "Created" and created["email"] == "ada.one@example.test"
    assert account.directory.people.find_email("ada.one@example.test").id == created["id"]
    assert failed["status"] == "Failed" and failed["id"] == 1 and "error" in failed
    too_many = [{"name": f"U{i}", "email": f"u{i}@example.test"} for i in range(101)]
    refused = api.post("/api/v2/users/create_or_update_many.json", json={"users": too_many})
    assert refused.status_code == 400
    assert "TooManyValues" in refused.text


def test_create_or_update_allows_one_a_second(make_account, make_api):
    from zendesk_sandbox.config import default_rate_limits

    api = make_api(make_account(tickets=5, rate_limits=default_rate_limits()))
    body = {"user": {"name": "Bo", "email": "bo@example.test"}}
    first = api.post("/api/v2/users/create_or_update.json", json=body)
    second = api.post("/api/v2/users/create_or_update.json", json=body)
    assert first.status_code in (200, 201)
    assert second.status_code == 429
    assert second.headers["Retry-After"]
