"""The real target with OAuth client settings against a sandbox whose tokens live about a second.

Imports are paced (small batches, one job in flight, jobs of 0.25 s) to last several token
lifetimes, so every renewal happens for real, while job statuses are polled from a second
thread with the same credential.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration.target.harness import (
    exported_tickets,
    imported_by_external_id,
    run_target,
    singer_input,
    target_config,
)
from tests.support.configs import oauth_client_settings, refresh_token_settings
from tests.support.processes import clean_env
from tests.support.secrets import assert_no_secret

LIFETIME = 1.0  # seconds an access token lives
TICKETS = 60
PACED = {"bufferSize": 5, "maxJobsInFlight": 1}  # 12 jobs of 0.25 s and more: four lifetimes


@pytest.fixture
def source(make_sandbox):
    return make_sandbox(tickets=200, rate_limits={})


@pytest.fixture
def destination(make_sandbox):
    sandbox = make_sandbox(tickets=0, job_delay=0.25, rate_limits={})
    sandbox.configure(access_token_lifetime=LIFETIME)
    return sandbox


def assert_every_ticket_once(result, tickets, destination):
    assert result.returncode == 0, result.stderr
    imported = imported_by_external_id(destination)  # fails on a ticket imported twice
    assert sorted(imported) == sorted(t.get("external_id") or str(t["id"]) for t in tickets)
    assert result.states[-1] == {"through": len(tickets)}


def test_a_client_credentials_import_outlives_its_tokens(source, destination, tmp_path):
    tickets = exported_tickets(source, TICKETS)
    zendesk = oauth_client_settings(destination.base_url)
    config = target_config(tmp_path, destination, zendesk=zendesk, **PACED)
    result = run_target(
        config,
        singer_input(tickets, state_every=10),
        env=clean_env(TARGET_ZENDESK_TICKETS_LOGLEVEL="DEBUG"),
    )
    assert_every_ticket_once(result, tickets, destination)
    grants = destination.oauth_stats()["grants"]["client_credentials"]
    assert grants >= 4  # the first token and a renewal for each lifetime after it
    assert "scopes 'read write'): valid for 1s, renewed after 0.8s" in result.stderr
    # Renewed before expiry each time; a request that still met a 401 on a loaded machine
    # would have been renewed and sent again, so it is not counted against the run.
    assert result.stderr.count("Renewed the OAuth access token") == grants - 1
    assert_no_secret(result.output, source, destination)


def test_a_refresh_token_import_outlives_its_tokens(source, destination, tmp_path):
    tickets = exported_tickets(source, TICKETS)
    pair = destination.issue_oauth_tokens()
    token_file = tmp_path / "target-tokens.json"
    zendesk = refresh_token_settings(destination.base_url, pair["refresh_token"], token_file)
    config = target_config(tmp_path, destination, zendesk=zendesk, **PACED)
    result = run_target(config, singer_input(tickets, state_every=10))
    assert_every_ticket_once(result, tickets, destination)
    stats = destination.oauth_stats()
    assert stats["grants"]["refresh_token"] >= 4
    assert stats["refused"] == {}  # the two threads never raced a spent refresh token
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert_no_secret(result.output, source, destination)


def test_runs_in_a_row_refresh_through_the_token_file(source, destination, tmp_path):
    tickets = exported_tickets(source, 20)
    pair = destination.issue_oauth_tokens()
    token_file = tmp_path / "target-tokens.json"
    zendesk = refresh_token_settings(destination.base_url, pair["refresh_token"], token_file)
    config = target_config(tmp_path, destination, zendesk=zendesk)
    unchanged = config.read_bytes()
    first = run_target(config, singer_input(tickets[:10]))
    time.sleep(LIFETIME)  # the kept access token is due: the next run refreshes from the file
    second = run_target(config, singer_input(tickets[10:]))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert len(imported_by_external_id(destination)) == 20
    assert config.read_bytes() == unchanged
    stats = destination.oauth_stats()
    assert stats["grants"]["refresh_token"] >= 2
    assert stats["refused"] == {}
    assert_no_secret(first.output + second.output, source, destination)


def test_a_stale_refresh_token_ends_the_run_in_one_line_before_any_import(
    source, destination, tmp_path
):
    pair = destination.issue_oauth_tokens()
    destination.revoke_oauth_tokens(refresh_tokens=True)
    zendesk = refresh_token_settings(
        destination.base_url, pair["refresh_token"], tmp_path / "t.json"
    )
    config = target_config(tmp_path, destination, zendesk=zendesk)
    result = run_target(config, singer_input(exported_tickets(source, 5)))
    assert result.returncode == 1
    assert "Zendesk refused the refresh token from zendesk.oauthRefreshToken" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.states == []
    assert destination.import_requests() == []
    assert_no_secret(result.output, source, destination)


def revoke_when(destination, imports, **revoke):
    """Revoke tokens from a thread once ``imports`` imports were accepted."""

    def wait_and_revoke():
        deadline = time.monotonic() + 60
        while len(destination.import_requests()) < imports and time.monotonic() < deadline:
            time.sleep(0.01)
        destination.revoke_oauth_tokens(**revoke)

    thread = threading.Thread(target=wait_and_revoke, daemon=True)
    thread.start()
    return thread


def test_a_token_revoked_mid_import_is_renewed_and_the_import_goes_on(
    source, destination, tmp_path
):
    destination.configure(access_token_lifetime=600)  # only the revocation renews
    tickets = exported_tickets(source, 40)
    zendesk = oauth_client_settings(destination.base_url)
    config = target_config(tmp_path, destination, zendesk=zendesk, **PACED)
    revoker = revoke_when(destination, 3)
    result = run_target(config, singer_input(tickets, state_every=5))
    revoker.join(timeout=5)
    assert_every_ticket_once(result, tickets, destination)
    assert "Zendesk refused the OAuth access token (HTTP 401) before it was due" in result.stderr
    refused = [e for e in destination.request_log() if e["status"] == 401]
    assert refused  # the revocation was met, by an import or a job poll
    assert destination.oauth_stats()["grants"]["client_credentials"] == 2
    assert_no_secret(result.output, source, destination)


def test_a_fixed_token_revoked_mid_import_stops_cleanly_with_every_state_safe(
    source, destination, tmp_path
):
    destination.configure(access_token_lifetime=600)
    tickets = exported_tickets(source, 40)
    token = destination.issue_oauth_tokens()["access_token"]
    zendesk = {"domain": destination.base_url, "oauthToken": token}
    config = target_config(tmp_path, destination, zendesk=zendesk, **PACED)
    revoker = revoke_when(destination, 3)
    result = run_target(config, singer_input(tickets, state_every=5))
    revoker.join(timeout=5)
    assert result.returncode == 1
    assert "check zendesk.oauthToken; a fixed OAuth access token is not renewed" in result.stderr
    assert "zendesk.oauthClientId and zendesk.oauthClientSecret renew tokens" in result.stderr
    assert "Traceback" not in result.stderr
    imported = imported_by_external_id(destination)
    assert len(imported) < len(tickets)
    assert result.states  # some STATEs went out before the revocation
    for state in result.states:  # a STATE only once every ticket before it is in
        for ticket in tickets[: state["through"]]:
            assert (ticket.get("external_id") or str(ticket["id"])) in imported
    assert_no_secret(result.output, source, destination)


def test_an_expired_fixed_token_stops_the_import_cleanly(source, destination, tmp_path):
    tickets = exported_tickets(source, TICKETS)
    token = destination.issue_oauth_tokens()["access_token"]  # lives LIFETIME
    zendesk = {"domain": destination.base_url, "oauthToken": token}
    config = target_config(tmp_path, destination, zendesk=zendesk, **PACED)
    result = run_target(config, singer_input(tickets, state_every=5))
    assert result.returncode == 1
    assert "a fixed OAuth access token is not renewed" in result.stderr
    assert "Traceback" not in result.stderr
    imported = imported_by_external_id(destination)
    assert len(imported) < len(tickets)
    assert result.states  # some STATEs went out before the token expired
    for state in result.states:
        for ticket in tickets[: state["through"]]:
            assert (ticket.get("external_id") or str(ticket["id"])) in imported
    assert_no_secret(result.output, source, destination)
