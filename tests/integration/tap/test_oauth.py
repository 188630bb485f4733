"""The real tap with OAuth client settings against a sandbox whose tokens live about a second.

Exports are paced (``pollingPeriod``, small pages) to last several token lifetimes, so every
renewal happens for real; nothing else waits.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.configs import oauth_client_settings, refresh_token_settings, tap_config
from tests.support.processes import clean_env, run_tap
from tests.support.secrets import assert_no_secret

# Seconds an access token lives: renewed 0.3 s before it expires, which is ample for a request
# on loopback (the tap cannot yet recover from a 401, so the margin must hold).
LIFETIME = 1.5
PACED = {"pageSize": 5, "pollingPeriod": "400ms"}  # 13 pages, over 5 s: more than 3 lifetimes


@pytest.fixture
def account(make_sandbox):
    sandbox = make_sandbox(tickets=60, rate_limits={})
    sandbox.configure(access_token_lifetime=LIFETIME)
    return sandbox


def exports(sandbox):
    return [entry["status"] for entry in sandbox.request_log() if entry["route"] == "export"]


def assert_every_ticket_once(run, sandbox):
    assert run.returncode == 0, run.stderr
    assert [record["id"] for record in run.tickets] == sandbox.visible_ticket_ids()


def test_a_client_credentials_export_outlives_its_tokens(account, tmp_path):
    config = tap_config(
        tmp_path, account.base_url, zendesk=oauth_client_settings(account.base_url), **PACED
    )
    run = run_tap(config, env=clean_env(TAP_ZENDESK_TICKETS_LOGLEVEL="DEBUG"))
    assert_every_ticket_once(run, account)
    grants = account.oauth_stats()["grants"]["client_credentials"]
    assert grants >= 4  # the first token and a renewal for each lifetime after it
    assert run.stderr.count("Renewed the OAuth access token before it expires") == grants - 1
    assert "scopes 'read'): valid for 1.5s, renewed after 1.2s" in run.stderr
    assert set(exports(account)) == {200}
    assert_no_secret(run.output, account)


def test_a_refresh_token_export_outlives_its_tokens_and_keeps_the_newest_pair(account, tmp_path):
    pair = account.issue_oauth_tokens()
    token_file = tmp_path / "tap-tokens.json"
    zendesk = refresh_token_settings(account.base_url, pair["refresh_token"], token_file)
    run = run_tap(tap_config(tmp_path, account.base_url, zendesk=zendesk, **PACED))
    assert_every_ticket_once(run, account)
    stats = account.oauth_stats()
    assert stats["grants"]["refresh_token"] >= 4
    assert stats["refused"] == {}
    assert stats["live_refresh_tokens"] == 1  # each refresh spent the one before
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert_no_secret(run.output, account)


def test_runs_in_a_row_refresh_through_the_token_file_with_the_same_config(account, tmp_path):
    # Tokens that outlive a run's end and the next run's start (a second or more on a busy
    # machine), yet come due within a short wait.
    lifetime = 4.0
    account.configure(access_token_lifetime=lifetime)
    pair = account.issue_oauth_tokens()
    token_file = tmp_path / "tap-tokens.json"
    zendesk = refresh_token_settings(account.base_url, pair["refresh_token"], token_file)
    config = tap_config(tmp_path, account.base_url, zendesk=zendesk, pageSize=20)
    unchanged = config.read_bytes()
    first = run_tap(config)
    assert_every_ticket_once(first, account)
    # At once: the access token kept in the file is still good and is used as it is.
    second = run_tap(config, state=first.states[-1])
    assert second.returncode == 0, second.stderr
    assert "Using the OAuth access token (refresh-token grant" in second.stderr
    assert f"kept in {token_file}" in second.stderr
    assert account.oauth_stats()["grants"]["refresh_token"] == 1
    # Once it is due: refreshed with the file's refresh token (the configured one is spent).
    time.sleep(lifetime)
    third = run_tap(config, state=second.states[-1])
    assert third.returncode == 0, third.stderr
    stats = account.oauth_stats()
    assert stats["grants"]["refresh_token"] == 2
    assert stats["refused"] == {}
    assert config.read_bytes() == unchanged
    assert_no_secret(first.output + second.output + third.output, account)


def test_a_stale_refresh_token_ends_the_run_in_one_line(account, tmp_path):
    pair = account.issue_oauth_tokens()
    account.revoke_oauth_tokens(refresh_tokens=True)
    zendesk = refresh_token_settings(account.base_url, pair["refresh_token"], tmp_path / "t.json")
    run = run_tap(tap_config(tmp_path, account.base_url, zendesk=zendesk))
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "invalid_grant" in line]
    assert len(errors) == 1, run.stderr
    assert "Zendesk refused the refresh token from zendesk.oauthRefreshToken" in errors[0]
    assert "Traceback" not in run.stderr
    assert run.tickets == []
    assert exports(account) == []  # nothing was asked without a token
    assert_no_secret(run.output, account)


def test_an_expired_fixed_token_stops_the_export_cleanly_with_the_last_state_safe(
    account, tmp_path
):
    token = account.issue_oauth_tokens()["access_token"]  # lives LIFETIME, never renewed
    zendesk = {"domain": account.base_url, "oauthToken": token}
    run = run_tap(tap_config(tmp_path, account.base_url, zendesk=zendesk, **PACED))
    assert run.returncode == 1
    assert (
        "with the OAuth access token: check zendesk.oauthToken; a fixed OAuth access token is not renewed"
        in run.stderr
    )
    assert "zendesk.oauthClientId and zendesk.oauthClientSecret renew tokens" in run.stderr
    assert "Traceback" not in run.stderr
    assert exports(account)[-1] == 401
    emitted = [record["id"] for record in run.tickets]
    assert emitted and emitted == account.visible_ticket_ids()[: len(emitted)]
    last = run.states[-1]["bookmarks"]["tickets"]
    assert last["id"] == emitted[-1]  # the bookmark names the last ticket emitted, no further
    assert_no_secret(run.output, account)


def test_a_token_revoked_mid_export_is_renewed(account, tmp_path):
    account.configure(access_token_lifetime=600)  # only the revocation renews
    config = tap_config(
        tmp_path, account.base_url, zendesk=oauth_client_settings(account.base_url), **PACED
    )
    revoked = threading.Event()

    def revoke_after_a_few_pages():
        while len(exports(account)) < 4:
            threading.Event().wait(0.02)
        account.revoke_oauth_tokens()
        revoked.set()

    threading.Thread(target=revoke_after_a_few_pages, daemon=True).start()
    run = run_tap(config)
    assert revoked.is_set()
    assert_every_ticket_once(run, account)
    # The revoked token meets the next request: an export page, or a look-up of the
    # users the page's tickets refer to.
    assert 401 in [entry["status"] for entry in account.request_log()]
    assert account.oauth_stats()["grants"]["client_credentials"] == 2
