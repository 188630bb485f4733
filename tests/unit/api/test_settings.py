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
        ({"domain": "acme"}, "no credentials: set one way to sign in (client credentials: zendesk.oauthClientId and zendesk.oauthClientSecret"),
        (
            {"domain": "acme", "apiToken": TOKEN},
            "zendesk.userName is required with zendesk.apiToken",
        ),
        (
            {"domain": "acme", "userName": "a@b.c", "apiToken": TOKEN, "oauthToken": TOKEN + "x"},
            "zendesk.apiToken and zendesk.oauthToken are both set",
        ),
        ({"userName": "a@b.c", "apiToken": TOKEN}, "zendesk.domain is required"),
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
