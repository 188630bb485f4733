import pytest
import requests

from target_zendesk_tickets.reads import SETUP_TRIES, DeadlinePassedError, SafeReader, retry_wait
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.messages import JOB_LIST_URL, base_config
from zendesk_api.errors import ZendeskAuthError, ZendeskRateLimitError, ZendeskServerError
from zendesk_api.http import ZendeskClient, ZendeskSetupError


@pytest.fixture
def reader(clock):
    client = ZendeskClient(read_target_settings(base_config(retryBackoff="1s")).connection, "t")
    yield SafeReader(client, pause=clock.pause, clock=clock)
    client.session.close()


def get(reader, clock, seconds=10.0):
    return reader.get_json(
        "/api/v2/job_statuses.json",
        deadline=clock.now + seconds,
        what="the list of recent jobs",
        operation="read job statuses",
    )


def test_server_errors_are_asked_again_with_backoff(mock, reader, clock):
    mock.get(
        JOB_LIST_URL,
        [{"status_code": 500, "text": "x"}, {"status_code": 502, "text": "x"}, {"json": {"ok": 1}}],
    )
    assert get(reader, clock) == {"ok": 1}
    assert clock.pauses == [1.0, 2.0]


def test_a_read_that_keeps_failing_stops_at_the_deadline_with_the_last_error(mock, reader, clock):
    mock.get(JOB_LIST_URL, status_code=503, text="Maintenance", headers={"Retry-After": "4"})
    with pytest.raises(DeadlinePassedError) as info:
        get(reader, clock, seconds=10)
    assert "HTTP 503 on GET /api/v2/job_statuses.json: Maintenance" in str(info.value)
    assert "Gave up on the list of recent jobs after 3 tries" in str(info.value)
    assert clock.pauses == [4.0, 4.0]


def test_a_401_is_raised_at_once_with_advice(mock, reader, clock):
    mock.get(JOB_LIST_URL, status_code=401, json={"error": "Couldn't authenticate you"})
    with pytest.raises(ZendeskAuthError, match="check zendesk.userName and zendesk.apiToken"):
        get(reader, clock)
    assert mock.call_count == 1


def test_retry_wait():
    limited = ZendeskRateLimitError(
        status=429, method="GET", path="/", code=None, text="", retry_after=None
    )
    assert retry_wait(limited, 1, default_retry_after=60, backoff=2) == 60
    server = ZendeskServerError(status=500, method="GET", path="/", code=None, text="")
    assert [retry_wait(server, n, default_retry_after=60, backoff=2) for n in (1, 2, 3, 10)] == [
        2,
        4,
        8,
        60,
    ]


def test_a_tls_failure_is_asked_again_only_a_few_times(mock, reader, clock):
    mock.get(JOB_LIST_URL, exc=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(ZendeskSetupError) as info:
        get(reader, clock, seconds=3600)
    assert mock.call_count == SETUP_TRIES
    assert "certificate verify failed" in str(info.value)
    assert "Gave up on the list of recent jobs after 3 tries" in str(info.value)


def test_a_403_on_a_read_does_not_say_admins_only(mock, reader, clock):
    mock.get(JOB_LIST_URL, status_code=403, json={"error": "Forbidden", "description": "no"})
    with pytest.raises(ZendeskAuthError) as info:
        get(reader, clock)
    assert "admins only" not in str(info.value)
    assert "agents and admins" in str(info.value)
