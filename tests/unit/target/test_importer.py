import logging

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from target_zendesk_tickets.errors import ImportFailedError
from target_zendesk_tickets.importing.recovery import MAX_JOB_PAGES
from tests.unit.target.conftest import make_batch
from tests.unit.target.messages import (
    IMPORT_URL,
    JOB_LIST_URL,
    SHOW_MANY_URL,
    TICKETS_URL,
    job,
)
from zendesk_api.errors import ZendeskAuthError

RATE_LIMITED = {
    "status_code": 429,
    "text": "Number of allowed API requests per minute exceeded",
    "headers": {"Retry-After": "7"},
}
TOO_MANY_JOBS = {
    "status_code": 429,
    "json": {
        "error": "TooManyJobs",
        "description": "Too many jobs are currently queued or running. Try again later.",
        "current_job_ids": ["a", "b"],
    },
    "headers": {"Retry-After": "3"},
}
QUEUED = {"json": job("job-1")}
REFUSED = {
    "exc": requests.ConnectionError(
        MaxRetryError(None, "/", NewConnectionError(None, "Connection refused"))
    )
}


def test_posts_the_batch_as_tickets_and_returns_the_job_id(mock, make_importer):
    mock.post(IMPORT_URL, **QUEUED)
    batch = make_batch(2)
    assert make_importer().submit(batch) == "job-1"
    request = mock.request_history[0]
    assert request.json() == {"tickets": batch.tickets}
    assert request.headers["Content-Type"] == "application/json"
    assert "archive_immediately" not in request.qs


def test_archive_immediately_is_sent_when_set(mock, make_importer):
    mock.post(IMPORT_URL, **QUEUED)
    make_importer(archiveImmediately=True).submit(make_batch(1))
    assert mock.request_history[0].qs == {"archive_immediately": ["true"]}


def test_429_twice_then_success_waits_retry_after_each_time(mock, make_importer, clock, caplog):
    mock.post(IMPORT_URL, [RATE_LIMITED, RATE_LIMITED, QUEUED])
    with caplog.at_level(logging.INFO):
        assert make_importer().submit(make_batch()) == "job-1"
    assert mock.call_count == 3
    assert clock.sleeps == [7.0, 7.0]
    waits = [
        r.getMessage()
        for r in caplog.records
        if "Rate limited by Zendesk (HTTP 429)" in r.getMessage()
    ]
    assert len(waits) == 2
    assert "retry 1 of 3" in waits[0] and "waiting 7s" in waits[0] and "Retry-After" in waits[0]


@pytest.mark.parametrize("header", [None, "soon"])
def test_missing_or_unreadable_retry_after_waits_default_retry_after(
    mock, make_importer, clock, header
):
    headers = {"Retry-After": header} if header else {}
    mock.post(IMPORT_URL, [{"status_code": 429, "text": "slow down", "headers": headers}, QUEUED])
    make_importer(defaultRetryAfter="2s").submit(make_batch())
    assert clock.sleeps == [2.0]


def test_429_past_max_retries_fails_with_the_count_and_the_http_details(mock, make_importer, clock):
    mock.post(IMPORT_URL, [RATE_LIMITED] * 3)
    with pytest.raises(ImportFailedError) as info:
        make_importer(maxRetries=2).submit(make_batch(3))
    message = str(info.value)
    assert "rate limit exceeded after 2 retries" in message
    assert "HTTP 429 on POST /api/v2/imports/tickets/create_many.json" in message
    assert "Number of allowed API requests per minute exceeded" in message
    assert "batch 1 (3 tickets of stream 'tickets', input lines 10-12)" in message
    assert "Nothing of this batch was imported" in message
    assert mock.call_count == 3
    assert clock.sleeps == [7.0, 7.0]


def test_max_retries_zero_means_one_attempt(mock, make_importer):
    mock.post(IMPORT_URL, [RATE_LIMITED])
    with pytest.raises(ImportFailedError, match="rate limit exceeded after 0 retries"):
        make_importer(maxRetries=0).submit(make_batch())
    assert mock.call_count == 1


