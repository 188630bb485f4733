import http.server
import logging
import threading

import pytest
import requests
import requests_mock as rm
import urllib3.exceptions
from urllib3.exceptions import MaxRetryError, NewConnectionError

from zendesk_api.errors import ZendeskResponseError, ZendeskTransportError
from zendesk_api.http import ZendeskClient, ZendeskSetupError, decode_json, user_agent
from zendesk_api.redaction import MASK, redact, register_secret
from zendesk_api.settings import read_connection

TOKEN = "tok-for-http-tests-123"


@pytest.fixture
def client():
    connection = read_connection({"zendesk": {"domain": "acme", "oauthToken": TOKEN}})
    return ZendeskClient(connection, "test-component")


def test_requests_carry_user_agent_auth_and_timeouts(client):
    with rm.Mocker() as mock:
        mock.get("https://acme.zendesk.com/api/v2/x", json={"ok": True})
        response = client.send("GET", "/api/v2/x", params={"a": 1})
        sent = mock.request_history[0]
    assert decode_json(response) == {"ok": True}
    assert sent.headers["User-Agent"] == user_agent("test-component")
    assert sent.headers["User-Agent"].startswith("test-component/")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.timeout == (10.0, 120.0)


@pytest.mark.parametrize(
    ("exc", "sent", "text"),
    [
        (requests.ConnectTimeout("slow"), False, "could not connect"),
        (
            requests.ConnectionError(
                MaxRetryError(None, "/", NewConnectionError(None, "Connection refused"))
            ),
            False,
            "could not connect",
        ),
        (requests.ReadTimeout("read timed out"), True, "did not answer"),
        (requests.ConnectionError("Connection reset by peer"), True, "connection broke"),
        (requests.exceptions.ChunkedEncodingError("IncompleteRead"), True, "connection broke"),
    ],
)
def test_transport_failures_say_whether_the_request_may_have_been_sent(client, exc, sent, text):
    with rm.Mocker() as mock:
        mock.post("https://acme.zendesk.com/api/v2/imports/tickets/create_many.json", exc=exc)
        with pytest.raises(ZendeskTransportError) as info:
            client.send("POST", "/api/v2/imports/tickets/create_many.json", body={"tickets": []})
    assert info.value.sent is sent
    assert text in str(info.value)
    assert "POST /api/v2/imports/tickets/create_many.json" in str(info.value)


SSL_ERROR = requests.exceptions.SSLError(
    MaxRetryError(
        None,
        "/",
        urllib3.exceptions.SSLError(
            "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"
        ),
    )
)
PROXY_ERROR = requests.exceptions.ProxyError(
    MaxRetryError(
        None,
        "/",
        urllib3.exceptions.ProxyError(
            "Unable to connect to proxy", NewConnectionError(None, "Connection refused")
        ),
    )
)


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (SSL_ERROR, "TLS with https://acme.zendesk.com failed for POST"),
        (requests.exceptions.SSLError("certificate verify failed"), "certificate verify failed"),
        (PROXY_ERROR, "the proxy failed POST"),
    ],
)
def test_tls_and_proxy_failures_were_not_sent_and_point_at_the_settings(client, exc, text):
    with rm.Mocker() as mock:
        mock.post("https://acme.zendesk.com/api/v2/imports/tickets/create_many.json", exc=exc)
        with pytest.raises(ZendeskSetupError) as info:
            client.send("POST", "/api/v2/imports/tickets/create_many.json", body={"tickets": []})
    assert isinstance(info.value, ZendeskTransportError)
    assert info.value.sent is False  # never "may have been sent": no lost-answer recovery
    assert text in str(info.value)
    assert "never reached Zendesk" in str(info.value)
    assert "zendesk.domain" in str(info.value)


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_https_to_a_plain_http_server_is_a_setup_error():
    server = http.server.HTTPServer(("127.0.0.1", 0), _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        connection = read_connection(
            {"zendesk": {"domain": f"https://{host}:{port}", "oauthToken": TOKEN}}
        )
        client = ZendeskClient(connection, "test-component")
        with pytest.raises(ZendeskSetupError) as info:
            client.send("GET", "/api/v2/job_statuses.json")
        client.session.close()
    finally:
        server.shutdown()
        server.server_close()
    assert "https:// to a server that does not speak TLS" in str(info.value)
    assert info.value.sent is False


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"tickets": [{"id": 1}',
        b"",
        '{"subject": "Garc\u00eda"}'.encode()[:-4],
        b"\x80",
    ],
)
def test_malformed_bodies_raise_a_response_error(client, body):
    with rm.Mocker() as mock:
        mock.get("https://acme.zendesk.com/api/v2/x", content=body)
        response = client.send("GET", "/api/v2/x")
    with pytest.raises(ZendeskResponseError, match="not valid JSON"):
        decode_json(response)


def test_secrets_are_masked_in_every_log_record(caplog):
    register_secret("very-secret-value-42")
    logger = logging.getLogger("some.library")
    with caplog.at_level(logging.DEBUG):
        logger.debug("header was %s", "Bearer very-secret-value-42")
        logger.warning("direct very-secret-value-42 text")
        try:
            raise RuntimeError("boom " + "very-secret-" + "value-42")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    assert "very-secret-value-42" not in text
    assert text.count(MASK) >= 3
    assert redact("x very-secret-value-42 y") == f"x {MASK} y"


def test_short_values_are_not_treated_as_secrets():
    register_secret("ab")
    assert redact("ab cd") == "ab cd"


def test_a_spent_secret_can_be_forgotten_credentials_stay():
    from zendesk_api.redaction import forget_secret, redact, register_secret

    register_secret("spent-upload-token-123")
    assert "spent-upload-token-123" not in redact("uploads: spent-upload-token-123")
    forget_secret("spent-upload-token-123")
    assert redact("uploads: spent-upload-token-123") == "uploads: spent-upload-token-123"
    forget_secret(None)  # nothing to forget is fine
