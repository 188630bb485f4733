"""The switches for variations real accounts show (docs/sandbox.md, "Switches")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from zendesk_sandbox import Credentials

RATE_LIMIT_PREFIXES = ("x-rate-limit", "ratelimit-", "zendesk-ratelimit-")


def ticket(n: int) -> dict:
    return {"subject": f"Ticket {n}", "description": "x", "requester_id": 1}


def rate_limit_headers(response: requests.Response) -> list[str]:
    return [name for name in response.headers if name.lower().startswith(RATE_LIMIT_PREFIXES)]


def test_no_rate_limit_headers_at_all(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=10, rate_limit_headers=False, max_jobs=1)
    api = make_api(sandbox)
    exported = api.export(start_time=0)
    imported = api.import_tickets([ticket(1)])
    assert exported.ok and imported.ok
    assert rate_limit_headers(exported) == rate_limit_headers(imported) == []
    too_many = api.import_tickets([ticket(2)])
    assert too_many.status_code == 429 and rate_limit_headers(too_many) == []
    assert too_many.headers["Retry-After"]  # a 429 still says when to come back
    sandbox.configure(rate_limit_headers=True)
    assert "zendesk-ratelimit-incremental-exports" in api.export(start_time=0).headers


def test_too_many_jobs_without_retry_after(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(tickets=0, max_jobs=1, too_many_jobs_retry_after=False))
    first = api.import_tickets([ticket(1)]).json()["job_status"]["id"]
    refused = api.import_tickets([ticket(2)])
    assert refused.status_code == 429
    assert refused.json()["current_job_ids"] == [first]
    assert "Retry-After" not in refused.headers


def test_job_types_can_be_left_out_as_in_2023(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(tickets=0, job_types=False))
    job = api.import_tickets([ticket(1)]).json()["job_status"]
    assert "job_type" not in job
    assert all(
        "job_type" not in listed
        for listed in api.get("/api/v2/job_statuses").json()["job_statuses"]
    )


def test_jobs_can_stay_queued_for_a_while(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=0, job_delay=2.0, job_queue_time=30)
    api = make_api(sandbox)
    job_id = api.import_tickets([ticket(1)]).json()["job_status"]["id"]

    def status() -> str:
        return api.get(f"/api/v2/job_statuses/{job_id}").json()["job_status"]["status"]

    sandbox.advance_clock(30.5)  # queued for 30 s and half of its 2 s
    assert status() == "queued"
    sandbox.advance_clock(1.0)
    assert status() == "working"
    sandbox.advance_clock(1.0)
    assert status() == "completed"


def test_failing_job_lookups_leave_only_the_job_list(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=0, failing_job_lookups=True)
    api = make_api(sandbox)
    job_id = api.import_tickets([ticket(1)]).json()["job_status"]["id"]
    single = api.get(f"/api/v2/job_statuses/{job_id}.json")
    assert single.status_code == 404 and single.json()["error"] == "RecordNotFound"
    many = api.get("/api/v2/job_statuses/show_many.json", params={"ids": job_id})
    assert many.status_code == 200 and many.json() == {"job_statuses": []}
    listed = api.get("/api/v2/job_statuses.json").json()["job_statuses"]
    assert [job["id"] for job in listed] == [job_id]


def test_foreign_jobs_hold_slots_then_end_one_after_another(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=0, max_jobs=2, foreign_jobs=2, foreign_job_time=4)
    api = make_api(sandbox)
    refused = api.import_tickets([ticket(1)])
    assert refused.status_code == 429 and len(refused.json()["current_job_ids"]) == 2
    listed = api.get("/api/v2/job_statuses.json").json()["job_statuses"]
    assert {job["job_type"] for job in listed} == {"Bulk Create User"}
    sandbox.advance_clock(2.1)  # the first is done, the second still holds its slot
    assert api.import_tickets([ticket(1)]).status_code == 200
    assert api.import_tickets([ticket(2)]).status_code == 429
    url = f"{sandbox.base_url}/_sandbox/jobs/foreign"
    full = requests.post(url, json={"count": 3, "seconds": 1}, timeout=5)
    assert full.json()["ids"] == []  # like any client's, they get only free slots
    sandbox.advance_clock(10)
    more = requests.post(url, json={"count": 3, "seconds": 1}, timeout=5)
    assert len(more.json()["ids"]) == 2  # max_jobs
    assert len(sandbox.imported_tickets()) == 1  # ours: other clients' jobs change no ticket


def test_the_switches_are_settable_through_the_admin_api(make_sandbox) -> None:
    sandbox = make_sandbox(tickets=0)
    changes = {
        "rate_limit_headers": False,
        "too_many_jobs_retry_after": False,
        "job_types": False,
        "job_queue_time": 2.5,
        "failing_job_lookups": True,
    }
    settings = requests.post(f"{sandbox.base_url}/_sandbox/config", json=changes, timeout=5)
    assert {name: settings.json()[name] for name in changes} == changes
    bad = requests.post(f"{sandbox.base_url}/_sandbox/config", json={"job_types": "no"}, timeout=5)
    assert bad.status_code == 400


def test_the_cli_takes_the_switches() -> None:
    command = [
        str(Path(sys.executable).parent / "zendesk-sandbox"),
        *("--tickets", "0", "--max-jobs", "2", "--no-rate-limit-headers"),
        *("--no-too-many-jobs-retry-after", "--no-job-types", "--job-queue-time", "1"),
        *("--failing-job-lookups", "--foreign-jobs", "2", "--foreign-job-time", "30"),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            url = process.stdout.readline().strip()
            settings = requests.get(f"{url}/_sandbox/config", timeout=5).json()
            assert settings["rate_limit_headers"] is False
            assert settings["too_many_jobs_retry_after"] is False
            assert settings["job_types"] is False
            assert settings["job_queue_time"] == 1.0
            assert settings["failing_job_lookups"] is True
            refused = requests.post(
                f"{url}/api/v2/imports/tickets/create_many.json",
                json={"tickets": [ticket(1)]},
                auth=Credentials().admin_basic,
                timeout=5,
            )
            assert refused.status_code == 429 and "Retry-After" not in refused.headers
        finally:
            process.terminate()
            process.wait(timeout=10)
