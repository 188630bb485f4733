"""The sandbox's OAuth server: clients, both grants, lifetimes, rotation, scopes, revocation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.sandbox.helpers import EXPORT, IMPORT
from zendesk_sandbox import Credentials, Sandbox
from zendesk_sandbox.http.oauth import (
    INVALID_CLIENT,
    INVALID_GRANT,
    INVALID_REQUEST,
    INVALID_SCOPE,
    INVALID_TOKEN,
    UNSUPPORTED_GRANT_TYPE,
)

CLIENT = {
    "client_id": Credentials.oauth_client_id,
    "client_secret": Credentials.oauth_client_secret,
}
NOT_AUTHENTICATED = {"error": "Couldn't authenticate you"}


@pytest.fixture
def small(make_sandbox) -> Sandbox:
    return make_sandbox(tickets=20, rate_limits={}, job_delay=0.01)


def token_request(sandbox: Sandbox, body: object, **kwargs: object) -> requests.Response:
    return requests.post(f"{sandbox.base_url}/oauth/tokens", json=body, **kwargs)  # type: ignore[arg-type]


def export(sandbox: Sandbox, token: str) -> requests.Response:
    return requests.get(
        sandbox.base_url + EXPORT,
        params={"start_time": 0, "per_page": 1},
        headers={"Authorization": f"Bearer {token}"},
    )


def client_credentials(sandbox: Sandbox, scope: str = "read write") -> dict:
    response = token_request(
        sandbox, {"grant_type": "client_credentials", **CLIENT, "scope": scope}
    )
    assert response.status_code == 201, response.text  # Created, as Zendesk documents
    return response.json()


def test_client_credentials_grant_answers_a_bearer_token_with_its_lifetime(small):
    answer = client_credentials(small, "read")
    assert answer["token_type"] == "bearer"
    assert answer["scope"] == "read"
    assert answer["expires_in"] == 1800
    assert "refresh_token" not in answer  # the client can always ask again
    assert export(small, answer["access_token"]).status_code == 200
    assert small.oauth_stats()["grants"] == {"client_credentials": 1}


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", **CLIENT, "client_secret": "wrong"},
            401,
            INVALID_CLIENT,
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            INVALID_CLIENT,
        ),
        ({"grant_type": "client_credentials", "scope": "read"}, 401, INVALID_CLIENT),
        (
            {"grant_type": "client_credentials", **CLIENT, "scope": "read impersonate"},
            400,
            INVALID_SCOPE,
        ),
        ({"grant_type": "client_credentials", **CLIENT}, 400, INVALID_SCOPE),
        ({"grant_type": "password", **CLIENT, "scope": "read"}, 400, UNSUPPORTED_GRANT_TYPE),
        ({**CLIENT, "scope": "read"}, 400, INVALID_REQUEST),
        (["not", "an", "object"], 400, INVALID_REQUEST),
        ({"grant_type": "refresh_token", **CLIENT, "refresh_token": "made-up"}, 400, INVALID_GRANT),
    ],
)
def test_refused_token_requests_get_oauth_error_bodies(small, body, status, error):
    response = token_request(small, body)
    assert response.status_code == status
    assert response.json() == error
    assert small.oauth_stats()["refused"] == {error["error"]: 1}


def test_a_form_encoded_body_is_refused_as_the_reference_asks_for_json(small):
    body = {"grant_type": "client_credentials", **CLIENT, "scope": "read"}
    response = requests.post(f"{small.base_url}/oauth/tokens", data=body)
    assert response.status_code == 400
    assert response.json() == INVALID_REQUEST


def test_scopes_beyond_the_clients_allowed_ones_are_refused(small):
    small.add_oauth_client("reader", "reader-secret-1", scopes="read")
    body = {
        "grant_type": "client_credentials",
        "client_id": "reader",
        "client_secret": "reader-secret-1",
    }
    assert token_request(small, {**body, "scope": "read write"}).json() == INVALID_SCOPE
    assert token_request(small, {**body, "scope": "read"}).status_code == 201


def test_a_token_without_a_scope_gets_zendesks_missing_scope_403(small):
    token = client_credentials(small, "read")["access_token"]
    response = requests.post(
        small.base_url + IMPORT,
        json={"tickets": [{"subject": "x"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": "Forbidden",
        "description": "You are missing the following required scopes: write",
    }


def test_tokens_of_a_client_made_by_an_agent_act_as_that_agent(small):
    small.add_oauth_client("agent-app", "agent-secret-1", role="agent")
    body = {
        "grant_type": "client_credentials",
        "client_id": "agent-app",
        "client_secret": "agent-secret-1",
    }
    token = token_request(small, {**body, "scope": "read"}).json()["access_token"]
    assert export(small, token).status_code == 403  # the export is for admins


def test_an_expired_access_token_gets_the_invalid_token_401(small):
    small.configure(access_token_lifetime=30)
    answer = client_credentials(small)
    assert answer["expires_in"] == 30
    assert export(small, answer["access_token"]).status_code == 200
    small.advance_clock(31)
    response = export(small, answer["access_token"])
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_an_unknown_bearer_token_gets_the_usual_401(small):
    response = export(small, "never-issued-token")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_a_refresh_rotates_the_pair_and_invalidates_the_old_one(small):
    first = small.issue_oauth_tokens(scopes="read write")
    assert first["refresh_token_expires_in"] == 2_592_000
    body = {"grant_type": "refresh_token", **CLIENT, "refresh_token": first["refresh_token"]}
    response = token_request(small, body)
    assert response.status_code == 201
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "read write"  # omitted scope: the same as before
    assert export(small, second["access_token"]).status_code == 200
    # The old pair is spent, access token included.
    assert export(small, first["access_token"]).json() == INVALID_TOKEN
    again = token_request(small, body)
    assert again.status_code == 400
    assert again.json() == INVALID_GRANT
    assert small.oauth_stats()["grants"] == {"authorization_code": 1, "refresh_token": 1}


def test_a_refresh_may_narrow_the_scopes_but_not_widen_them(small):
    pair = small.issue_oauth_tokens(scopes="read")
    body = {"grant_type": "refresh_token", **CLIENT, "refresh_token": pair["refresh_token"]}
    assert token_request(small, {**body, "scope": "read write"}).json() == INVALID_SCOPE
    narrowed = small.issue_oauth_tokens(scopes="read write")
    body["refresh_token"] = narrowed["refresh_token"]
    assert token_request(small, {**body, "scope": "read"}).json()["scope"] == "read"


def test_a_refresh_token_belongs_to_its_client_and_expires(small):
    small.add_oauth_client("other", "other-secret-1")
    pair = small.issue_oauth_tokens()
    other = {"grant_type": "refresh_token", "client_id": "other", "client_secret": "other-secret-1"}
    assert (
        token_request(small, {**other, "refresh_token": pair["refresh_token"]}).json()
        == INVALID_GRANT
    )
    small.configure(refresh_token_lifetime=60)
    short = small.issue_oauth_tokens()
    small.advance_clock(61)
    body = {"grant_type": "refresh_token", **CLIENT, "refresh_token": short["refresh_token"]}
    assert token_request(small, body).json() == INVALID_GRANT


def test_revoking_ends_access_tokens_and_optionally_refresh_tokens(small):
    small.add_oauth_client("other", "other-secret-1")
    mine = client_credentials(small)["access_token"]
    other = token_request(
        small,
        {
            "grant_type": "client_credentials",
            "client_id": "other",
            "client_secret": "other-secret-1",
            "scope": "read",
        },
    ).json()["access_token"]
    pair = small.issue_oauth_tokens()
    assert small.revoke_oauth_tokens(Credentials.oauth_client_id) == 2
    assert export(small, mine).json() == INVALID_TOKEN
    assert export(small, other).status_code == 200
    body = {"grant_type": "refresh_token", **CLIENT, "refresh_token": pair["refresh_token"]}
    assert small.revoke_oauth_tokens(refresh_tokens=True) == 2  # other's access, the refresh
    assert token_request(small, body).json() == INVALID_GRANT


def test_the_admin_api_mirrors_the_oauth_methods(small):
    admin = f"{small.base_url}/_sandbox"
    created = requests.post(
        f"{admin}/oauth/clients",
        json={"identifier": "etl", "secret": "etl-secret-12", "scopes": "read"},
    )
    assert created.status_code == 200
    assert {"identifier": "etl", "scopes": ["read"], "role": "admin"} in created.json()["clients"]
    assert "etl-secret-12" not in created.text
    assert (
        requests.post(
            f"{admin}/oauth/clients", json={"identifier": "x", "secret": "short"}
        ).status_code
        == 400
    )
    pair = requests.post(f"{admin}/oauth/tokens", json={"client_id": "etl"}).json()
    assert export(small, pair["access_token"]).status_code == 200
    assert requests.post(f"{admin}/oauth/tokens", json={"client_id": "nobody"}).status_code == 404
    config = requests.post(f"{admin}/config", json={"access_token_lifetime": 1.5}).json()
    assert config["access_token_lifetime"] == 1.5
    assert requests.post(f"{admin}/config", json={"access_token_lifetime": 0}).status_code == 400
    assert requests.post(f"{admin}/oauth/revoke", json={"client_id": "etl"}).json() == {
        "revoked": 1
    }
    stats = requests.get(f"{admin}/oauth").json()
    assert stats["grants"] == {"authorization_code": 1}
    assert stats["live_refresh_tokens"] == 1
    assert pair["refresh_token"] not in requests.get(f"{admin}/oauth").text


def test_token_requests_take_faults_and_stay_out_of_the_request_logs_secrets(small):
    small.add_fault("503", route="oauth", retry_after="0.01")
    body = {"grant_type": "client_credentials", **CLIENT, "scope": "read"}
    assert token_request(small, body).status_code == 503
    answer = token_request(small, body).json()
    export(small, answer["access_token"])
    entries = small.request_log()
    assert [(e["path"], e["route"], e["status"], e["auth"]) for e in entries[:2]] == [
        ("/oauth/tokens", "oauth", 503, "none"),
        ("/oauth/tokens", "oauth", 201, "none"),
    ]
    text = repr(entries)
    for secret in (Credentials.oauth_client_secret, answer["access_token"]):
        assert secret not in text


def test_the_cli_takes_oauth_clients_and_lifetimes():
    command = [
        str(Path(sys.executable).parent / "zendesk-sandbox"),
        *("--tickets", "5", "--oauth-client", "etl:etl-secret-12:read"),
        *("--access-token-lifetime", "2.5"),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            url = process.stdout.readline().strip()
            body = {"grant_type": "client_credentials", "client_id": "etl", "scope": "read"}
            response = requests.post(
                f"{url}/oauth/tokens", json={**body, "client_secret": "etl-secret-12"}, timeout=5
            )
            assert response.status_code == 201
            assert response.json()["expires_in"] == 2.5
            wider = requests.post(
                f"{url}/oauth/tokens",
                json={**body, "client_secret": "etl-secret-12", "scope": "read write"},
                timeout=5,
            )
            assert wider.json() == INVALID_SCOPE
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_an_unknown_scope_gets_a_token_that_the_api_refuses_with_403(small):
    answer = client_credentials(small, "tickets:everything")
    assert answer["scope"] == "tickets:everything"
    refused = export(small, answer["access_token"])
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "Forbidden",
        "description": "You are missing the following required scopes: read",
    }


def test_a_refresh_honours_the_lifetimes_asked_for(small):
    small.configure(access_token_lifetime_range=[1, 172_800], refresh_token_lifetime_range=[2, 9])
    first = small.issue_oauth_tokens(scopes="read")
    body = {
        "grant_type": "refresh_token",
        **CLIENT,
        "refresh_token": first["refresh_token"],
        "expires_in": 1,
        "refresh_token_expires_in": 3,
    }
    response = token_request(small, body)
    assert response.status_code == 201
    assert (response.json()["expires_in"], response.json()["refresh_token_expires_in"]) == (1, 3)
    small.advance_clock(1.5)
    assert export(small, response.json()["access_token"]).status_code == 401
    too_long = {**body, "refresh_token": response.json()["refresh_token"]}
    too_long["refresh_token_expires_in"] = 10
    assert token_request(small, too_long).status_code == 400
