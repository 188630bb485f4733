"""Rate limits, server errors, lost answers and refused credentials, against the sandbox."""

import copy
import itertools

import pytest
import requests

from tests.integration.target.harness import (
    TAP_SCHEMA,
    exported_tickets,
    imported_by_external_id,
    run_target,
    schema_line,
    singer_input,
    target_config,
    wait_for_fault,
)
from zendesk_sandbox import Credentials


@pytest.fixture
def source(make_sandbox):
    return make_sandbox(tickets=120, rate_limits={})


@pytest.fixture
def destination(make_sandbox):
    return make_sandbox(tickets=0, job_delay=0.05, rate_limits={})


def import_statuses(sandbox):
    return [entry["status"] for entry in sandbox.request_log() if entry["route"] == "import"]


def test_429_twice_then_success(source, destination, tmp_path):
    destination.add_fault("429", route="import", count=2, retry_after="0.05")
    tickets = exported_tickets(source, 10)
    result = run_target(target_config(tmp_path, destination), singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [429, 429, 200]
    assert len(imported_by_external_id(destination)) == 10
    waits = [
        line for line in result.stderr.splitlines() if "Rate limited by Zendesk (HTTP 429)" in line
    ]
    assert len(waits) == 2
    assert all("| INFO" in line and "waiting 0.05s" in line for line in waits)


def test_every_import_call_gets_its_own_retries(source, destination, tmp_path):
    # Each batch meets two 429s; with maxRetries 2 both must get through.
    for _ in range(2):
        destination.add_fault("429", route="import", count=2, retry_after="0.01")
        destination.add_fault("slow", route="import", delay=0)  # the batch's successful call
    tickets = exported_tickets(source, 10)
    config = target_config(tmp_path, destination, bufferSize=5, maxRetries=2, maxJobsInFlight=1)
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [429, 429, 200, 429, 429, 200]
    assert len(imported_by_external_id(destination)) == 10


def test_429_past_max_retries_fails_with_the_http_details(source, destination, tmp_path):
    destination.add_fault("429", route="import", count=3, retry_after="0.01")
    tickets = exported_tickets(source, 10)
    result = run_target(target_config(tmp_path, destination, maxRetries=2), singer_input(tickets))
    assert result.returncode == 1
    error = result.errors()[-1]
    assert "rate limit exceeded after 2 retries" in error
    assert (
        "HTTP 429 on POST /api/v2/imports/tickets/create_many.json: Number of allowed API requests per minute exceeded"
        in error
    )
    assert "Nothing of this batch was imported" in error
    assert "No batch was imported completely; no STATE was written." in result.stderr
    assert import_statuses(destination) == [429, 429, 429]
    assert destination.imported_tickets() == []
    assert result.states == []
    assert "Traceback" not in result.stderr


def test_the_account_s_free_job_slots_are_respected(make_sandbox, source, tmp_path):
    # One slot on the account: the header on each import answer says it is taken, so the
    # target waits for its job to finish before starting the next, instead of a 429.
    destination = make_sandbox(tickets=0, job_delay=0.3, rate_limits={}, max_jobs=1)
    tickets = exported_tickets(source, 15)
    config = target_config(tmp_path, destination, bufferSize=5, maxJobsInFlight=3)
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [200, 200, 200]
    times = [request["time"] for request in destination.import_requests()]
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(times))  # one job at a time
    assert len(imported_by_external_id(destination)) == 15


def test_other_runs_import_jobs_are_waited_for_before_anything_is_sent(
    make_sandbox, source, tmp_path
):
    # Another client's import holds the account's only job slot when the target starts:
    # it may be a killed run of this target whose tickets are still going in.
    destination = make_sandbox(tickets=0, job_delay=1.5, rate_limits={}, max_jobs=1)
    other = requests.post(
        destination.base_url + "/api/v2/imports/tickets/create_many.json",
        json={"tickets": [{"subject": "theirs", "requester_id": 1, "description": "x"}]},
        auth=Credentials().admin_basic,
        timeout=10,
    )
    assert other.status_code == 200, other.text
    tickets = exported_tickets(source, 5)
    # upsert: its look-ups must find what the other run imports (append-only reads nothing).
    config = target_config(tmp_path, destination, load_method="upsert")
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert "Waiting for 1 job(s) this run did not start to finish" in result.stderr
    assert import_statuses(destination) == [200, 200]  # theirs, then ours: no TooManyJobs
    assert len(imported_by_external_id(destination)) == 6


def test_too_many_jobs_is_waited_out(source, destination, tmp_path):
    destination.add_fault(
        "status",
        route="import",
        status=429,
        body={
            "error": "TooManyJobs",
            "description": "Too many jobs are currently queued or running. Try again later.",
        },
        retry_after="0.05",
    )
    result = run_target(
        target_config(tmp_path, destination), singer_input(exported_tickets(source, 5))
    )
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [429, 200]
    assert "(TooManyJobs, HTTP 429)" in result.stderr
    assert len(imported_by_external_id(destination)) == 5