def test_every_call_gets_its_full_retries(mock, make_importer):
    """The seed shared one counter across batches; a batch after an exhausted one got none."""
    mock.post(
        IMPORT_URL, [RATE_LIMITED, RATE_LIMITED, RATE_LIMITED, RATE_LIMITED, RATE_LIMITED, QUEUED]
    )
    importer = make_importer(maxRetries=2)
    with pytest.raises(ImportFailedError):
        importer.submit(make_batch(number=1))
    assert importer.submit(make_batch(number=2)) == "job-1"
    assert mock.call_count == 6


def test_too_many_jobs_is_waited_out(mock, make_importer, clock, caplog):
    mock.post(IMPORT_URL, [TOO_MANY_JOBS, QUEUED])
    with caplog.at_level(logging.INFO):
        assert make_importer().submit(make_batch()) == "job-1"
    assert clock.sleeps == [3.0]
    assert any("TooManyJobs" in r.getMessage() for r in caplog.records)


def test_too_many_jobs_past_max_retries_says_what_to_change(mock, make_importer):
    mock.post(IMPORT_URL, [TOO_MANY_JOBS] * 2)
    with pytest.raises(ImportFailedError) as info:
        make_importer(maxRetries=1).submit(make_batch())
    assert "rate limit exceeded after 1 retries" in str(info.value)
    assert "TooManyJobs" in str(info.value)
    assert "maxJobsInFlight" in str(info.value)


def test_503_with_retry_after_is_retried(mock, make_importer, clock):
    unavailable = {"status_code": 503, "text": "Maintenance", "headers": {"Retry-After": "5"}}
    mock.post(IMPORT_URL, [unavailable, QUEUED])
    assert make_importer().submit(make_batch()) == "job-1"
    assert clock.sleeps == [5.0]


def test_503_past_max_retries(mock, make_importer):
    unavailable = {"status_code": 503, "text": "Maintenance", "headers": {"Retry-After": "5"}}
    mock.post(IMPORT_URL, [unavailable] * 2)
    with pytest.raises(ImportFailedError, match="Zendesk stayed unavailable after 1 retries"):
        make_importer(maxRetries=1).submit(make_batch())
    assert [r.method for r in mock.request_history] == ["POST", "POST"]


@pytest.mark.parametrize("header", [{}, {"Retry-After": "soon"}])
def test_503_without_retry_after_is_an_unclear_answer(mock, make_importer, clock, header):
    """A proxy may answer 503 after the request went through: look before sending again."""
    unavailable = {"status_code": 503, "text": "Service Unavailable", "headers": header}
    mock.post(IMPORT_URL, [unavailable])
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {"1": "2024-03-07T09:01:44Z", "2": "2024-03-07T09:01:44Z"})
    importer = make_importer(requestTimeout="30s", jobTimeout="10m")
    assert importer.submit(make_batch(2)) is None  # it was there
    assert [r.method for r in mock.request_history].count("POST") == 1
    assert clock.sleeps == [30.0]  # the settle period: the request may still be running


def test_503_without_retry_after_sent_again_once_proved_absent(mock, make_importer):
    mock.post(IMPORT_URL, [{"status_code": 503, "text": "Service Unavailable"}] * 2)
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    with pytest.raises(ImportFailedError) as info:
        make_importer(maxRetries=1).submit(make_batch(2))
    assert "no clear answer after 1 retries" in str(info.value)
    assert "none of its tickets is in Zendesk" in str(info.value)


def test_refused_connection_is_retried_with_backoff(mock, make_importer, clock):
    mock.post(IMPORT_URL, [REFUSED, REFUSED, QUEUED])
    assert make_importer(retryBackoff="1s").submit(make_batch()) == "job-1"
    assert clock.sleeps == [1.0, 2.0]


