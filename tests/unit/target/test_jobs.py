import pytest

from target_zendesk_tickets.importing.jobs import (
    JobStatus,
    describe_failures,
    fetch_jobs,
    outcome,
    parse_job_list,
    parse_job_status,
)
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.conftest import make_batch
from tests.unit.target.messages import JOB_URL, SHOW_MANY_URL, created, target_test_config
from zendesk_api.errors import ZendeskAuthError, ZendeskResponseError
from zendesk_api.http import ZendeskClient


def test_parse_job_status_reads_the_fields():
    job = parse_job_status(
        {
            "job_status": {
                "id": "abc",
                "status": "Completed",
                "results": created(2),
                "message": "done",
            }
        }
    )
    assert (job.id, job.status, job.message) == ("abc", "completed", "done")
    assert job.finished and not job.failed
    assert len(job.results) == 2


@pytest.mark.parametrize(
    ("status", "finished", "failed"),
    [
        ("queued", False, False),
        ("working", False, False),
        ("completed", True, False),
        ("failed", True, True),
        ("killed", True, True),
    ],
)
def test_job_states(status, finished, failed):
    job = parse_job_status({"id": "a", "status": status})
    assert (job.finished, job.failed) == (finished, failed)


@pytest.mark.parametrize(
    "document", [{}, {"job_status": {"status": "queued"}}, {"id": "a"}, [], "text"]
)
def test_job_status_without_id_or_status_is_a_response_error(document):
    with pytest.raises(ZendeskResponseError):
        parse_job_status(document)


def test_parse_job_list_requires_the_array():
    assert [j.id for j in parse_job_list({"job_statuses": [{"id": "a", "status": "queued"}]})] == [
        "a"
    ]
    with pytest.raises(ZendeskResponseError, match="no 'job_statuses' array"):
        parse_job_list({"jobs": []})


def test_completed_job_with_every_ticket_created_is_ok():
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": created(3)}), 3)
    assert result.ok and result.imported == 3 and result.failures == []


@pytest.mark.parametrize("results", [None, [], {"success": True}])
def test_completed_job_without_results_is_not_taken_for_a_success(results):
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": results}), 5)
    assert not result.ok and result.imported == 0
    [failure] = result.failures
    assert failure.index == -1 and failure.unconfirmed
    assert "lists no results" in failure.reason


def test_completed_job_with_fewer_results_than_tickets_names_the_missing_positions():
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": created(3)}), 5)
    assert not result.ok and result.imported == 3
    assert [(f.index, f.reason, f.unconfirmed) for f in result.failures] == [
        (3, "not in the job's results", True),
        (4, "not in the job's results", True),
    ]
    assert (result.failed, result.unconfirmed) == (0, 2)


def test_an_index_listed_twice_is_not_confirmed():
    results = [{"index": 0, "id": 1}, {"index": 0, "id": 2}, {"index": 2, "id": 3}]
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": results}), 3)
    assert not result.ok and result.imported == 1
    assert [(f.index, f.reason) for f in result.failures] == [
        (0, "listed more than once in the job's results"),
        (1, "not in the job's results"),
    ]


@pytest.mark.parametrize(
    ("entry", "reason", "unconfirmed"),
    [
        ({"index": 1, "id": 9, "status": "Failed"}, "Failed", False),
        ({"index": 1, "id": 9, "success": False}, "Zendesk gave no reason", False),
        ({"index": 1, "error": "RecordInvalid"}, "RecordInvalid", False),
        ({"index": 1, "id": None}, "the job's result gives no ticket id", True),
        ({"index": 1}, "the job's result gives no ticket id", True),
    ],
)
def test_a_result_entry_that_failed_or_has_no_id_is_not_a_success(entry, reason, unconfirmed):
    results = [{"index": 0, "id": 8}, entry]
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": results}), 2)
    assert not result.ok and result.imported == 1
    assert [(f.index, f.reason, f.unconfirmed) for f in result.failures] == [
        (1, reason, unconfirmed)
    ]


def test_results_outside_the_batch_or_without_index_are_reported():
    results = [{"index": 0, "id": 1}, {"index": 5, "id": 2}, {"id": 3}]
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": results}), 2)
    assert not result.ok and result.imported == 1
    assert [(f.index, f.unconfirmed) for f in result.failures] == [(-1, True), (1, True), (5, True)]
    lines = describe_failures(result, make_batch(2))
    assert lines[0].startswith("result 3 has no index: {'id': 3}")
    assert lines[2] == "an entry Zendesk numbered 5, outside batch 1: not a position of this batch"


