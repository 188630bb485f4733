"""Rate limits, server errors, broken answers and refused credentials, end to end."""

import pytest

from tests.support.configs import oauth_client_settings, tap_config
from tests.support.processes import clean_env, run_tap
from tests.support.secrets import assert_no_secret
from zendesk_sandbox import Credentials


@pytest.fixture
def small(make_sandbox):
    return make_sandbox(tickets=120, rate_limits={})


def _export_statuses(sandbox):
    return [entry["status"] for entry in sandbox.request_log() if entry["route"] == "export"]


def test_429_with_and_without_retry_after_is_waited_out_and_logged(small, tmp_path):
    small.add_fault("429", route="export", retry_after="0.05")
    small.add_fault("429", route="export")  # no Retry-After: defaultRetryAfter (20 ms here)
    small.add_fault(
        "429", route="export", retry_after="Wed, 21 Oct 2015 07:28:00 GMT"
    )  # a date in the past
    run = run_tap(tap_config(tmp_path, small.base_url, pageSize=30))
    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in run.tickets] == small.visible_ticket_ids()
    assert _export_statuses(small)[:4] == [429, 429, 429, 200]
    assert "Rate limited by Zendesk (HTTP 429)" in run.stderr
    assert "waiting 0.05s (Retry-After)" in run.stderr
    assert "no Retry-After header; defaultRetryAfter" in run.stderr


def test_a_long_429_stretch_ends_with_a_clear_message(small, tmp_path):
    small.add_fault("429", route="export", count=50, retry_after="0.02")
    run = run_tap(tap_config(tmp_path, small.base_url, maxRateLimitWait="100ms"))
    assert run.returncode == 1
    assert "giving up (maxRateLimitWait is 0.1s)" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.tickets == []


@pytest.mark.parametrize(
    "kind", ["500", "502", "503", "504", "reset", "malformed_json", "truncated_json"]
)
def test_transient_failures_are_retried_and_nothing_is_lost(small, tmp_path, kind):
    small.add_fault(kind, route="export", count=2)
    run = run_tap(tap_config(tmp_path, small.base_url, pageSize=30))
    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in run.tickets] == small.visible_ticket_ids()
    assert "retrying GET /api/v2/incremental/tickets/cursor.json" in run.stderr


def test_503_retry_after_is_honoured(small, tmp_path):
    small.add_fault("503", route="export", retry_after="0.3")
    run = run_tap(tap_config(tmp_path, small.base_url))
    assert run.returncode == 0, run.stderr
    # A 503 with Retry-After is maintenance: waited out as told, like a 429 (shared policy).
    assert (
        "Zendesk is unavailable (HTTP 503) on GET /api/v2/incremental/tickets/cursor.json: "
        "waiting 0.3s (Retry-After)" in run.stderr
    )


def test_a_slow_answer_times_out_and_is_retried(small, tmp_path):
    small.add_fault("slow", route="export", delay=2.0)
    run = run_tap(tap_config(tmp_path, small.base_url, requestTimeout="300ms"))
    assert run.returncode == 0, run.stderr
    assert "did not answer GET /api/v2/incremental/tickets/cursor.json in time" in run.stderr
    assert len(run.tickets) == len(small.visible_ticket_ids())


def test_504_asks_for_smaller_pages(small, tmp_path):
    small.add_fault("504", route="export", count=2)
    run = run_tap(tap_config(tmp_path, small.base_url, pageSize=40))
    assert run.returncode == 0, run.stderr
    sizes = [
        entry["query"].get("per_page")
        for entry in small.request_log()
        if entry["route"] == "export"
    ]
    assert sizes[:6] == ["40", "20", "10", "10", "10", "20"]