def test_a_tls_failure_on_import_is_not_a_lost_answer(mock, make_importer, clock):
    tls = requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
    mock.post(IMPORT_URL, exc=tls)
    with pytest.raises(ImportFailedError) as info:
        make_importer(maxRetries=2, retryBackoff="1s").submit(make_batch())
    message = str(info.value)
    assert "Zendesk could not be reached after 2 retries" in message
    assert "does not speak TLS" in message and "zendesk.domain" in message
    assert [r.method for r in mock.request_history] == ["POST"] * 3  # no recovery look-ups
    assert clock.sleeps == [1.0, 2.0]  # no settle period either


def test_refused_connection_past_max_retries(mock, make_importer):
    mock.post(IMPORT_URL, [REFUSED] * 4)
    with pytest.raises(ImportFailedError) as info:
        make_importer().submit(make_batch())
    assert "Zendesk could not be reached after 3 retries" in str(info.value)
    assert "could not connect to Zendesk" in str(info.value)


def test_401_fails_at_once_with_what_to_check(mock, make_importer):
    mock.post(IMPORT_URL, status_code=401, json={"error": "Couldn't authenticate you"})
    with pytest.raises(ZendeskAuthError) as info:
        make_importer().submit(make_batch())
    assert mock.call_count == 1
    assert "HTTP 401" in str(info.value)
    assert "Couldn't authenticate you" in str(info.value)
    assert "zendesk.userName and zendesk.apiToken" in str(info.value)


def test_403_with_oauth_names_the_write_scope(mock, make_importer):
    body = {
        "error": "Forbidden",
        "description": "You are missing the following required scopes: write",
    }
    mock.post(IMPORT_URL, status_code=403, json=body)
    with pytest.raises(ZendeskAuthError) as info:
        make_importer(zendesk={"domain": "acme", "oauthToken": "oauth-0042-token"}).submit(
            make_batch()
        )
    assert "missing the following required scopes: write" in str(info.value)
    assert "admins only" in str(info.value)
    assert "'write' scope" in str(info.value)


@pytest.mark.parametrize("status", [400, 422])
def test_validation_errors_fail_with_zendesks_details(mock, make_importer, status):
    body = {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {
            "requester": [{"description": "Requester: Email is invalid", "error": "InvalidValue"}]
        },
    }
    mock.post(IMPORT_URL, status_code=status, json=body)
    with pytest.raises(ImportFailedError) as info:
        make_importer().submit(make_batch())
    message = str(info.value)
    assert f"HTTP {status}" in message and "RecordInvalid" in message
    assert "requester: Requester: Email is invalid" in message
    assert "Zendesk rejected the import of batch 1" in message
    assert mock.call_count == 1


# Unclear answers: was the batch imported or not? -------------------------------------


def _lookup(mock, present: dict[str, str]):
    """Answer external_id lookups: ``present`` maps an external_id to its updated_at."""

    def answer(request, context):
        external_id = request.qs["external_id"][0]
        if external_id in present:
            return {
                "tickets": [
                    {"id": 99, "external_id": external_id, "updated_at": present[external_id]}
                ]
            }
        return {"tickets": []}

    mock.get(TICKETS_URL, json=answer)


def test_500_when_all_tickets_are_there_counts_the_batch_as_done(mock, make_importer, caplog):
    mock.post(IMPORT_URL, status_code=500, json={"error": "InternalServerError"})
    mock.get(JOB_LIST_URL, json={"job_statuses": [{"id": "mine", "status": "completed"}]})
    _lookup(mock, {"1": "2024-03-07T09:01:44Z", "2": "2024-03-07T09:01:44Z"})
    with caplog.at_level(logging.WARNING):
        assert make_importer().submit(make_batch(2)) is None
    assert len([r for r in mock.request_history if r.method == "POST"]) == 1
    assert any("counting it as imported" in r.getMessage() for r in caplog.records)