def test_503_with_retry_after_is_retried(source, destination, tmp_path):
    destination.add_fault("503", route="import", retry_after="0.05")
    result = run_target(
        target_config(tmp_path, destination), singer_input(exported_tickets(source, 5))
    )
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [503, 200]
    assert "Zendesk is unavailable (HTTP 503)" in result.stderr


def test_503_without_retry_after_is_checked_before_sending_again(source, destination, tmp_path):
    destination.add_fault("503", route="import")  # as a proxy might answer
    config = target_config(tmp_path, destination, jobTimeout="1s")  # a short settle period
    result = run_target(config, singer_input(exported_tickets(source, 5)))
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [503, 200]
    assert "checking whether Zendesk imported it" in result.stderr
    assert "none of its tickets is in Zendesk, so it is sent again" in result.stderr
    assert len(imported_by_external_id(destination)) == 5


def test_refused_connections_are_retried_then_reported(tmp_path, destination, source):
    config = target_config(tmp_path, destination, maxRetries=2, load_method="upsert")
    config.write_text(config.read_text().replace(destination.base_url, "http://127.0.0.1:9"))
    result = run_target(config, singer_input(exported_tickets(source, 3)))
    assert result.returncode == 1
    error = result.errors()[-1]
    # The first call reads the job list, for other runs' import jobs (crash safety).
    assert "could not connect to Zendesk" in error
    assert "after 2 retries (maxRetries)" in error


@pytest.mark.parametrize("kind", ["500", "502", "504", "reset", "truncated_json"])
def test_a_lost_answer_after_the_import_does_not_import_twice(source, destination, tmp_path, kind):
    destination.add_fault(
        kind, route="import", **({} if kind == "truncated_json" else {"after": True})
    )
    tickets = exported_tickets(source, 12)
    # jobTimeout bounds the settle period after a 502, a 504 or a reset (10 s otherwise).
    config = target_config(tmp_path, destination, jobTimeout="1s")
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert len(destination.import_requests()) == 1  # never sent again
    assert len(imported_by_external_id(destination)) == 12  # raises on a duplicate
    assert "counting it as imported, not sending it again" in result.stderr
    assert result.states == [{"through": 12}]


def test_a_timeout_after_the_import_does_not_import_twice(source, destination, tmp_path):
    destination.add_fault("slow", route="import", delay=2.0, after=True)
    tickets = exported_tickets(source, 6)
    result = run_target(
        target_config(tmp_path, destination, requestTimeout="300ms", jobTimeout="1s"),
        singer_input(tickets),
    )
    assert result.returncode == 0, result.stderr
    assert "did not answer POST /api/v2/imports/tickets/create_many.json in time" in result.stderr
    assert len(imported_by_external_id(destination)) == 6


