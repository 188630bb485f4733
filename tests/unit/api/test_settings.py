import base64

import pytest
import requests
from singer_sdk.exceptions import ConfigValidationError

from zendesk_api.auth import ApiTokenAuth, OAuthTokenAuth
from zendesk_api.settings import base_url_from_domain, read_connection, zendesk_setting

TOKEN = "s3cr3t-token-value"


@pytest.mark.parametrize(
    ("domain", "base_url"),
    [
        ("acme", "https://acme.zendesk.com"),
        ("acme.zendesk.com", "https://acme.zendesk.com"),
        ("https://acme.zendesk.com", "https://acme.zendesk.com"),
        ("https://acme.zendesk.com/", "https://acme.zendesk.com"),
        ("support.example.org", "https://support.example.org"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("http://localhost:8123/", "http://localhost:8123"),
        ("http://[::1]:8123", "http://[::1]:8123"),
    ],
)
def test_domain_forms(domain, base_url):
    assert base_url_from_domain(domain) == base_url


def test_plain_http_is_refused_off_loopback_and_says_why():
    with pytest.raises(ValueError, match="plain http") as info:
        base_url_from_domain("http://acme.zendesk.com")
    assert "unencrypted" in str(info.value)


@pytest.mark.parametrize(
    "domain", ["ftp://acme.zendesk.com", "acme zendesk", "ac/me", "-acme", "https://x.com/?a=1"]
)
def test_unusable_domains_are_refused(domain):
    with pytest.raises(ValueError, match="zendesk.domain"):
        base_url_from_domain(domain)


def test_nested_and_flat_settings_are_both_read():
    nested = {"zendesk": {"domain": "acme", "userName": "a@b.c", "apiToken": TOKEN}}
    flat = {"zendesk.domain": "acme", "zendesk.userName": "a@b.c", "zendesk.apiToken": TOKEN}
    for config in (nested, flat):
        connection = read_connection(config)
        assert connection.base_url == "https://acme.zendesk.com"
        assert isinstance(connection.auth, ApiTokenAuth)


def test_nested_wins_over_flat_and_blank_counts_as_unset():
    config = {
        "zendesk": {"domain": "nested", "userName": " "},
        "zendesk.domain": "flat",
        "zendesk.userName": "u@x",
    }
    assert zendesk_setting(config, "domain") == "nested"
    assert zendesk_setting(config, "userName") == "u@x"


def test_api_token_auth_header():
    connection = read_connection(
        {"zendesk": {"domain": "acme", "userName": "a@b.c", "apiToken": TOKEN}}
    )
    request = requests.Request("GET", "https://acme.zendesk.com/x").prepare()
    connection.auth(request)
    expected = base64.b64encode(f"a@b.c/token:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_oauth_auth_header():
    connection = read_connection({"zendesk": {"domain": "acme", "oauthToken": TOKEN}})
    assert isinstance(connection.auth, OAuthTokenAuth)
    request = requests.Request("GET", "https://acme.zendesk.com/x").prepare()
    connection.auth(request)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("zendesk", "expected"),
    [
        (
            {"domain": "acme"},
            "no credentials: set one way to sign in (client credentials: zendesk.oauthClientId and zendesk.oauthClientSecret",
        ),
        (
            {"domain": "acme", "apiToken": TOKEN},
            "zendesk.userName is required with zendesk.apiToken",
        ),
        (
            {"domain": "acme", "userName": "a@b.c", "apiToken": TOKEN, "oauthToken": TOKEN + "x"},
            "zendesk.apiToken and zendesk.oauthToken are both set",
        ),
        ({"userName": "a@b.c", "apiToken": TOKEN}, "zendesk.domain is required"),
        (
            {
                "domain": "acme",
                "oauthToken": TOKEN,
                "oauthClientId": "c",
                "oauthClientSecret": TOKEN + "s",
            },
            "zendesk.oauthToken and zendesk.oauthClientId (with zendesk.oauthClientSecret) are "
            "both set: configure exactly one way to sign in (client credentials: "
            "zendesk.oauthClientId and zendesk.oauthClientSecret (recommended); the "
            "refresh-token grant: those two with zendesk.oauthRefreshToken and "
            "zendesk.oauthTokenFile; a fixed OAuth access token: zendesk.oauthToken; an API "
            "token: zendesk.userName and zendesk.apiToken)",
        ),
        (
            {
                "domain": "acme",
                "userName": "a@b.c",
                "apiToken": TOKEN,
                "oauthToken": TOKEN + "x",
                "oauthRefreshToken": TOKEN + "r",
            },
            "zendesk.apiToken, zendesk.oauthToken and zendesk.oauthRefreshToken are all set",
        ),
        (
            {"domain": "acme", "oauthClientId": "c"},
            "zendesk.oauthClientSecret is required for client credentials: the OAuth client's "
            "unique identifier and its secret",
        ),
        (
            {"domain": "acme", "oauthRefreshToken": TOKEN, "oauthTokenFile": "/tmp/t.json"},
            "zendesk.oauthClientId and zendesk.oauthClientSecret are required for the "
            "refresh-token grant",
        ),
        (
            {
                "domain": "acme",
                "oauthClientId": "c",
                "oauthClientSecret": TOKEN,
                "oauthRefreshToken": TOKEN + "r",
            },
            "zendesk.oauthTokenFile is required with zendesk.oauthRefreshToken: each refresh "
            "replaces the refresh token, so the newest must be kept for the next run",
        ),
        (
            {
                "domain": "acme",
                "oauthClientId": "c",
                "oauthClientSecret": TOKEN,
                "oauthTokenFile": "/tmp/t.json",
            },
            "zendesk.oauthTokenFile is set without zendesk.oauthRefreshToken",
        ),
        (
            {
                "domain": "acme",
                "oauthClientId": "c",
                "oauthClientSecret": TOKEN,
                "oauthRefreshToken": TOKEN + "r",
                "oauthTokenFile": "/no/such/folder/t.json",
            },
            "zendesk.oauthTokenFile '/no/such/folder/t.json' must name a file in a folder that exists",
        ),
    ],
)
def test_credential_problems_name_the_settings(zendesk, expected):
    with pytest.raises(ConfigValidationError) as info:
        read_connection({"zendesk": zendesk})
    assert any(expected in error for error in info.value.errors), info.value.errors
    assert all(TOKEN not in error for error in info.value.errors)


def test_every_problem_is_listed_at_once():
    with pytest.raises(ConfigValidationError) as info:
        read_connection({"requestTimeout": "soon"})
    errors = " | ".join(info.value.errors)
    assert "zendesk.domain is required" in errors
    assert "no credentials" in errors
    assert "requestTimeout: 'soon' is not a duration" in errors


def test_timeouts_and_waits():
    connection = read_connection(
        {
            "zendesk": {"domain": "acme", "oauthToken": TOKEN},
            "requestTimeout": "45s",
            "defaultRetryAfter": "1.5s",
            "retryBackoff": "10ms",
        }
    )
    assert connection.timeout == (10.0, 45.0)
    assert connection.default_retry_after == 1.5
    assert connection.retry_backoff == pytest.approx(0.01)


def test_auth_objects_never_show_their_token():
    for auth in (ApiTokenAuth("a@b.c", TOKEN), OAuthTokenAuth(TOKEN)):
        for text in (repr(auth), str(auth), f"{auth}", auth.mode):
            assert TOKEN not in text
        assert "redacted" in repr(auth)


def test_oauth_client_settings_choose_the_grant_and_the_scopes(tmp_path):
    from zendesk_api.oauth import ClientCredentialsGrant, RefreshTokenGrant, RenewingOAuthAuth

    client = {"domain": "acme", "oauthClientId": "c", "oauthClientSecret": TOKEN}
    connection = read_connection({"zendesk": client}, default_scopes="read write")
    assert isinstance(connection.auth, RenewingOAuthAuth)
    assert isinstance(connection.auth, OAuthTokenAuth)  # the scope advice of 403s applies
    assert isinstance(connection.auth.grant, ClientCredentialsGrant)
    assert connection.auth.grant.scopes == "read write"
    assert connection.auth.settings == "zendesk.oauthClientId and zendesk.oauthClientSecret"
    flat = read_connection(
        {
            "zendesk.domain": "acme",
            "zendesk.oauthClientId": "c",
            "zendesk.oauthClientSecret": TOKEN,
            "zendesk.oauthRefreshToken": TOKEN + "r",
            "zendesk.oauthTokenFile": str(tmp_path / "t.json"),
            "zendesk.oauthScopes": "  read\tstuff:read ",
        }
    )
    grant = flat.auth.grant
    assert isinstance(grant, RefreshTokenGrant)
    assert grant.scopes == "read stuff:read"
    assert grant.token_file.path == tmp_path / "t.json"
    for shown in (repr(connection.auth), repr(flat.auth), flat.auth.mode):
        assert TOKEN not in shown


def test_the_oauth_secrets_are_masked_before_validation(caplog):
    import logging

    from zendesk_api.settings import register_token_settings

    register_token_settings(
        {
            "zendesk": {"oauthClientSecret": "client-secret-4242"},
            "zendesk.oauthRefreshToken": "refresh-4242",
        }
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("client-secret-4242 refresh-4242")
    assert "4242" not in caplog.text