def test_unclear_answer_waits_for_unknown_jobs_before_looking(mock, make_importer, clock):
    mock.post(IMPORT_URL, status_code=500, json={"error": "InternalServerError"})
    mock.get(
        JOB_LIST_URL,
        json={
            "job_statuses": [
                {"id": "lost", "status": "working"},
                {"id": "known", "status": "queued"},
            ]
        },
    )
    mock.get(SHOW_MANY_URL, json={"job_statuses": [{"id": "lost", "status": "completed"}]})
    _lookup(mock, {"1": "2024-03-07T09:01:44Z"})
    assert make_importer(known_jobs={"known"}).submit(make_batch(1)) is None
    assert clock.sleeps == [0.01]  # one jobPollInterval while 'lost' was working
    paths = [r.path for r in mock.request_history]
    assert paths.index("/api/v2/tickets.json") > paths.index("/api/v2/job_statuses/show_many.json")
    assert mock.request_history[2].qs == {"ids": ["lost"]}  # only the unknown busy job


@pytest.mark.parametrize(
    "lost",
    [
        {"exc": requests.ReadTimeout("read timed out")},
        {"exc": requests.ConnectionError("Connection aborted: RemoteDisconnected")},
        {"status_code": 502, "text": "<html>Bad Gateway</html>"},
        {"status_code": 504, "text": "<html>Gateway Time-out</html>"},
    ],
)
def test_a_call_zendesk_may_still_be_running_is_given_time_before_the_look(
    mock, make_importer, clock, lost
):
    mock.post(IMPORT_URL, [lost, QUEUED])
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    make_importer(requestTimeout="45s", jobTimeout="10m").submit(make_batch(1))
    assert clock.sleeps == [45.0]  # requestTimeout before anything is asked; none after
    assert mock.request_history[1].path == "/api/v2/job_statuses.json"


@pytest.mark.parametrize(
    ("overrides", "settle"),
    [
        ({"requestTimeout": "500ms"}, 10.0),  # at least 10 s
        ({"requestTimeout": "2m", "jobTimeout": "30s"}, 30.0),  # at most jobTimeout
        ({"requestTimeout": "0s"}, 120.0),  # no read timeout: its default
    ],
)
def test_the_settle_period_is_request_timeout_within_bounds(
    mock, make_importer, clock, overrides, settle
):
    mock.post(IMPORT_URL, [{"exc": requests.ConnectionError("Connection aborted")}, QUEUED])
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    make_importer(**{"jobTimeout": "10m", **overrides}).submit(make_batch(1))
    assert clock.sleeps == [settle]


def test_an_answer_from_zendesk_itself_is_checked_without_settling(mock, make_importer, clock):
    mock.post(IMPORT_URL, [{"status_code": 500, "text": "oops"}, QUEUED])
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    make_importer(requestTimeout="45s").submit(make_batch(1))
    assert clock.sleeps == []  # sent again at once: the job list was just read


def test_a_batch_is_in_doubt_only_while_its_lost_call_is_checked(mock, make_importer):
    mock.post(IMPORT_URL, [{"status_code": 500, "text": "oops"}, QUEUED])
    seen = []
    batch = make_batch(1)

    def job_list(request, context):
        seen.append(batch.in_doubt)
        return {"job_statuses": []}

    mock.get(JOB_LIST_URL, json=job_list)
    _lookup(mock, {})
    assert make_importer().submit(batch) == "job-1"
    assert seen == [True, True] and batch.in_doubt is False