def test_a_plain_500_before_the_import_sends_the_batch_again(source, destination, tmp_path):
    destination.add_fault("500", route="import")
    tickets = exported_tickets(source, 8)
    result = run_target(target_config(tmp_path, destination), singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert import_statuses(destination) == [500, 200]
    assert len(imported_by_external_id(destination)) == 8
    assert "none of its tickets is in Zendesk, so it is sent again" in result.stderr


def test_a_lost_answer_with_part_of_the_batch_in_zendesk_stops_with_both_lists(
    source, destination, tmp_path
):
    tickets = exported_tickets(source, 4)
    tickets[2]["status"] = "escalated"  # this one fails inside the job
    destination.add_fault("500", route="import", after=True)
    result = run_target(target_config(tmp_path, destination), singer_input(tickets))
    assert result.returncode == 1
    error = result.errors()[-1]
    assert "Could not tell whether batch 1 (4 tickets" in error
    assert f"1 missing ({tickets[2].get('external_id') or tickets[2]['id']})" in error
    assert "3 in Zendesk" in error
    assert len(destination.import_requests()) == 1


def test_job_status_trouble_is_ridden_out(source, destination, tmp_path):
    # (The first job-status call reads the job list, for other runs' jobs: a real answer.)
    destination.add_fault("slow", route="job_status", delay=0)
    destination.add_fault("500", route="job_status", count=2)
    destination.add_fault("429", route="job_status", retry_after="0.05")
    destination.add_fault("malformed_json", route="job_status")
    result = run_target(
        target_config(tmp_path, destination), singer_input(exported_tickets(source, 5))
    )
    assert result.returncode == 0, result.stderr
    assert len(destination.imported_tickets()) == 5


@pytest.mark.parametrize(
    ("zendesk", "expected"),
    [
        (
            {"userName": Credentials.admin_email, "apiToken": "wrong-token-123"},
            [
                # append-only reads nothing first: the import is the first call
                "HTTP 401 on POST /api/v2/imports/tickets/create_many.json",
                "Couldn't authenticate you",
                "check zendesk.userName and zendesk.apiToken",
            ],
        ),
        (
            {"userName": Credentials.agent_email, "apiToken": Credentials.agent_token},
            [
                "HTTP 403 on POST /api/v2/imports/tickets/create_many.json",
                "may not import tickets: Zendesk allows this to admins only",
            ],
        ),
        (
            {"oauthToken": Credentials.readonly_oauth_token},
            ["HTTP 403", "the OAuth token needs the 'write' scope"],
        ),
    ],
    ids=["401", "403-agent", "403-read-only-oauth"],
)
def test_refused_credentials_fail_at_once_in_one_line(
    source, destination, tmp_path, zendesk, expected
):
    config = target_config(
        tmp_path, destination, zendesk={"domain": destination.base_url, **zendesk}
    )
    result = run_target(config, singer_input(exported_tickets(source, 5)))
    assert result.returncode == 1
    errors = result.errors()
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in errors[0]
    assert "No batch was imported completely" in errors[0]
    # Refused at the first call, the import: never sent again.
    assert len(import_statuses(destination)) == 1
    assert "Traceback" not in result.stderr


def test_closed_tickets_archived_on_import_cannot_be_checked_after_a_lost_answer(
    source, destination, tmp_path
):
    tickets = exported_tickets(source, 3)
    for ticket in tickets:
        ticket["status"] = "closed"
    destination.add_fault("500", route="import", after=True)
    config = target_config(tmp_path, destination, archiveImmediately=True)
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 1
    error = result.errors()[-1]
    assert "3 that cannot be checked" in error
    assert "closed tickets imported with archiveImmediately" in error
    assert len(destination.import_requests()) == 1  # not sent again: no duplicates


def test_an_import_that_takes_effect_after_a_timeout_is_not_imported_twice(
    source, destination, tmp_path
):
    # Zendesk holds the call 2 s before it creates the job; the target gives up after 0.5 s.
    destination.add_fault("slow", route="import", delay=2.0)
    tickets = exported_tickets(source, 6)
    config = target_config(tmp_path, destination, requestTimeout="500ms", jobTimeout="3s")
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert "did not answer POST /api/v2/imports/tickets/create_many.json in time" in result.stderr
    wait_for_fault(destination, "slow")  # the lost call has done all it will do
    assert len(destination.import_requests()) == 1
    assert len(imported_by_external_id(destination)) == 6  # raises on a duplicate
    assert result.states == [{"through": 6}]


def test_numeric_external_ids_are_found_after_a_lost_answer(source, destination, tmp_path):
    """A tap may type external_id as a number; Zendesk keeps it as a string."""
    destination.add_fault("500", route="import", after=True)
    schema = copy.deepcopy(TAP_SCHEMA)
    schema["properties"]["external_id"] = {"type": ["integer", "string", "null"]}
    tickets = exported_tickets(source, 5)
    for number, ticket in enumerate(tickets, start=1):
        ticket["external_id"] = 880_000 + number
    lines = [schema_line(schema=schema), *singer_input(tickets)[1:]]
    result = run_target(target_config(tmp_path, destination), lines)
    assert result.returncode == 0, result.stderr
    assert len(destination.import_requests()) == 1  # never sent again
    imported = imported_by_external_id(destination)  # raises on a duplicate
    assert sorted(imported) == [str(880_000 + n) for n in range(1, 6)]
    assert "counting it as imported, not sending it again" in result.stderr


def test_a_lost_import_still_running_past_the_first_page_of_jobs_is_waited_for(
    make_sandbox, source, tmp_path
):
    destination = make_sandbox(tickets=0, job_delay=4.0, max_jobs=0, rate_limits={})
    for number in range(101):  # another client's finished jobs fill the first page of the list
        destination.account.start_import(
            [{"subject": "other", "external_id": f"o-{number}"}], False, {}
        )
    destination.account.advance_clock(5.0)
    # The target gives up after 0.5 s; Zendesk creates the job at 1 s, and it runs for 4 s:
    # while the target checks, it is still running, listed after the 101 finished ones.
    destination.add_fault("slow", route="import", delay=1.0)
    tickets = exported_tickets(source, 6)
    config = target_config(tmp_path, destination, requestTimeout="500ms", jobTimeout="3s")
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert "Waiting for 1 job(s) this run did not start to finish" in result.stderr
    assert "counting it as imported, not sending it again" in result.stderr
    wait_for_fault(destination, "slow")
    destination.account.advance_clock(5.0)  # whatever is still running is done
    assert len(destination.import_requests()) == 101 + 1
    imported = imported_by_external_id(destination)  # raises on a duplicate
    assert len(imported) == 101 + 6
    assert result.states == [{"through": 6}]
