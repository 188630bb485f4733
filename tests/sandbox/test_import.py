"""Bulk ticket import, job statuses, and reading imported tickets back."""

from __future__ import annotations

import time

import pytest

from tests.sandbox.helpers import IMPORT, Api, tickets_of
from zendesk_sandbox import Sandbox


def ticket(n: int, **fields: object) -> dict:
    return {
        "subject": f"Imported {n}",
        "description": f"Body of ticket {n}",
        "requester_id": 1000 + n,
        "external_id": f"import-{n}",
        "created_at": "2021-05-04T10:00:00Z",
        "updated_at": "2021-05-06T11:30:00Z",
        **fields,
    }


def test_import_queues_a_job_that_completes_with_new_ids(api: Api, sandbox: Sandbox) -> None:
    response = api.import_tickets([ticket(1), ticket(2)])
    assert response.status_code == 200
    job = response.json()["job_status"]
    # V3- and 32 hex digits, as Zendesk's job ids are since 2022 (was: 32 hex digits).
    assert job["id"].startswith("V3-") and len(job["id"]) == 35 and int(job["id"][3:], 16) >= 0
    assert job["url"] == f"{api.base}/api/v2/job_statuses/{job['id']}.json"
    assert {key: job[key] for key in ("status", "total", "progress", "message", "results")} == {
        "status": "queued",
        "total": 2,
        "progress": None,
        "message": None,
        "results": None,
    }
    assert job["job_type"]

    done = api.wait_for_job(job["id"])
    assert done["status"] == "completed"
    assert done["progress"] == 2
    assert done["message"].startswith("Completed at ")
    assert done["results"] == [{"index": 0, "id": 301}, {"index": 1, "id": 302}]