def test_a_job_that_appears_during_the_look_up_means_looking_again(mock, make_importer, clock):
    """The lost call's job shows up only after the first look: the batch is not sent again."""
    mock.post(IMPORT_URL, [{"exc": requests.ReadTimeout("read timed out")}, QUEUED])
    late = {"id": "late", "status": "completed"}
    mock.get(
        JOB_LIST_URL,
        [
            {"json": {"job_statuses": []}},  # before the look-ups
            {"json": {"job_statuses": [late]}},  # just before sending again
            {"json": {"job_statuses": [late]}},  # the second round
        ],
    )
    answers = iter([{}, {"1": "2024-03-07T09:01:44Z"}])
    mock.get(
        TICKETS_URL,
        json=lambda request, context: {
            "tickets": [
                {"id": 9, "external_id": external_id, "updated_at": updated}
                for external_id, updated in next(answers).items()
            ]
        },
    )
    assert make_importer().submit(make_batch(1)) is None
    assert len([r for r in mock.request_history if r.method == "POST"]) == 1
    assert clock.sleeps == [5.0, 0.01]  # settle (jobTimeout); a jobPollInterval, then look again
    assert [r.path for r in mock.request_history[1:]] == [
        "/api/v2/job_statuses.json",
        "/api/v2/tickets.json",
        "/api/v2/job_statuses.json",
        "/api/v2/job_statuses.json",
        "/api/v2/tickets.json",
    ]


def test_the_job_list_is_read_again_just_before_the_batch_is_sent_again(mock, make_importer):
    mock.post(IMPORT_URL, [{"status_code": 500, "text": "oops"}, QUEUED])
    mock.get(JOB_LIST_URL, json={"job_statuses": [{"id": "old", "status": "completed"}]})
    _lookup(mock, {})
    assert make_importer().submit(make_batch(1)) == "job-1"
    paths = [f"{r.method} {r.path}" for r in mock.request_history]
    assert paths[-2:] == [
        "GET /api/v2/job_statuses.json",
        "POST /api/v2/imports/tickets/create_many.json",
    ]


def test_jobs_that_keep_appearing_end_at_job_timeout_without_sending_again(mock, make_importer):
    mock.post(IMPORT_URL, status_code=500, text="oops")
    listings = iter(range(10_000))
    mock.get(
        JOB_LIST_URL,
        json=lambda request, context: {
            "job_statuses": [{"id": f"other-{next(listings)}", "status": "completed"}]
        },
    )
    mock.get(TICKETS_URL, json={"tickets": []})
    with pytest.raises(ImportFailedError) as info:
        make_importer(jobTimeout="1s").submit(make_batch(1))
    assert "kept appearing" in str(info.value)
    assert "not sent again" in str(info.value)
    assert len([r for r in mock.request_history if r.method == "POST"]) == 1


def _pages(*pages):
    """requests-mock answers for a paginated job list: each page a list of jobs."""
    answers = []
    for number, jobs in enumerate(pages, start=1):
        more = number < len(pages)
        answers.append(
            {
                "json": {
                    "job_statuses": jobs,
                    "meta": {"has_more": more, "after_cursor": f"c{number}" if more else None},
                    "links": {
                        "next": f"{JOB_LIST_URL}?page%5Bafter%5D=c{number}" if more else None
                    },
                }
            }
        )
    return answers


def test_a_running_job_past_the_first_page_of_the_list_is_waited_for(mock, make_importer, clock):
    mock.post(IMPORT_URL, status_code=500, json={"error": "InternalServerError"})
    finished = [{"id": f"old-{n}", "status": "completed"} for n in range(100)]
    mock.get(
        JOB_LIST_URL,
        [*_pages(finished, [{"id": "lost", "status": "working"}]), *_pages(finished)],
    )
    mock.get(SHOW_MANY_URL, json={"job_statuses": [{"id": "lost", "status": "completed"}]})
    _lookup(mock, {"1": "2024-03-07T09:01:44Z"})
    assert make_importer().submit(make_batch(1)) is None
    lists = [r for r in mock.request_history if r.path == "/api/v2/job_statuses.json"]
    assert lists[0].qs == {"page[size]": ["100"]}
    assert lists[1].qs == {"page[size]": ["100"], "page[after]": ["c1"]}
    assert mock.request_history[3].qs == {"ids": ["lost"]}  # waited for the job on page 2
    assert clock.sleeps == [0.01]


