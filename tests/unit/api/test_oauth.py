"""OAuth client settings against a sandbox account over HTTP: grants, renewal, the 401 path,
the token file and the one-line errors. The client's clock is a fake one, so renewal is
tested without waiting; the sandbox's tokens live long unless a test says otherwise."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
import threading

import pytest
import requests_mock as rm
from singer_sdk.exceptions import ConfigValidationError

from tests.support.clock import FakeClock
from zendesk_api.advice import with_advice
from zendesk_api.errors import error_from_response
from zendesk_api.http import ZendeskClient
from zendesk_api.oauth import RenewingOAuthAuth
from zendesk_api.redaction import MASK
from zendesk_api.settings import read_connection
from zendesk_api.token_endpoint import OAuthError, parse_answer
from zendesk_api.token_file import fingerprint
from zendesk_sandbox import Credentials

JOBS = "/api/v2/job_statuses.json"
IMPORT = "/api/v2/imports/tickets/create_many.json"


@pytest.fixture
def account(make_sandbox):
    return make_sandbox(tickets=10, rate_limits={}, job_delay=0.01)


def client_settings(account, **extra):
    return {
        "zendesk": {
            "domain": account.base_url,
            "oauthClientId": Credentials.oauth_client_id,
            "oauthClientSecret": Credentials.oauth_client_secret,
            **extra,
        },
        "retryBackoff": "1ms",
        "defaultRetryAfter": "1ms",
    }


def connect(config, clock=None, *, default_scopes="read write"):
    """A client whose credential runs on ``clock``; the connection is built as the plugins do."""
    connection = read_connection(config, default_scopes=default_scopes)
    auth = connection.auth
    assert isinstance(auth, RenewingOAuthAuth)
    if clock is not None:
        auth = RenewingOAuthAuth(auth.grant, clock=clock)
        connection = dataclasses.replace(connection, auth=auth)
        auth.connect(connection)
    return ZendeskClient(connection, "test-component")


def statuses(account, path=JOBS):
    return [entry["status"] for entry in account.request_log() if entry["path"] == path]


def grants(account):
    return account.oauth_stats()["grants"]


def test_client_credentials_obtain_a_token_at_the_first_request_and_say_so(account, caplog):
    client = connect(client_settings(account), FakeClock())
    assert grants(account) == {}  # nothing asked while settings are read
    with caplog.at_level(logging.INFO):
        assert client.send("GET", JOBS).status_code == 200
    assert grants(account) == {"client_credentials": 1}
    assert (
        "Obtained an OAuth access token (client-credentials grant, client 'sandbox-oauth-client', "
        "scopes 'read write'): valid for 30m, renewed after 24m" in caplog.text
    )
    assert (
        client.connection.auth.mode
        == "OAuth client-credentials grant of client 'sandbox-oauth-client'"
    )


def test_the_token_is_renewed_once_a_fifth_of_its_lifetime_is_left(account, caplog):
    clock = FakeClock()
    client = connect(client_settings(account), clock)
    client.send("GET", JOBS)
    clock.now += 1439  # 80 % of the 30 minutes, less a second
    client.send("GET", JOBS)
    assert grants(account) == {"client_credentials": 1}
    clock.now += 2
    with caplog.at_level(logging.INFO):
        client.send("GET", JOBS)
    assert grants(account) == {"client_credentials": 2}
    assert "Renewed the OAuth access token before it expires" in caplog.text
    assert statuses(account) == [200, 200, 200]


def test_a_revoked_token_is_renewed_and_the_refused_request_sent_again_once(account):
    client = connect(client_settings(account), FakeClock())
    client.send("GET", JOBS)
    account.revoke_oauth_tokens()
    response = client.send(
        "POST", IMPORT, body={"tickets": [{"subject": "after a revocation", "external_id": "x1"}]}
    )
    assert response.status_code == 200  # an import answered 401 was not processed: resent
    assert statuses(account, IMPORT) == [401, 200]
    assert grants(account) == {"client_credentials": 2}
    assert len(account.import_requests()) == 1


def test_a_renewal_with_a_refused_client_ends_in_one_line(account):
    client = connect(client_settings(account), FakeClock())
    client.send("GET", JOBS)
    account.add_oauth_client(Credentials.oauth_client_id, "a-new-secret-123")  # secret rotated
    account.revoke_oauth_tokens()
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    message = str(info.value)
    assert message.startswith(
        "HTTP 401 on POST /oauth/tokens: invalid_client: Client authentication failed"
    )
    assert (
        "check zendesk.oauthClientId (the client's unique identifier) and zendesk.oauthClientSecret"
        in message
    )
    assert "\n" not in message
    assert Credentials.oauth_client_secret not in message


def test_a_fixed_token_is_not_resent_and_its_401_says_the_client_settings_renew(account):
    config = {"zendesk": {"domain": account.base_url, "oauthToken": "expired-fixed-token"}}
    client = ZendeskClient(read_connection(config), "test-component")
    response = client.send("GET", JOBS)
    assert statuses(account) == [401]
    error = with_advice(
        error_from_response(response), client.connection, operation="read", scope="read"
    )
    assert str(error) == (
        f"HTTP 401 on GET {JOBS}: Couldn't authenticate you. Authentication failed for "
        f"{account.base_url} with the OAuth access token: check zendesk.oauthToken; a fixed "
        "OAuth access token is not renewed, and tokens of new OAuth clients expire (30 minutes "
        "by default): zendesk.oauthClientId and zendesk.oauthClientSecret renew tokens as they go"
    )


def test_threads_that_find_the_token_due_together_renew_it_once(account):
    clock = FakeClock()
    client = connect(client_settings(account), clock)
    client.send("GET", JOBS)
    clock.now += 1500
    threads = [threading.Thread(target=client.send, args=("GET", JOBS)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert grants(account) == {"client_credentials": 2}
    assert statuses(account) == [200] * 9


def test_the_scopes_asked_for_are_the_plugins_unless_configured(account):
    connect(client_settings(account), FakeClock(), default_scopes="read").send("GET", JOBS)
    response = connect(client_settings(account, oauthScopes="read"), FakeClock()).send(
        "POST", IMPORT, body={"tickets": [{"subject": "x"}]}
    )
    assert response.status_code == 403
    assert "missing the following required scopes: write" in response.text
    error = with_advice(
        error_from_response(response),
        read_connection(client_settings(account)),
        operation="import tickets",
        scope="write",
    )
    assert "the OAuth token needs the 'write' scope (zendesk.oauthScopes)" in str(error)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"oauthClientSecret": "not-the-secret"},
            "HTTP 401 on POST /oauth/tokens: invalid_client: Client authentication failed due to "
            "unknown client, no client authentication included, or unsupported authentication "
            "method. Zendesk refused the OAuth client 'sandbox-oauth-client': check "
            "zendesk.oauthClientId (the client's unique identifier) and zendesk.oauthClientSecret "
            "(Admin Center > Apps and integrations > APIs > OAuth clients; a confidential client "
            "made by an admin)",
        ),
        (
            {"oauthScopes": "read write impersonate"},
            "HTTP 400 on POST /oauth/tokens: invalid_scope: The requested scope is invalid, "
            "unknown, or malformed. Zendesk refused the scopes 'read write impersonate': check "
            "zendesk.oauthScopes against the scopes the OAuth client 'sandbox-oauth-client' allows",
        ),
    ],
)
def test_refused_token_requests_end_in_one_line_naming_the_settings(account, extra, expected):
    client = connect(client_settings(account, **extra), FakeClock())
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    assert str(info.value) == expected
    assert "not-the-secret" not in str(info.value)
    assert statuses(account) == []  # no API request went out without a token


def test_the_token_endpoint_is_retried_like_any_other_call(account):
    account.add_fault("503", route="oauth", retry_after="0.01")
    account.add_fault("500", route="oauth")
    account.add_fault("reset", route="oauth")
    client = connect(client_settings(account), FakeClock())
    assert client.send("GET", JOBS).status_code == 200
    assert grants(account) == {"client_credentials": 1}


def test_a_token_endpoint_that_keeps_failing_ends_in_one_line(account):
    account.add_fault("502", route="oauth", count=10)
    client = connect(client_settings(account), FakeClock())
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    message = str(info.value)
    assert message.startswith(
        "Could not obtain an OAuth access token for the client 'sandbox-oauth-client': HTTP 502 on POST /oauth/tokens"
    )
    assert "Gave up on POST /oauth/tokens after 3 retries (fixed for token requests)" in message
    assert "\n" not in message


# -- the refresh-token grant and its token file ---------------------------------------------


def refresh_settings(account, path, refresh_token, **extra):
    return client_settings(
        account, oauthRefreshToken=refresh_token, oauthTokenFile=str(path), **extra
    )


def test_the_refresh_grant_keeps_the_new_pair_in_a_private_file(account, tmp_path, caplog):
    first = account.issue_oauth_tokens()
    path = tmp_path / "tokens.json"
    client = connect(refresh_settings(account, path, first["refresh_token"]), FakeClock())
    with caplog.at_level(logging.INFO):
        client.send("GET", JOBS)
    assert grants(account) == {"authorization_code": 1, "refresh_token": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["tokens.json"]  # no temporary file left
    stored = json.loads(path.read_text())
    assert stored["format"] == "zendesk-oauth-tokens"
    assert stored["client_id"] == Credentials.oauth_client_id
    assert stored["descends_from"].startswith("sha256:")
    assert stored["refresh_token"] != first["refresh_token"]
    assert stored["access_token_expires_at"] - stored["issued_at"] == 1800
    assert (
        f"(refresh-token grant, client 'sandbox-oauth-client', scopes 'read write'): valid for "
        f"30m, renewed after 24m; new refresh token valid for 720h, kept in {path}"
    ) in caplog.text
    for secret in (first["refresh_token"], stored["refresh_token"], stored["access_token"]):
        assert secret not in caplog.text


def test_a_second_run_starts_from_the_file_without_touching_the_config(account, tmp_path):
    first = account.issue_oauth_tokens()
    path = tmp_path / "tokens.json"
    config = refresh_settings(account, path, first["refresh_token"])
    connect(config, FakeClock()).send("GET", JOBS)
    # The next run: its access token is still good, so it is used as it is.
    clock = FakeClock()
    second = connect(config, clock)
    second.send("GET", JOBS)
    assert grants(account)["refresh_token"] == 1
    # Once due, it refreshes with the file's refresh token (the configured one is spent).
    clock.now += 1500
    second.send("GET", JOBS)
    assert grants(account)["refresh_token"] == 2
    assert account.oauth_stats()["refused"] == {}
    assert statuses(account) == [200, 200, 200]


def test_a_new_configured_refresh_token_wins_over_the_file(account, tmp_path, caplog):
    path = tmp_path / "tokens.json"
    connect(
        refresh_settings(account, path, account.issue_oauth_tokens()["refresh_token"]), FakeClock()
    ).send("GET", JOBS)
    account.revoke_oauth_tokens(refresh_tokens=True)  # say the admin revoked the app
    again = account.issue_oauth_tokens()  # and the user authorized it once more
    with caplog.at_level(logging.INFO):
        connect(refresh_settings(account, path, again["refresh_token"]), FakeClock()).send(
            "GET", JOBS
        )
    assert "holds tokens of another refresh token or client" in caplog.text
    assert account.oauth_stats()["refused"] == {}
    assert json.loads(path.read_text())["descends_from"] == fingerprint(again["refresh_token"])


def test_a_stale_refresh_token_ends_in_one_line(account, tmp_path):
    spent = account.issue_oauth_tokens()["refresh_token"]
    account.oauth.token_request(
        {
            "grant_type": "refresh_token",
            "client_id": Credentials.oauth_client_id,
            "client_secret": Credentials.oauth_client_secret,
            "refresh_token": spent,
        }
    )
    path = tmp_path / "tokens.json"
    client = connect(refresh_settings(account, path, spent), FakeClock())
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    assert str(info.value) == (
        "HTTP 400 on POST /oauth/tokens: invalid_grant: The provided authorization grant is "
        "invalid, expired, revoked, does not match the redirection URI used in the authorization "
        "request, or was issued to another client. Zendesk refused the refresh token from "
        "zendesk.oauthRefreshToken: it has expired, was revoked, or was used already (each "
        "refresh replaces it). Get a new refresh token through the authorization-code flow and "
        f"set zendesk.oauthRefreshToken to it; {path} then starts again from it"
    )
    assert not path.exists()


def test_the_refresh_token_is_not_spent_before_its_successor_has_a_place(
    account, tmp_path, monkeypatch
):
    # Reserve the replacement first: make creating the temporary file fail, as a full or
    # read-only folder would, and the refresh must not be asked for.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("zendesk_api.token_file.tempfile.mkstemp", refuse)
    client = connect(
        refresh_settings(
            account, tmp_path / "t.json", account.issue_oauth_tokens()["refresh_token"]
        ),
        FakeClock(),
    )
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    assert "Cannot write beside the token file" in str(info.value)
    assert "Permission denied. Nothing was refreshed" in str(info.value)
    assert "refresh_token" not in grants(account)


def test_a_failed_save_keeps_the_old_file_and_the_run_going(account, tmp_path, monkeypatch, caplog):
    path = tmp_path / "tokens.json"
    config = refresh_settings(account, path, account.issue_oauth_tokens()["refresh_token"])
    clock = FakeClock()
    client = connect(config, clock)
    client.send("GET", JOBS)
    before = path.read_text()

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("zendesk_api.token_file.os.replace", full_disk)
    clock.now += 1500
    with caplog.at_level(logging.ERROR):
        assert client.send("GET", JOBS).status_code == 200
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["tokens.json"]
    assert f"Could not save the new OAuth tokens to {path} (No space left on device)" in caplog.text
    monkeypatch.undo()
    clock.now += 1500  # the next refresh saves again, from the token in memory
    client.send("GET", JOBS)
    assert path.read_text() != before
    assert account.oauth_stats()["refused"] == {}


def test_a_token_file_this_plugin_did_not_write_is_named_not_quoted(account, tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text('{"refresh_token": "hand-written-secret-1"}')
    client = connect(
        refresh_settings(account, path, account.issue_oauth_tokens()["refresh_token"]), FakeClock()
    )
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    assert str(info.value) == (
        f"The token file {path} (zendesk.oauthTokenFile) is not one this plugin wrote: not a "
        'JSON object with "format": "zendesk-oauth-tokens". Remove it to start again from '
        "zendesk.oauthRefreshToken"
    )


def test_every_new_token_is_masked_in_log_lines_from_the_moment_it_arrives(account, caplog):
    client = connect(client_settings(account), FakeClock())
    client.send("GET", JOBS)
    token = account.oauth.issued_tokens()[0]
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything").info("the header was Bearer %s", token)
    assert token not in caplog.text
    assert MASK in caplog.text
    assert token not in repr(client.connection.auth)


# -- token answers, without a server ----------------------------------------------------------


def test_an_answer_without_a_lifetime_is_renewed_only_after_a_401():
    config = {"zendesk": {"domain": "acme", "oauthClientId": "c", "oauthClientSecret": "secret-1"}}
    client = connect(config, FakeClock(), default_scopes="read")
    refused = {"status_code": 401, "json": {"error": "invalid_token"}}
    with rm.Mocker() as mock:
        mock.post(
            "https://acme.zendesk.com/oauth/tokens",
            [
                {"json": {"access_token": f"access-token-{n}", "token_type": "bearer"}}
                for n in (1, 2, 3)
            ],
        )
        mock.get(
            "https://acme.zendesk.com" + JOBS,
            [{"status_code": 200, "json": {}}] * 3
            + [refused, {"status_code": 200, "json": {}}]
            + [refused, refused],
        )
        answers = [client.send("GET", JOBS).status_code for _ in range(5)]
        history = mock.request_history
    sent = [r.headers.get("Authorization") for r in history if r.path != "/oauth/tokens"]
    bodies = [r.json() for r in history if r.path == "/oauth/tokens"]
    # Three requests on the first token; a 401, renewed and resent; then a 401 that the new
    # token meets too: sent again once, and the second 401 is the caller's to handle.
    assert answers == [200, 200, 200, 200, 401]
    assert sent == ["Bearer access-token-1"] * 4 + ["Bearer access-token-2"] * 2 + [
        "Bearer access-token-3"
    ]
    assert bodies[0] == {
        "grant_type": "client_credentials",
        "client_id": "c",
        "client_secret": "secret-1",
        "scope": "read",
    }
    assert all("Authorization" not in r.headers for r in history if r.path == "/oauth/tokens")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"token_type": "bearer"}, "without an access_token"),
        ({"access_token": "x-token-1", "token_type": "mac"}, "'mac' token"),
        (["x"], "not an object"),
    ],
)
def test_unusable_token_answers_are_response_errors(answer, problem):
    with pytest.raises(Exception, match=problem) as info:
        parse_answer(answer)
    assert type(info.value).__name__ == "ZendeskResponseError"


def test_lifetimes_that_are_not_positive_numbers_count_as_not_given():
    tokens = parse_answer(
        {"access_token": "tok-1234", "expires_in": "soon", "refresh_token_expires_in": 0}
    )
    assert (tokens.expires_in, tokens.refresh_expires_in) == (None, None)
    assert parse_answer({"access_token": "tok-1234", "expires_in": "1800"}).expires_in == 1800.0


# -- token lifetimes asked for (zendesk.oauthTokenLifetime, oauthRefreshTokenLifetime) -------


def test_the_lifetimes_asked_for_are_sent_and_honoured(account, tmp_path, caplog):
    first = account.issue_oauth_tokens()
    path = tmp_path / "tokens.json"
    settings = refresh_settings(
        account,
        path,
        first["refresh_token"],
        oauthTokenLifetime="10m",
        oauthRefreshTokenLifetime="168h",
    )
    with caplog.at_level(logging.INFO):
        connect(settings, FakeClock()).send("GET", JOBS)
    stored = json.loads(path.read_text())
    assert stored["access_token_expires_at"] - stored["issued_at"] == 600
    assert stored["refresh_token_expires_at"] - stored["issued_at"] == 7 * 86_400
    assert "valid for 10m, renewed after 8m" in caplog.text


def test_lifetimes_outside_zendesk_s_bounds_end_in_one_line(account):
    client = connect(client_settings(account, oauthTokenLifetime="1m"), FakeClock())
    with pytest.raises(OAuthError) as info:
        client.send("GET", JOBS)
    message = str(info.value)
    assert message.startswith("HTTP 400 on POST /oauth/tokens: invalid_request: expires_in must")
    assert "check zendesk.oauthTokenLifetime (5m to 48h)" in message


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"oauthTokenLifetime": "1.5s"}, "zendesk.oauthTokenLifetime: '1.5s' must be a whole"),
        ({"oauthTokenLifetime": "soon"}, "zendesk.oauthTokenLifetime: "),
        (
            {"oauthRefreshTokenLifetime": "168h"},
            "zendesk.oauthRefreshTokenLifetime is set without zendesk.oauthRefreshToken",
        ),
    ],
)
def test_lifetime_settings_are_checked(account, extra, problem):
    with pytest.raises(ConfigValidationError) as info:
        read_connection(client_settings(account, **extra))
    assert any(problem in line for line in info.value.errors)