def test_job_goes_queued_then_working_then_completed(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(job_delay=0.4, rate_limits={}))
    job_id = api.import_tickets([ticket(1)]).json()["job_status"]["id"]
    seen = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        status = api.get(f"/api/v2/job_statuses/{job_id}").json()["job_status"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "completed":
            break
        time.sleep(0.02)
    assert seen == ["queued", "working", "completed"]


def test_each_ticket_is_validated_on_its_own(api: Api, sandbox: Sandbox) -> None:
    batch = [
        ticket(1),
        ticket(2, status="deleted"),
        "not an object",
        ticket(3, priority="critical", type="chore"),
        ticket(4, requester_id=-3),
        ticket(5, created_at="last tuesday"),
        {"tags": ["no subject"]},
        ticket(6, status="closed", comments=[{"value": "hi", "public": False}]),
    ]
    job_id = api.import_tickets(batch).json()["job_status"]["id"]
    results = api.wait_for_job(job_id)["results"]
    assert [r["index"] for r in results] == list(range(8))
    assert results[0] == {"index": 0, "id": 301}
    assert results[7] == {"index": 7, "id": 302}
    failures = {r["index"]: r for r in results if r.get("success") is False}
    assert set(failures) == {1, 2, 3, 4, 5, 6}
    assert all(r["error"] == "RecordInvalid" for r in failures.values())
    assert failures[1]["details"] == "Status: deleted is not valid"
    assert "object" in failures[2]["details"]
    assert "Priority: critical" in failures[3]["details"]
    assert "Type: chore" in failures[3]["details"]
    assert "Requester" in failures[4]["details"]
    assert "Created at" in failures[5]["details"]
    assert "subject" in failures[6]["details"]
    assert [t["id"] for t in sandbox.imported_tickets()] == [301, 302]


def test_a_job_where_every_ticket_fails_is_failed(api: Api) -> None:
    job_id = api.import_tickets([ticket(1, status="deleted"), 5]).json()["job_status"]["id"]
    job = api.wait_for_job(job_id)
    assert job["status"] == "failed"
    assert all(result["success"] is False for result in job["results"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"ticket": {"subject": "x"}}', "tickets"),
        (b'{"tickets": {"subject": "x"}}', "tickets"),
        (b'{"tickets": []}', "empty"),
        (b"[1, 2]", "tickets"),
    ],
)
def test_bad_batches_are_a_400(api: Api, sandbox: Sandbox, body: bytes, expected: str) -> None:
    response = api.post(IMPORT, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidValue"
    assert expected in response.json()["description"]
    assert sandbox.jobs() == []


def test_more_than_100_tickets_is_a_400(api: Api, sandbox: Sandbox) -> None:
    response = api.import_tickets([ticket(n) for n in range(101)])
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidValue"
    assert "at most 100" in response.json()["description"]
    assert api.import_tickets([ticket(n) for n in range(100)]).status_code == 200


def test_too_many_jobs_is_a_429_with_retry_after(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(job_delay=0.6, max_jobs=2, rate_limits={})
    api = make_api(sandbox)
    first = api.import_tickets([ticket(1)])
    second = api.import_tickets([ticket(2)])
    assert first.headers["zendesk-ratelimit-inflight-jobs"].startswith("total=2; remaining=1;")
    assert second.headers["zendesk-ratelimit-inflight-jobs"].startswith("total=2; remaining=0;")
    refused = api.import_tickets([ticket(3)])
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "TooManyJobs"
    assert body["description"] == (
        "Too many jobs are currently queued or running. Try again later."
    )
    assert sorted(body["current_job_ids"]) == sorted(
        r.json()["job_status"]["id"] for r in (first, second)
    )
    wait = float(refused.headers["Retry-After"])
    assert wait == 1  # whole seconds, rounded up (was 0.6 at most, in milliseconds)
    assert len(sandbox.import_requests()) == 2
    time.sleep(wait + 0.02)
    assert api.import_tickets([ticket(3)]).status_code == 200


def test_retry_after_for_too_many_jobs_is_whole_seconds_for_long_jobs(
    make_sandbox, make_api
) -> None:
    api = make_api(make_sandbox(job_delay=30, max_jobs=1, rate_limits={}))
    assert api.import_tickets([ticket(1)]).status_code == 200
    refused = api.import_tickets([ticket(2)])
    assert refused.status_code == 429 and refused.headers["Retry-After"] in ("29", "30")


def test_show_many_and_list_of_jobs(api: Api) -> None:
    ids = [api.import_tickets([ticket(n)]).json()["job_status"]["id"] for n in range(3)]
    for job_id in ids:
        api.wait_for_job(job_id)
    many = api.get("/api/v2/job_statuses/show_many.json", params={"ids": f"{ids[0]},nope,{ids[2]}"})
    assert [job["id"] for job in many.json()["job_statuses"]] == [ids[0], ids[2]]
    bare = api.get("/api/v2/job_statuses/show_many", params={"ids": ids[1]})
    assert [job["id"] for job in bare.json()["job_statuses"]] == [ids[1]]
    listed = api.get("/api/v2/job_statuses.json").json()["job_statuses"]
    assert [job["id"] for job in listed] == list(reversed(ids))
    assert api.get("/api/v2/job_statuses").json()["job_statuses"] == listed


def test_the_job_list_pages_with_cursors_100_at_a_time(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=0, job_delay=5, max_jobs=0, rate_limits={})
    api = make_api(sandbox)
    ids = [api.import_tickets([ticket(n)]).json()["job_status"]["id"] for n in range(130)]
    sandbox.account.advance_clock(6)  # all 130 done, completed in creation order
    first = api.get("/api/v2/job_statuses.json").json()
    assert [job["id"] for job in first["job_statuses"]] == list(reversed(ids))[:100]
    assert first["meta"]["has_more"] is True
    assert first["links"]["next"].startswith(f"{api.base}/api/v2/job_statuses.json?")
    second = api.session.get(first["links"]["next"]).json()
    assert [job["id"] for job in second["job_statuses"]] == list(reversed(ids))[100:]
    # The last page links to a next one too, as on Zendesk (was: null): has_more says last.
    assert second["meta"]["has_more"] is False and second["links"]["next"]
    by_cursor = api.get(
        "/api/v2/job_statuses",
        params={"page[size]": 20, "page[after]": first["meta"]["after_cursor"]},
    ).json()
    assert [job["id"] for job in by_cursor["job_statuses"]] == list(reversed(ids))[100:120]
    back = api.get(
        "/api/v2/job_statuses",
        params={"page[size]": 5, "page[before]": second["meta"]["before_cursor"]},
    ).json()
    assert [job["id"] for job in back["job_statuses"]] == list(reversed(ids))[95:100]
    big = api.get("/api/v2/job_statuses", params={"page[size]": 500}).json()
    assert len(big["job_statuses"]) == 100  # at most 100 a page


def test_jobs_still_running_come_after_every_finished_job(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(tickets=0, job_delay=5, max_jobs=0, rate_limits={})
    api = make_api(sandbox)
    done = [api.import_tickets([ticket(n)]).json()["job_status"]["id"] for n in range(3)]
    sandbox.account.advance_clock(6)
    running = [api.import_tickets([ticket(n)]).json()["job_status"]["id"] for n in range(3, 5)]
    listed = api.get("/api/v2/job_statuses", params={"page[size]": 2}).json()
    pages = [listed["job_statuses"]]
    while listed["meta"]["has_more"]:
        listed = api.session.get(listed["links"]["next"]).json()
        pages.append(listed["job_statuses"])
    order = [job["id"] for page in pages for job in page]
    assert order == [*reversed(done), *reversed(running)]
    statuses = [job["status"] for page in pages for job in page]
    assert statuses == ["completed"] * 3 + ["queued"] * 2
    assert sandbox.jobs() == [job for page in pages for job in page]


@pytest.mark.parametrize("params", [{"page[after]": "nonsense"}, {"page[size]": "ten"}])
def test_a_bad_job_list_page_is_invalid_value(api: Api, params: dict) -> None:
    response = api.get("/api/v2/job_statuses.json", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidValue"


def test_unknown_job_is_record_not_found(api: Api) -> None:
    response = api.get("/api/v2/job_statuses/0123456789abcdef0123456789abcdef.json")
    assert response.status_code == 404
    assert response.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_imported_ticket_keeps_its_history_and_ignores_read_only_fields(
    api: Api, sandbox: Sandbox
) -> None:
    sent = ticket(
        1,
        id=99999,
        url="https://elsewhere.zendesk.com/api/v2/tickets/99999.json",
        generated_timestamp=1,
        status="solved",
        solved_at="2021-05-06T11:00:00+00:00",
        custom_fields=[{"id": 1, "value": 2.5}, {"id": 2, "value": ["a", "b"]}],
        tags=["migrated"],
    )
    job_id = api.import_tickets([sent]).json()["job_status"]["id"]
    new_id = api.wait_for_job(job_id)["results"][0]["id"]
    stored = sandbox.imported_tickets()[0]
    assert stored["id"] == new_id == 301
    assert stored["url"] == f"{api.base}/api/v2/tickets/301.json"
    assert stored["created_at"] == "2021-05-04T10:00:00Z"
    assert stored["updated_at"] == "2021-05-06T11:30:00Z"
    assert stored["solved_at"] == "2021-05-06T11:00:00Z"
    assert abs(stored["generated_timestamp"] - sandbox.now()) < 5
    assert stored["custom_fields"] == stored["fields"] == sent["custom_fields"]
    assert stored["tags"] == ["migrated"] and stored["status"] == "solved"
    assert stored["archived"] is False
    assert sandbox.import_requests()[0]["tickets"] == [sent], "the raw batch is kept"


def test_times_before_1970_are_moved_up_to_1970(api: Api, sandbox: Sandbox) -> None:
    job_id = api.import_tickets([ticket(1, created_at="1965-03-01T00:00:00Z")]).json()
    api.wait_for_job(job_id["job_status"]["id"])
    assert sandbox.imported_tickets()[0]["created_at"] == "1970-01-01T00:00:00Z"


def test_imported_tickets_can_be_read_back(api: Api, sandbox: Sandbox) -> None:
    resume = api.export_all(start_time=0)[-1]["after_cursor"]
    batch = [ticket(1), ticket(2, status="closed"), ticket(3, status="closed")]
    job_id = api.import_tickets(batch, archive_immediately="true").json()["job_status"]["id"]
    assert [r["id"] for r in api.wait_for_job(job_id)["results"]] == [301, 302, 303]
    assert sandbox.import_requests()[0]["archive_immediately"] is True
    assert sandbox.import_requests()[0]["query"] == {"archive_immediately": "true"}

    shown = api.get("/api/v2/tickets/302.json")
    assert shown.status_code == 200 and shown.json()["ticket"]["external_id"] == "import-2"
    assert api.get("/api/v2/tickets/301").json()["ticket"]["subject"] == "Imported 1"

    found = api.get("/api/v2/tickets.json", params={"external_id": "import-1"}).json()
    assert [t["id"] for t in found["tickets"]] == [301] and found["count"] == 1
    archived = api.get("/api/v2/tickets", params={"external_id": "import-2"}).json()
    assert archived["tickets"] == [] and archived["count"] == 0
    assert [t["archived"] for t in sandbox.imported_tickets()] == [False, True, True]

    assert api.export(cursor=resume).json()["tickets"] == [], "inside the exclusion window"
    sandbox.advance_clock(61)
    exported = tickets_of(api.export_all(cursor=resume))
    assert [t["id"] for t in exported] == [301, 302, 303], "archived tickets stay exported"
    assert "archived" not in exported[0]


def test_generated_tickets_are_found_by_external_id(api: Api, sandbox: Sandbox) -> None:
    target = next(
        sandbox.exported_ticket(i)
        for i in range(1, 301)
        if sandbox.exported_ticket(i)["external_id"]
        and sandbox.exported_ticket(i)["status"] != "deleted"
    )
    found = api.get("/api/v2/tickets.json", params={"external_id": target["external_id"]})
    assert [t["id"] for t in found.json()["tickets"]] == [target["id"]]
    sandbox.update_tickets([target["id"]], {"external_id": "moved"})
    gone = api.get("/api/v2/tickets.json", params={"external_id": target["external_id"]})
    assert gone.json()["count"] == 0
    moved = api.get("/api/v2/tickets.json", params={"external_id": "moved"})
    assert [t["id"] for t in moved.json()["tickets"]] == [target["id"]]


def test_ticket_list_pages_and_hides_deleted(api: Api, sandbox: Sandbox) -> None:
    first = api.get("/api/v2/tickets.json", params={"per_page": 100}).json()
    deleted = sum(sandbox.exported_ticket(i)["status"] == "deleted" for i in range(1, 301))
    assert first["count"] == 300 - deleted
    assert len(first["tickets"]) == 100 and first["previous_page"] is None
    second = api.session.get(first["next_page"]).json()
    assert second["tickets"][0]["id"] > first["tickets"][-1]["id"]
    assert all(t["status"] != "deleted" for t in first["tickets"] + second["tickets"])


def test_missing_and_deleted_tickets_are_not_found(api: Api, sandbox: Sandbox) -> None:
    assert api.get("/api/v2/tickets/999999.json").json()["error"] == "RecordNotFound"
    sandbox.delete_tickets([3])
    assert api.get("/api/v2/tickets/3.json").status_code == 404
    assert api.get("/api/v2/tickets/4.json").status_code == 200
