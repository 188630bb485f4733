"""Copying tickets unchanged from one realistic account into another fails, as on Zendesk.

The source's requesters, agents, groups, brands and forms have ids the destination does
not know, so Zendesk refuses each ticket (``Assignee: is invalid`` and more). This is the
gap the target closes when it maps references between accounts (issue 11, its
``mapReferences`` setting); the target here passes ids through unchanged
(``mapReferences: off``), and the same pipeline succeeds only into the idealised account.
"""

from __future__ import annotations

from tests.support.configs import tap_config
from tests.support.pipeline import run_pipeline
from tests.support.processes import write_json
from zendesk_sandbox import Credentials


def target_config(tmp_path, base_url, **settings):
    return write_json(
        tmp_path / "target.json",
        {
            "zendesk": {
                "domain": base_url,
                "userName": Credentials.admin_email,
                "apiToken": Credentials.admin_token,
            },
            "jobPollInterval": "20ms",
            "defaultRetryAfter": "20ms",
            "retryBackoff": "5ms",
            "requestTimeout": "10s",
            **settings,
        },
    )


def test_tap_into_target_between_two_strict_accounts_fails_like_zendesk(make_pair, tmp_path):
    source, destination = make_pair(tickets=60, overlap=0.8)
    unchanged = target_config(tmp_path, destination.base_url, mapReferences="off")
    run = run_pipeline(tap_config(tmp_path, source.base_url), unchanged)
    assert run.target_returncode == 1, run.target_stderr
    assert "Zendesk did not import" in run.target_stderr
    assert "TicketCreateFailed" in run.target_stderr
    assert "Assignee: is invalid" in run.target_stderr
    assert "Requester: is invalid" in run.target_stderr
    assert "Traceback" not in run.target_stderr
    assert destination.imported_tickets() == []
    assert run.target_stdout.strip() == "", "no STATE: nothing was imported"


def test_the_same_pipeline_into_the_idealised_account_succeeds(
    make_account, make_sandbox, tmp_path
):
    source = make_account(tickets=60)
    destination = make_sandbox(tickets=0, job_delay=0.05, rate_limits={})
    run = run_pipeline(
        tap_config(tmp_path, source.base_url), target_config(tmp_path, destination.base_url)
    )
    assert run.target_returncode == 0, run.target_stderr
    assert run.tap_returncode == 0, run.tap_stderr
    live = source.visible_ticket_ids(exclude_deleted=True)
    assert len(destination.imported_tickets()) == len(live)