@pytest.mark.parametrize("status", ["paused", "retrying", ""])
def test_an_unknown_status_counts_as_still_running(status):
    job = JobStatus("a", status, created(2))
    assert not job.finished and not job.failed


def test_a_killed_job_is_a_failure_even_with_results():
    job = parse_job_status({"id": "a", "status": "killed", "results": created(2)})
    result = outcome(job, 2)
    assert not result.ok
    assert [(f.index, f.reason) for f in result.failures] == [(-1, "the job ended 'killed'")]


def test_per_ticket_failures_are_found_by_index():
    results = [
        {"index": 0, "id": 500},
        {
            "index": 1,
            "success": False,
            "error": "RecordInvalid",
            "details": "Status: deleted is not valid",
        },
        {"index": 2, "id": 501},
        {
            "index": 3,
            "success": False,
            "error": "RecordInvalid",
            "details": {"requester": [{"description": "Requester: Email is invalid"}]},
        },
    ]
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": results}), 4)
    assert not result.ok
    assert result.imported == 2
    assert [(f.index, f.reason) for f in result.failures] == [
        (1, "RecordInvalid: Status: deleted is not valid"),
        (3, "RecordInvalid: requester: Requester: Email is invalid"),
    ]


def test_failed_job_without_per_ticket_errors_is_a_whole_job_failure():
    job = parse_job_status({"id": "a", "status": "failed", "message": "Failed at 10:00: boom"})
    result = outcome(job, 3)
    assert not result.ok and result.imported == 0
    assert [(f.index, f.reason) for f in result.failures] == [(-1, "Failed at 10:00: boom")]


def test_failure_lines_name_the_ticket_its_line_and_position():
    batch = make_batch(3, first_id=40, number=5)
    results = [
        {"index": 0, "id": 1},
        {"index": 1, "success": False, "error": "RecordInvalid", "details": "Subject: missing"},
        {"index": 2, "id": 2},
    ]
    lines = describe_failures(
        outcome(parse_job_status({"id": "a", "status": "completed", "results": results}), 3), batch
    )
    assert lines == [
        "ticket 41, input line 11, position 2 of 3 in batch 5: RecordInvalid: Subject: missing"
    ]


def test_failure_lines_are_capped():
    batch = make_batch(30)
    results = [{"index": i, "success": False, "error": "RecordInvalid"} for i in range(30)]
    lines = describe_failures(
        outcome(parse_job_status({"id": "a", "status": "failed", "results": results}), 30),
        batch,
        limit=5,
    )
    assert len(lines) == 6
    assert lines[-1] == "... and 25 more"


@pytest.fixture
def client():
    client = ZendeskClient(read_target_settings(target_test_config()).connection, "test")
    yield client
    client.session.close()


def test_one_open_job_is_fetched_by_id(mock, client):
    mock.get(JOB_URL.format(id="abc"), json={"job_status": {"id": "abc", "status": "working"}})
    assert fetch_jobs(client, ["abc"])["abc"].status == "working"


def test_several_open_jobs_are_fetched_with_show_many(mock, client):
    mock.get(
        SHOW_MANY_URL,
        json={
            "job_statuses": [{"id": "a", "status": "queued"}, {"id": "b", "status": "completed"}]
        },
    )
    jobs = fetch_jobs(client, ["a", "b"])
    assert {k: v.status for k, v in jobs.items()} == {"a": "queued", "b": "completed"}
    assert mock.request_history[0].qs == {"ids": ["a,b"]}


@pytest.mark.parametrize(
    "auth", [{"apiToken": "t", "userName": "agent@acme.test"}, {"oauthToken": "o"}]
)
def test_a_403_on_job_statuses_does_not_say_admins_only(mock, auth):
    config = target_test_config()
    config["zendesk"] = {"domain": "acme", **auth}
    client = ZendeskClient(read_target_settings(config).connection, "test")
    mock.get(
        JOB_URL.format(id="abc"),
        status_code=403,
        json={"error": "Forbidden", "description": "You do not have access to this page."},
    )
    with pytest.raises(ZendeskAuthError) as info:
        fetch_jobs(client, ["abc"])
    client.session.close()
    message = str(info.value)
    assert "admins only" not in message
    assert "may not read import job statuses: Zendesk allows this to agents and admins" in message
    assert ("'read' scope" in message) is ("oauthToken" in auth)
