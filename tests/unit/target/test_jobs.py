import pytest

from target_zendesk_tickets.jobs import (
    describe_failures,
    fetch_jobs,
    outcome,
    parse_job_list,
    parse_job_status,
)
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.conftest import make_batch
from tests.unit.target.messages import JOB_URL, SHOW_MANY_URL, base_config, created
from zendesk_api.errors import ZendeskResponseError
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


def test_completed_job_without_results_created_the_whole_batch():
    result = outcome(parse_job_status({"id": "a", "status": "completed", "results": None}), 5)
    assert result.ok and result.imported == 5


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
        {"index": 1, "success": False, "error": "RecordInvalid", "details": "Subject: missing"}
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
    assert lines[-1] == "... and 25 more failing tickets"


@pytest.fixture
def client():
    client = ZendeskClient(read_target_settings(base_config()).connection, "test")
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