def test_the_next_page_may_come_from_links_next_alone(mock, make_importer):
    mock.post(IMPORT_URL, [{"status_code": 500, "text": "oops"}, QUEUED])
    first = {
        "job_statuses": [],
        "meta": {"has_more": True},
        "links": {"next": "https://elsewhere.test/api/v2/job_statuses.json?page%5Bafter%5D=xyz"},
    }
    mock.get(JOB_LIST_URL, [{"json": first}, {"json": {"job_statuses": []}}] * 2)
    _lookup(mock, {})
    make_importer().submit(make_batch(1))
    lists = [r for r in mock.request_history if r.path == "/api/v2/job_statuses.json"]
    assert lists[1].qs["page[after]"] == ["xyz"]
    assert {r.hostname for r in mock.request_history} == {"acme.zendesk.com"}


def test_the_job_list_is_read_at_most_max_pages(mock, make_importer, caplog):
    mock.post(IMPORT_URL, [{"status_code": 500, "text": "oops"}, QUEUED])
    pages = iter(range(10_000))
    mock.get(
        JOB_LIST_URL,
        json=lambda request, context: {
            "job_statuses": [],
            "meta": {"has_more": True, "after_cursor": f"c{next(pages)}"},
        },
    )
    _lookup(mock, {})
    with caplog.at_level(logging.WARNING):
        make_importer().submit(make_batch(1))
    lists = [r for r in mock.request_history if r.path == "/api/v2/job_statuses.json"]
    assert len(lists) == 2 * MAX_JOB_PAGES  # before the look-up, and before sending again
    assert any("goes on past 50 pages" in r.getMessage() for r in caplog.records)


def test_a_cursor_that_comes_back_ends_the_list(mock, make_importer):
    mock.post(IMPORT_URL, [{"status_code": 500, "text": "oops"}, QUEUED])
    looping = {"job_statuses": [], "meta": {"has_more": True, "after_cursor": "same"}}
    mock.get(JOB_LIST_URL, json=looping)
    _lookup(mock, {})
    make_importer().submit(make_batch(1))
    lists = [r for r in mock.request_history if r.path == "/api/v2/job_statuses.json"]
    assert len(lists) == 4  # two pages each time: the second hands back the same cursor


def test_unclear_answer_with_none_there_sends_again_as_a_retry(mock, make_importer):
    mock.post(IMPORT_URL, [{"exc": requests.ReadTimeout("read timed out")}, QUEUED])
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    assert make_importer().submit(make_batch(2)) == "job-1"
    assert len([r for r in mock.request_history if r.method == "POST"]) == 2


def test_unclear_answers_past_max_retries(mock, make_importer):
    mock.post(IMPORT_URL, status_code=504, text="Gateway Time-out")
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    with pytest.raises(ImportFailedError) as info:
        make_importer(maxRetries=1).submit(make_batch(2))
    assert "no clear answer after 1 retries" in str(info.value)
    assert "none of its tickets is in Zendesk" in str(info.value)


def test_unclear_answer_with_some_there_fails_listing_both(mock, make_importer):
    mock.post(IMPORT_URL, status_code=500, json={"error": "InternalServerError"})
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    # ticket 2 exists with another updated_at: an older import, not this one
    _lookup(mock, {"1": "2024-03-07T09:01:44Z", "2": "2020-01-01T00:00:00Z"})
    with pytest.raises(ImportFailedError) as info:
        make_importer().submit(make_batch(3))
    message = str(info.value)
    assert "Could not tell whether batch 1" in message
    assert "1 in Zendesk (1)" in message
    assert "2 missing (2, 3)" in message
    assert "not sent again" in message
    assert len([r for r in mock.request_history if r.method == "POST"]) == 1