def test_server_errors_past_the_retry_limit_fail_clearly_after_emitting_what_was_read(
    small, tmp_path
):
    config = tap_config(tmp_path, small.base_url, pageSize=30, maxErrorRetries=2)
    run_first = run_tap(config)
    assert run_first.returncode == 0

    small.add_fault("502", route="export", count=10)
    run = run_tap(config, state=run_first.states[1])
    assert run.returncode == 1
    assert (
        "Gave up on GET /api/v2/incremental/tickets/cursor.json after 2 retries (maxErrorRetries)"
        in run.stderr
    )
    assert "HTTP 502" in run.stderr
    assert "Traceback" not in run.stderr
    # Only the state it was given comes back out: nothing past undelivered data.
    assert run.states == [run_first.states[1]]


@pytest.mark.parametrize(
    ("zendesk", "expected"),
    [
        (
            {"userName": Credentials.admin_email, "apiToken": "wrong-token-1234"},
            "HTTP 401 on GET /api/v2/incremental/tickets/cursor.json: Couldn't authenticate you. Authentication failed for {base} with the API token of admin@example.com: check zendesk.userName and zendesk.apiToken",
        ),
        (
            {"oauthToken": "wrong-oauth-1234"},
            "Authentication failed for {base} with the OAuth access token: check zendesk.oauthToken",
        ),
        (
            {"userName": Credentials.agent_email, "apiToken": Credentials.agent_token},
            "HTTP 403 on GET /api/v2/incremental/tickets/cursor.json: Forbidden: You do not have access to this page",
        ),
    ],
)
def test_refused_credentials_fail_at_once_with_one_clear_line(small, tmp_path, zendesk, expected):
    config = tap_config(tmp_path, small.base_url, zendesk={"domain": small.base_url, **zendesk})
    run = run_tap(config)
    assert run.returncode == 1
    assert expected.format(base=small.base_url) in run.stderr
    assert "Traceback" not in run.stderr
    assert len(_export_statuses(small)) == 1  # not retried
    assert run.states == [] or all(not s["bookmarks"].get("tickets") for s in run.states)
    for secret in ("wrong-token-1234", "wrong-oauth-1234", Credentials.agent_token):
        assert secret not in run.output


def test_a_wrong_domain_says_so(small, tmp_path):
    small.add_fault(
        "status",
        route="any",
        status=404,
        body="<html>Oops! We couldn't find your account</html>",
        content_type="text/html",
    )
    run = run_tap(tap_config(tmp_path, small.base_url))
    assert run.returncode == 1
    assert "HTTP 404 on GET /api/v2/incremental/tickets/cursor.json" in run.stderr
    assert "check zendesk.domain" in run.stderr
    assert "Traceback" not in run.stderr


def test_tokens_never_appear_in_any_output_even_at_debug_level(small, tmp_path):
    small.add_fault("500", route="export")
    small.add_fault("429", route="export", retry_after="0.01")
    env = clean_env(LOGLEVEL="DEBUG", TAP_ZENDESK_TICKETS_LOGLEVEL="DEBUG")
    ok = run_tap(tap_config(tmp_path, small.base_url), env=env)
    assert ok.returncode == 0, ok.stderr
    assert "DEBUG" in ok.stderr
    failing = run_tap(
        tap_config(
            tmp_path,
            small.base_url,
            name="bad.json",
            zendesk={"domain": small.base_url, "oauthToken": "sandbox-oauth-token-but-wrong"},
        ),
        env=env,
    )
    assert failing.returncode == 1
    small.configure(access_token_lifetime=0.2)
    small.add_fault("503", route="oauth", retry_after="0.01")
    renewing = run_tap(
        tap_config(
            tmp_path,
            small.base_url,
            name="client.json",
            zendesk=oauth_client_settings(small.base_url),
            pageSize=20,
            pollingPeriod="100ms",
        ),
        env=env,
    )
    assert renewing.returncode == 0, renewing.stderr
    assert "Renewed the OAuth access token" in renewing.stderr
    for run in (ok, failing, renewing):
        for secret in (Credentials.admin_token, "sandbox-oauth-token-but-wrong"):
            assert secret not in run.output
        assert_no_secret(run.output, small)
