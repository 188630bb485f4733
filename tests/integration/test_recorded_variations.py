"""The real tap and target against the variations real Zendesk accounts show (issue 23):
no rate-limit headers, TooManyJobs without Retry-After and job slots held by other clients,
single job look-ups that find nothing, cursor lists whose last page links on, and the
OAuth token endpoint's 201 with short lifetimes asked for.

No test asserts a time: whether a wait ended early is read from the log lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import requests

from tests.integration.target.harness import (
    exported_tickets,
    imported_by_external_id,
    run_target,
    singer_input,
    target_config,
)
from tests.integration.target.test_copy import assert_same_conversation, copies
from tests.support.catalogs import COPY_STREAMS, catalog_selecting
from tests.support.configs import oauth_client_settings, tap_config
from tests.support.processes import run_tap
from tests.support.secrets import assert_no_secret
from zendesk_sandbox import Credentials, Sandbox, pair_configs

TICKETS = 40
# A third of 4 slots, at least one: the target keeps to its share, the rest is others'.
FOUR_SLOTS = {"max_jobs": 4, "rate_limit_headers": False, "too_many_jobs_retry_after": False}


@pytest.fixture
def start_pair() -> Iterator:
    """``start_pair(**destination_settings)`` -> a started (source, destination) pair."""
    started: list[Sandbox] = []

    def start(**destination: object) -> tuple[Sandbox, Sandbox]:
        common = {"job_delay": 0.2, "rate_limits": {}, "search_delay": 0.0}
        source, target = pair_configs(tickets=TICKETS, overlap=0.8, **common)  # type: ignore[arg-type]
        target = dataclasses.replace(target, **destination)  # type: ignore[arg-type]
        pair = (Sandbox(source).start(), Sandbox(target).start())
        started.extend(pair)
        return pair

    yield start
    for sandbox in started:
        sandbox.stop()


def copy_once(
    source, destination, tmp_path, name, *, state=None, before_target=None, **target_settings
):
    """The tap with every copy stream into the target (upsert), as two processes;
    ``before_target`` is called in between."""
    tap = run_tap(
        tap_config(tmp_path, source.base_url, name=f"tap-{name}.json"),
        catalog=catalog_selecting(COPY_STREAMS),
        state=state,
    )
    assert tap.returncode == 0, tap.stderr
    if before_target is not None:
        before_target()
    config = target_config(
        tmp_path, destination, name=f"target-{name}.json", load_method="upsert", **target_settings
    )
    target = run_target(config, tap.stdout)
    assert target.returncode == 0, target.stderr
    return target


def assert_every_ticket_and_comment_once(source, destination):
    keys = [ticket["external_id"] for ticket in destination.imported_tickets()]
    assert len(keys) == len(set(keys))
    for ticket, copy in copies(source, destination):  # every source ticket, once
        assert_same_conversation(source, destination, ticket, copy)


def test_a_copy_and_a_rerun_without_headers_while_others_hold_the_four_job_slots(
    start_pair, tmp_path
):
    source, destination = start_pair(**FOUR_SLOTS)
    # Real waits: defaultRetryAfter is the default minute, bufferSize small for many jobs.
    settings = {"defaultRetryAfter": "60s", "bufferSize": 10, "jobPollInterval": "200ms"}
    # Another integration holds every slot as the target starts; the first frees after 6 s,
    # long after the target's first import, so that import waits for another client's job.
    first = copy_once(
        source,
        destination,
        tmp_path,
        "first",
        before_target=lambda: destination.start_foreign_jobs(4, 24.0),
        **settings,
    )
    assert_every_ticket_and_comment_once(source, destination)
    assert_slots_waited_for_not_a_minute(first.stderr)
    assert "of another client finished: a job slot is likely free" in first.stderr

    live = source.visible_ticket_ids(exclude_deleted=True)
    still_open = [i for i in live if source.exported_ticket(i)["status"] != "closed"]
    source.update_tickets(still_open[:5], {"subject": "changed in the source"})
    added = source.add_tickets(12)
    source.advance_clock(120)
    second = copy_once(
        source,
        destination,
        tmp_path,
        "second",
        state=first.states[-1],
        before_target=lambda: destination.start_foreign_jobs(4, 24.0),
        **settings,
    )
    assert "12 imported" in second.stderr
    assert_every_ticket_and_comment_once(source, destination)
    assert len(destination.imported_tickets()) == len(live) + len(added)
    assert_slots_waited_for_not_a_minute(second.stderr)


def assert_slots_waited_for_not_a_minute(stderr):
    """TooManyJobs came without Retry-After, and each wait ended once a slot was free."""
    waits = stderr.count("waiting up to 1m (no Retry-After header")
    assert "(TooManyJobs, HTTP 429)" in stderr and waits >= 1
    ended = stderr.count("a job slot is likely free, asking again") + stderr.count(
        "One of this run's jobs finished: a job slot is free, asking again"
    )
    assert ended == waits  # no wait ran its whole minute
    assert "waiting 1m (" not in stderr


def test_a_copy_when_single_job_look_ups_find_nothing(start_pair, tmp_path):
    source, destination = start_pair(failing_job_lookups=True)
    result = copy_once(source, destination, tmp_path, "lookups", bufferSize=10)
    assert_every_ticket_and_comment_once(source, destination)
    assert "following them through the job list" in result.stderr
    assert "does not know the import job" not in result.stderr
    looked_up = [e for e in destination.request_log() if e["route"] == "job_status"]
    assert any(e["path"] == "/api/v2/job_statuses.json" for e in looked_up)


def test_the_tap_stops_at_has_more_though_the_last_page_links_on(start_pair, tmp_path):
    source, destination = start_pair()
    copy_once(source, destination, tmp_path, "lists")
    assert_every_ticket_and_comment_once(source, destination)
    for account in (source, destination):
        for entry in account.request_log():
            query = entry["query"]
            if entry["method"] != "GET" or "page[after]" not in query:
                continue
            # Asked again here: a page after the last one would be empty.
            again = requests.get(
                account.base_url + entry["path"],
                params=query,
                auth=Credentials().admin_basic,
                timeout=10,
            ).json()
            records = [value for value in again.values() if isinstance(value, list)]
            assert any(records), f"followed the last page's link: {entry['path']} {query}"


def test_oauth_runs_with_short_lifetimes_asked_for_from_the_201_endpoint(make_sandbox, tmp_path):
    lowered = {"access_token_lifetime_range": (1.0, 172_800.0)}  # Zendesk's floor is 5m
    source = make_sandbox(tickets=200, rate_limits={}, **lowered)
    destination = make_sandbox(tickets=0, job_delay=0.25, rate_limits={}, **lowered)
    short = {"oauthTokenLifetime": "1s"}  # the accounts' own tokens live 30 minutes
    tap = run_tap(
        tap_config(
            tmp_path, source.base_url, zendesk=oauth_client_settings(source.base_url, **short)
        )
    )
    assert tap.returncode == 0, tap.stderr
    assert "valid for 1s, renewed after 0.8s" in tap.stderr
    tickets = exported_tickets(source, 60)
    config = target_config(
        tmp_path,
        destination,
        zendesk=oauth_client_settings(destination.base_url, **short),
        bufferSize=5,
        maxJobsInFlight=1,
    )
    result = run_target(config, singer_input(tickets, state_every=10))
    assert result.returncode == 0, result.stderr
    assert sorted(imported_by_external_id(destination)) == sorted(
        t.get("external_id") or str(t["id"]) for t in tickets
    )
    assert destination.oauth_stats()["grants"]["client_credentials"] >= 3  # renewed
    token_answers = [e["status"] for e in destination.request_log() if e["route"] == "oauth"]
    assert set(token_answers) == {201}
    assert_no_secret(result.output + tap.stderr, source, destination)


def test_other_clients_jobs_are_waited_for_only_while_they_run(start_pair, tmp_path):
    # Untyped jobs (2023) may be another run's imports: an upsert waits for them, through
    # the job list since single look-ups find nothing; they end within 10 s, jobTimeout is
    # 30 s.
    source, destination = start_pair(job_types=False, failing_job_lookups=True)
    result = copy_once(
        source,
        destination,
        tmp_path,
        "others",
        before_target=lambda: destination.start_foreign_jobs(2, 10.0),
    )
    assert_every_ticket_and_comment_once(source, destination)
    assert "job(s) this run did not start to finish" in result.stderr
    assert "jobTimeout" not in result.stderr