@pytest.mark.parametrize(("ours", "theirs"), [(1, "1"), ("1", 1)])
def test_external_ids_are_compared_as_strings_after_a_lost_answer(
    mock, make_importer, ours, theirs
):
    mock.post(IMPORT_URL, status_code=500, json={"error": "InternalServerError"})
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    mock.get(
        TICKETS_URL,
        json={"tickets": [{"id": 7, "external_id": theirs, "updated_at": "2024-03-07T09:01:44Z"}]},
    )
    batch = make_batch(1)
    batch.tickets[0]["external_id"] = ours
    assert make_importer().submit(batch) is None  # found: not sent again
    assert mock.request_history[-1].qs["external_id"] == ["1"]
    assert len([r for r in mock.request_history if r.method == "POST"]) == 1


def test_malformed_2xx_answer_is_unclear_too(mock, make_importer):
    mock.post(IMPORT_URL, text='{"job_status": {"id": "x", "sta')
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {"1": "2024-03-07T09:01:44Z"})
    assert make_importer().submit(make_batch(1)) is None


def test_closed_tickets_archived_on_import_cannot_be_checked(mock, make_importer):
    mock.post(IMPORT_URL, status_code=500, text="oops")
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    _lookup(mock, {})
    with pytest.raises(ImportFailedError) as info:
        make_importer(archiveImmediately=True).submit(make_batch(2, status="closed"))
    message = str(info.value)
    assert "2 that cannot be checked (1, 2)" in message
    assert "archiveImmediately" in message


def test_lookups_ride_out_rate_limits_and_server_errors(mock, make_importer, clock):
    mock.post(IMPORT_URL, status_code=500, text="oops")
    mock.get(
        JOB_LIST_URL,
        [
            {"status_code": 429, "text": "slow", "headers": {"Retry-After": "4"}},
            {"status_code": 503, "text": "down"},
            {"json": {"job_statuses": []}},
        ],
    )
    _lookup(mock, {"1": "2024-03-07T09:01:44Z"})
    assert make_importer().submit(make_batch(1)) is None
    assert clock.sleeps == [4.0, 0.001]


def test_unknown_jobs_that_never_finish_end_at_job_timeout(mock, make_importer):
    mock.post(IMPORT_URL, status_code=500, text="oops")
    mock.get(JOB_LIST_URL, json={"job_statuses": [{"id": "other", "status": "working"}]})
    mock.get(SHOW_MANY_URL, json={"job_statuses": [{"id": "other", "status": "working"}]})
    with pytest.raises(ImportFailedError) as info:
        make_importer(jobTimeout="1s", jobPollInterval="300ms").submit(make_batch(1))
    assert "Jobs this run did not start are still queued or working" in str(info.value)
    assert "other" in str(info.value)


def test_a_look_up_that_gives_up_leaves_the_batch_in_doubt(mock, make_importer):
    mock.post(IMPORT_URL, status_code=500, text="oops")
    mock.get(JOB_LIST_URL, status_code=500, text="still oops")
    batch = make_batch(2)
    with pytest.raises(ImportFailedError) as info:
        make_importer(jobTimeout="2s").submit(batch)
    message = str(info.value)
    assert message.startswith("Could not tell whether batch 1 (2 tickets")
    assert "checking failed: HTTP 500 on GET /api/v2/job_statuses.json" in message
    assert "(jobTimeout)" in message
    assert "Nothing of this batch was imported" not in message  # it may well be
    assert batch.in_doubt
    assert len([r for r in mock.request_history if r.method == "POST"]) == 1


def test_a_look_up_refused_by_zendesk_is_not_a_rejected_import(mock, make_importer):
    mock.post(IMPORT_URL, status_code=500, text="oops")
    mock.get(JOB_LIST_URL, json={"job_statuses": []})
    mock.get(TICKETS_URL, status_code=403, json={"error": "Forbidden", "description": "no"})
    with pytest.raises(ImportFailedError) as info:
        make_importer().submit(make_batch(1))
    message = str(info.value)
    assert "Could not tell whether batch 1" in message
    assert "HTTP 403 on GET /api/v2/tickets.json" in message
    assert "may not look up tickets: Zendesk allows this to agents and admins" in message
    assert "rejected the import" not in message
