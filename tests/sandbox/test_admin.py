"""The ``/_sandbox/`` admin API over HTTP (no auth), mirroring the in-process methods."""

from __future__ import annotations

import requests

from tests.sandbox.helpers import Api, tickets_of
from zendesk_sandbox import Sandbox


def admin(sandbox: Sandbox, method: str, path: str, body: object = None) -> requests.Response:
    return requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=body)


def test_faults_can_be_queued_listed_and_cleared(api: Api, sandbox: Sandbox) -> None:
    added = admin(sandbox, "POST", "faults", {"kind": "503", "route": "export", "retry_after": "1"})
    assert added.status_code == 200
    assert added.json()["faults"][0]["kind"] == "503"
    admin(sandbox, "POST", "faults", [{"kind": "500"}, {"kind": "reset", "count": 2}])
    listed = admin(sandbox, "GET", "faults").json()["faults"]
    assert [(f["kind"], f["count"]) for f in listed] == [("503", 1), ("500", 1), ("reset", 2)]
    assert api.export(start_time=0).status_code == 503
    assert admin(sandbox, "DELETE", "faults").json() == {"faults": []}
    assert api.export(start_time=0).status_code == 200


def test_an_invalid_fault_in_a_list_adds_none(sandbox: Sandbox) -> None:
    response = admin(sandbox, "POST", "faults", [{"kind": "500"}, {"kind": "nope"}])
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest" and "nope" in response.json()["description"]
    assert sandbox.pending_faults() == []


def test_ticket_changes_show_up_in_the_export_after_the_window(api: Api, sandbox: Sandbox) -> None:
    resume = api.export_all(start_time=0)[-1]["after_cursor"]
    updated = admin(
        sandbox, "POST", "tickets/update", {"ids": [1, 2], "changes": {"priority": "urgent"}}
    )
    assert updated.json() == {"ids": [1, 2]}
    assert admin(sandbox, "POST", "tickets/delete", {"ids": [3]}).json() == {"ids": [3]}
    added = admin(sandbox, "POST", "tickets/add", {"count": 2}).json()["ids"]
    assert added == [301, 302]
    now = admin(sandbox, "GET", "clock").json()["now"]
    later = admin(sandbox, "POST", "clock", {"advance": 61}).json()["now"]
    assert 61 <= later - now < 65
    tickets = {t["id"]: t for t in tickets_of(api.export_all(cursor=resume))}
    assert set(tickets) == {1, 2, 3, 301, 302}
    assert tickets[1]["priority"] == tickets[2]["priority"] == "urgent"
    assert tickets[3]["status"] == "deleted"
    shown = admin(sandbox, "GET", "tickets/1").json()["ticket"]
    assert shown == tickets[1]


def test_explicit_timestamps_in_changes_win(sandbox: Sandbox) -> None:
    sandbox.update_tickets([7, 8], {"generated_timestamp": 1_700_000_000})
    assert sandbox.exported_ticket(7)["generated_timestamp"] == 1_700_000_000
    position = sandbox.visible_ticket_ids()
    assert position.index(7) + 1 == position.index(8), "same second, ordered by id"


def test_bad_ticket_requests(sandbox: Sandbox) -> None:
    before = sandbox.exported_ticket(1)
    unknown = admin(sandbox, "POST", "tickets/update", {"ids": [1, 99999]})
    assert unknown.status_code == 404 and "99999" in unknown.json()["description"]
    assert sandbox.exported_ticket(1) == before, "nothing changed"
    assert admin(sandbox, "POST", "tickets/delete", {"ids": "1"}).status_code == 400
    assert admin(sandbox, "POST", "tickets/add", {"count": "3"}).status_code == 400
    bad_change = admin(sandbox, "POST", "tickets/update", {"ids": [1], "changes": {"id": 5}})
    assert bad_change.status_code == 400
    not_json = requests.post(f"{sandbox.base_url}/_sandbox/clock", data=b"{oops")
    assert not_json.status_code == 400
    assert admin(sandbox, "GET", "tickets/4242").status_code == 404
    assert admin(sandbox, "GET", "nothing").status_code == 404


