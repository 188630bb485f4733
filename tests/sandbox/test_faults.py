"""Scripted faults: every kind, queue order, counts, and the ``after`` flag on imports."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.sandbox.helpers import EXPORT, Api
from zendesk_sandbox import Sandbox
from zendesk_sandbox.http.faults import Fault


def test_429_on_export_is_the_json_rate_limit_answer(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("429", route="export", retry_after="0.05")
    refused = api.export(start_time=0)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "0.05"
    assert refused.json()["error"] == "APIRateLimitExceeded"
    assert api.export(start_time=0).status_code == 200, "one request only by default"


def test_429_elsewhere_is_plain_text_and_retry_after_is_optional(
    api: Api, sandbox: Sandbox
) -> None:
    sandbox.add_fault("429", route="import")
    refused = api.import_tickets([{"subject": "x"}])
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert refused.text == "Number of allowed API requests per minute exceeded"
    assert sandbox.jobs() == [], "the import did not happen"


def test_retry_after_is_sent_verbatim(api: Api, sandbox: Sandbox) -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    sandbox.add_fault("503", route="tickets", retry_after=date)
    response = api.get("/api/v2/tickets/1.json")
    assert response.status_code == 503 and response.headers["Retry-After"] == date


@pytest.mark.parametrize(
    ("kind", "content_type", "text"),
    [
        ("500", "application/json", "InternalServerError"),
        ("502", "text/html", "502 Bad Gateway"),
        ("503", "text/plain", "Service Unavailable"),
        ("504", "text/html", "504 Gateway Time-out"),
    ],
)
def test_server_errors(api: Api, sandbox: Sandbox, kind: str, content_type: str, text: str) -> None:
    sandbox.add_fault(kind)
    response = api.get("/api/v2/job_statuses.json")
    assert response.status_code == int(kind)
    assert response.headers["Content-Type"].startswith(content_type)
    assert text in response.text


def test_status_fault_answers_anything(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(
        "status", status=404, body="<h1>Help Center Closed</h1>", content_type="text/html"
    )
    sandbox.add_fault("status", route="export", status=409, body={"error": "Conflict"})
    closed = api.get("/api/v2/tickets/1.json")
    assert closed.status_code == 404 and closed.text == "<h1>Help Center Closed</h1>"
    assert closed.headers["Content-Type"] == "text/html"
    conflict = api.export(start_time=0)
    assert conflict.status_code == 409 and conflict.json() == {"error": "Conflict"}


def test_malformed_json(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("malformed_json", route="export")
    response = api.export(start_time=0)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_truncated_json_cuts_the_real_body(api: Api, sandbox: Sandbox) -> None:
    whole = api.export(start_time=0, per_page=20).content
    sandbox.add_fault("truncated_json", route="export")
    cut = api.export(start_time=0, per_page=20)
    assert cut.status_code == 200
    assert int(cut.headers["Content-Length"]) == len(cut.content) == len(whole) // 2
    assert whole.startswith(cut.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


def test_reset_drops_the_connection_quietly(
    api: Api, sandbox: Sandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    sandbox.add_fault("reset", route="export")
    with pytest.raises(requests.ConnectionError):
        api.export(start_time=0)
    assert api.export(start_time=0).status_code == 200, "the server carries on"
    assert sandbox.request_log()[0]["fault"] == "reset"
    assert sandbox.request_log()[0]["status"] is None
    assert "Traceback" not in capfd.readouterr().err


def test_slow_answers_late(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("slow", route="export", delay=1.0)
    with pytest.raises(requests.ReadTimeout):
        api.get(EXPORT, params={"start_time": 0}, timeout=0.15)
    sandbox.add_fault("slow", route="export", delay=0.1)
    started = time.monotonic()
    response = api.export(start_time=0, per_page=1)
    assert response.status_code == 200 and len(response.json()["tickets"]) == 1
    assert time.monotonic() - started >= 0.1


@pytest.mark.parametrize("kind", ["500", "502", "504", "reset"])
def test_after_faults_import_the_batch_anyway(api: Api, sandbox: Sandbox, kind: str) -> None:
    sandbox.add_fault(kind, route="import", after=True)
    try:
        response = api.import_tickets([{"subject": "lost reply", "external_id": "ext-1"}])
        assert response.status_code == int(kind)
    except requests.ConnectionError:
        assert kind == "reset"
    assert len(sandbox.import_requests()) == 1
    [job] = sandbox.jobs()
    api.wait_for_job(job["id"])
    found = api.get("/api/v2/tickets.json", params={"external_id": "ext-1"}).json()
    assert found["count"] == 1, "the client can look its batch up by external_id"


def test_slow_after_import_times_out_but_imports(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("slow", route="import", delay=1.0, after=True)
    with pytest.raises(requests.ReadTimeout):
        api.post(
            "/api/v2/imports/tickets/create_many.json",
            json={"tickets": [{"subject": "x"}]},
            timeout=0.2,
        )
    assert len(sandbox.jobs()) == 1


def test_slow_import_creates_its_job_only_after_the_delay(api: Api, sandbox: Sandbox) -> None:
    """What a client that gave up cannot see: Zendesk creating the job after all, later."""
    sandbox.add_fault("slow", route="import", delay=1.0)
    with pytest.raises(requests.ReadTimeout):
        api.post(
            "/api/v2/imports/tickets/create_many.json",
            json={"tickets": [{"subject": "late"}]},
            timeout=0.1,
        )
    assert sandbox.jobs() == [], "no job yet when the client gives up"
    deadline = time.monotonic() + 10
    while not any(entry["fault"] == "slow" for entry in sandbox.request_log()):
        assert time.monotonic() < deadline, "the slow request was never answered"
        time.sleep(0.02)
    assert len(sandbox.jobs()) == 1, "the import was done after the delay"


def test_faults_wait_for_their_route_in_fifo_order(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("500", route="import")
    sandbox.add_fault("502", route="export", count=2)
    sandbox.add_fault("503", route="any")
    assert api.get("/api/v2/tickets/1.json").status_code == 503, "'any' matched first"
    assert [api.export(start_time=0).status_code for _ in range(3)] == [502, 502, 200]
    assert [f["kind"] for f in sandbox.pending_faults()] == ["500"]
    assert api.import_tickets([{"subject": "x"}]).status_code == 500
    assert sandbox.pending_faults() == []


def test_faulted_requests_do_not_use_the_rate_limit(make_sandbox, make_api) -> None:
    sandbox = make_sandbox(rate_limits={"account": (2, 60)})
    api = make_api(sandbox)
    sandbox.add_fault("500", count=3)
    assert [api.get("/api/v2/tickets/1.json").status_code for _ in range(3)] == [500] * 3
    ok = api.get("/api/v2/tickets/1.json")
    assert ok.status_code == 200 and ok.headers["X-Rate-Limit-Remaining"] == "1"


def test_bad_credentials_do_not_use_up_a_fault(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("500")
    assert requests.get(sandbox.base_url + EXPORT, params={"start_time": 0}).status_code == 401
    assert len(sandbox.pending_faults()) == 1


def test_clear_faults(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault("500", count=5)
    sandbox.clear_faults()
    assert api.get("/api/v2/tickets/1.json").status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "418"},
        {"kind": "500", "route": "accounts"},
        {"kind": "500", "count": 0},
        {"kind": "status"},
        {"kind": "429", "after": True},
        {"kind": "slow", "delay": -1},
        {"kind": "500", "colour": "red"},
        {"route": "export"},
    ],
)
def test_invalid_faults_are_refused(spec: dict) -> None:
    with pytest.raises((ValueError, TypeError)):
        Fault.from_dict(spec)
