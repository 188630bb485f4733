"""Authentication and permissions, as Zendesk answers them."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.sandbox.helpers import EXPORT, IMPORT
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig

CREDS = Credentials()
FORBIDDEN_PAGE = {
    "error": {
        "title": "Forbidden",
        "message": (
            "You do not have access to this page. Please contact the account owner of this "
            "help desk for further help."
        ),
    }
}


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def export(sandbox: Sandbox, headers: dict[str, str]) -> requests.Response:
    return requests.get(
        sandbox.base_url + EXPORT, params={"start_time": 0, "per_page": 1}, headers=headers
    )


def test_credentials_are_readable_from_the_class() -> None:
    assert Credentials.admin_email == "admin@example.com"
    assert Credentials.admin_token == "sandbox-api-token"
    assert Credentials.oauth_token == "sandbox-oauth-token"
    assert Credentials.agent_email == "agent@example.com"
    assert Credentials.agent_token == "sandbox-agent-token"
    assert Credentials.readonly_oauth_token == "sandbox-readonly-oauth-token"
    assert CREDS.admin_basic == ("admin@example.com/token", "sandbox-api-token")


@pytest.mark.parametrize(
    "headers",
    [
        basic("admin@example.com/token", "sandbox-api-token"),
        basic("ADMIN@example.com/token", "sandbox-api-token"),
        bearer("sandbox-oauth-token"),
        bearer("sandbox-readonly-oauth-token"),
    ],
    ids=["api-token", "email-case", "oauth", "read-only-oauth"],
)
def test_admin_credentials_can_export(sandbox: Sandbox, headers: dict[str, str]) -> None:
    response = export(sandbox, headers)
    assert response.status_code == 200
    assert len(response.json()["tickets"]) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("admin@example.com/token", "wrong"),
        basic("admin@example.com", "sandbox-api-token"),
        basic("someone@example.com/token", "sandbox-api-token"),
        bearer("wrong"),
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Token sandbox-api-token"},
    ],
    ids=[
        "none",
        "wrong-token",
        "password-form",
        "unknown-user",
        "wrong-bearer",
        "garbled",
        "scheme",
    ],
)
def test_bad_credentials_are_a_401(sandbox: Sandbox, headers: dict[str, str]) -> None:
    response = export(sandbox, headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "Couldn't authenticate you"}


def test_credentials_in_the_query_do_not_count_and_are_not_logged(sandbox: Sandbox) -> None:
    response = requests.get(
        sandbox.base_url + EXPORT,
        params={"start_time": 0, "api_token": "sandbox-api-token", "email": "admin@example.com"},
    )
    assert response.status_code == 401
    assert sandbox.request_log()[0]["query"] == {
        "start_time": "0",
        "api_token": "[redacted]",
        "email": "admin@example.com",
    }


def test_agent_is_forbidden_to_export_and_import(sandbox: Sandbox) -> None:
    agent = basic("agent@example.com/token", "sandbox-agent-token")
    refused_export = export(sandbox, agent)
    assert refused_export.status_code == 403
    assert refused_export.json() == FORBIDDEN_PAGE
    refused_import = requests.post(
        sandbox.base_url + IMPORT, json={"tickets": [{"subject": "x"}]}, headers=agent
    )
    assert refused_import.status_code == 403
    assert refused_import.json() == FORBIDDEN_PAGE
    assert sandbox.jobs() == []


def test_agent_may_read_tickets_and_job_statuses(sandbox: Sandbox) -> None:
    admin = bearer("sandbox-oauth-token")
    job = requests.post(
        sandbox.base_url + IMPORT, json={"tickets": [{"subject": "x"}]}, headers=admin
    ).json()["job_status"]
    agent = basic("agent@example.com/token", "sandbox-agent-token")
    assert requests.get(job["url"], headers=agent).status_code == 200
    assert requests.get(sandbox.base_url + "/api/v2/tickets/1.json", headers=agent).ok


def test_read_only_oauth_token_cannot_import(sandbox: Sandbox) -> None:
    response = requests.post(
        sandbox.base_url + IMPORT,
        json={"tickets": [{"subject": "x"}]},
        headers=bearer("sandbox-readonly-oauth-token"),
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": "Forbidden",
        "description": "You are missing the following required scopes: write",
    }


def test_credentials_can_be_overridden(make_sandbox) -> None:
    custom = Credentials(admin_email="boss@corp.test", admin_token="t0k3n")
    sandbox = make_sandbox(credentials=custom)
    assert export(sandbox, basic("boss@corp.test/token", "t0k3n")).status_code == 200
    assert export(sandbox, basic("admin@example.com/token", "sandbox-api-token")).status_code == 401
    assert SandboxConfig().credentials == Credentials()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/users/me.json"),
        ("GET", "/api/v2/incremental/tickets.json"),
        ("POST", EXPORT),
        ("GET", IMPORT),
        ("GET", "/nothing-here"),
    ],
)
def test_unknown_endpoints_are_404_invalid_endpoint(
    sandbox: Sandbox, method: str, path: str
) -> None:
    response = requests.request(method, sandbox.base_url + path, headers=bearer("wrong"))
    assert response.status_code == 404
    assert response.json() == {"error": "InvalidEndpoint", "description": "Not found"}


def test_request_log_records_auth_mode_but_never_secrets(sandbox: Sandbox) -> None:
    export(sandbox, basic("admin@example.com/token", "sandbox-api-token"))
    export(sandbox, bearer("sandbox-oauth-token"))
    export(sandbox, {})
    log = sandbox.request_log()
    assert [entry["auth"] for entry in log] == ["basic", "bearer", "none"]
    assert [entry["status"] for entry in log] == [200, 200, 401]
    assert "sandbox-api-token" not in repr(log) and "sandbox-oauth-token" not in repr(log)