def test_imports_jobs_and_imported_tickets(api: Api, sandbox: Sandbox) -> None:
    job_id = api.import_tickets([{"subject": "A", "status": "closed"}], archive_immediately="true")
    job_id = job_id.json()["job_status"]["id"]
    api.wait_for_job(job_id)
    imports = admin(sandbox, "GET", "imports").json()["imports"]
    assert imports[0]["tickets"] == [{"subject": "A", "status": "closed"}]
    assert imports[0]["job_id"] == job_id
    jobs = admin(sandbox, "GET", "jobs").json()["jobs"]
    assert [job["status"] for job in jobs] == ["completed"]
    imported = admin(sandbox, "GET", "imported").json()["tickets"]
    assert imported[0]["subject"] == "A" and imported[0]["archived"] is True
    assert imported == sandbox.imported_tickets()


def test_request_log_lists_api_requests_only(api: Api, sandbox: Sandbox) -> None:
    api.export(start_time=0, per_page=2)
    api.get("/api/v2/nowhere")
    admin(sandbox, "GET", "stats")
    log = admin(sandbox, "GET", "requests").json()["requests"]
    assert [(e["method"], e["path"], e["status"], e["route"]) for e in log] == [
        ("GET", "/api/v2/incremental/tickets/cursor.json", 200, "export"),
        ("GET", "/api/v2/nowhere", 404, None),
    ]
    assert log[0]["query"] == {"start_time": "0", "per_page": "2", "support_type_scope": "all"}
    assert log[0]["auth"] == "basic" and isinstance(log[0]["time"], float)
    assert admin(sandbox, "DELETE", "requests").json() == {"requests": []}
    assert sandbox.request_log() == []


def test_config_can_be_read_and_changed(api: Api, sandbox: Sandbox) -> None:
    settings = admin(sandbox, "GET", "config").json()
    assert settings == {
        "tickets": 300,
        "seed": 1,
        "job_delay": 0.05,
        "exclusion_window": 60.0,
        "rate_limits": {},
        "max_jobs": 30,
        "page_limit": 1000,
        "people": False,
        "account": 0,
        "universe": 0,
        "overlap": 0.8,
        "search_delay": 60.0,
        "state_dir": None,
        "access_token_lifetime": 1800.0,
        "refresh_token_lifetime": 2_592_000.0,
        # Added by issue 23: the token bounds and the switches, at their defaults.
        "access_token_lifetime_range": [300.0, 172_800.0],
        "refresh_token_lifetime_range": [604_800.0, 7_776_000.0],
        "rate_limit_headers": True,
        "too_many_jobs_retry_after": True,
        "job_types": True,
        "job_queue_time": 0.0,
        "failing_job_lookups": False,
        "foreign_jobs": 0,
        "foreign_job_time": 3.0,
    }
    changed = admin(
        sandbox,
        "POST",
        "config",
        {
            "job_delay": 0.01,
            "rate_limits": {"incremental-exports": [1, 0.5], "account": {"limit": 50, "window": 1}},
            "exclusion_window": 0,
            "max_jobs": 3,
        },
    ).json()
    assert changed["rate_limits"] == {"incremental-exports": [1, 0.5], "account": [50, 1.0]}
    assert changed["job_delay"] == 0.01 and changed["max_jobs"] == 3
    assert changed["exclusion_window"] == 0
    assert api.export(start_time=0, per_page=1).status_code == 200
    assert api.export(start_time=0, per_page=1).status_code == 429
    off = admin(sandbox, "POST", "config", {"rate_limits": {"incremental-exports": None}})
    assert off.json()["rate_limits"] == {"account": [50, 1.0]}
    assert admin(sandbox, "POST", "config", {"job_delay": -1}).status_code == 400
    assert admin(sandbox, "POST", "config", {"colour": "red"}).status_code == 400
    shown = repr(admin(sandbox, "GET", "config").json())
    credentials = sandbox.config.credentials
    for secret in (
        credentials.admin_token,
        credentials.oauth_token,
        credentials.agent_token,
        credentials.readonly_oauth_token,
        credentials.oauth_client_secret,
    ):
        assert secret not in shown


def test_stats_count_things(api: Api, sandbox: Sandbox) -> None:
    api.export(start_time=0, per_page=1)
    sandbox.add_fault("500")
    stats = admin(sandbox, "GET", "stats").json()
    assert stats["tickets"] == 300
    assert 0 < stats["deleted"] < 30
    assert stats["requests"] == 1 and stats["faults_pending"] == 1
    assert stats["imported"] == stats["jobs"] == 0
