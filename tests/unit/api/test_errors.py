import pytest
import requests
import requests_mock as rm

from zendesk_api.errors import (
    ZendeskAuthError,
    ZendeskClientError,
    ZendeskNotFoundError,
    ZendeskRateLimitError,
    ZendeskServerError,
    error_from_response,
)

URL = "https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=abc"


def _response(status, **kwargs):
    with rm.Mocker() as mock:
        mock.get(URL, status_code=status, **kwargs)
        return requests.get(URL, timeout=1)


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (
            401,
            {"error": "Couldn't authenticate you"},
            ZendeskAuthError,
            "HTTP 401 on GET /api/v2/incremental/tickets/cursor.json: Couldn't authenticate you",
        ),
        (
            403,
            {"error": {"title": "Forbidden", "message": "You do not have access to this page."}},
            ZendeskAuthError,
            "HTTP 403 on GET /api/v2/incremental/tickets/cursor.json: Forbidden: You do not have access to this page.",
        ),
        (
            403,
            {
                "error": "Forbidden",
                "description": "You are missing the following required scopes: read",
            },
            ZendeskAuthError,
            "Forbidden: You are missing the following required scopes: read",
        ),
        (
            404,
            {"error": "RecordNotFound", "description": "Not found"},
            ZendeskNotFoundError,
            "RecordNotFound: Not found",
        ),
        (
            400,
            {
                "errors": [
                    {"code": "InvalidPaginationDepth", "title": "Too deep", "detail": "Use cursors"}
                ]
            },
            ZendeskClientError,
            "InvalidPaginationDepth: Too deep - Use cursors",
        ),
        (
            422,
            {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {
                    "base": [
                        {"description": "Status: closed is not valid", "error": "InvalidValue"}
                    ],
                    "requester": [
                        {"description": "Requester: Email is invalid", "error": "InvalidValue"}
                    ],
                },
            },
            ZendeskClientError,
            "RecordInvalid: Record validation errors (Status: closed is not valid; requester: Requester: Email is invalid)",
        ),
        (
            503,
            {"error": "ServiceUnavailable", "description": "Maintenance"},
            ZendeskServerError,
            "HTTP 503",
        ),
    ],
)
def test_every_error_shape_becomes_one_line(status, body, cls, message):
    error = error_from_response(_response(status, json=body))
    assert isinstance(error, cls)
    assert message in str(error)
    assert "cursor=abc" not in str(error)  # the path, not the query
    assert "\n" not in str(error)


def test_plain_text_bodies_are_kept_and_shortened():
    error = error_from_response(
        _response(
            429,
            text="Number of allowed API requests per minute exceeded",
            headers={"Retry-After": "2"},
        )
    )
    assert isinstance(error, ZendeskRateLimitError)
    assert str(error).endswith("Number of allowed API requests per minute exceeded")
    assert error.retry_after == 2.0
    long_page = error_from_response(_response(502, text="<html>" + "x" * 5000 + "</html>"))
    assert len(str(long_page)) < 400


def test_hints_are_appended():
    error = error_from_response(
        _response(401, json={"error": "Couldn't authenticate you"}), hint="Check the token"
    )
    assert str(error).endswith(". Check the token")
    assert error.with_hint("Other").hint == "Other"


def test_too_many_jobs_names_the_jobs_that_hold_the_slots():
    body = {
        "error": "TooManyJobs",
        "description": "Too many jobs are currently queued or running. Try again later.",
        "current_job_ids": ["V3-a", "V3-b"],
    }
    with rm.Mocker() as mock, requests.Session() as session:
        mock.post("https://acme.zendesk.com/x", status_code=429, json=body)
        error = error_from_response(session.post("https://acme.zendesk.com/x"))
    assert error.code == "TooManyJobs" and error.current_job_ids == ["V3-a", "V3-b"]
    assert error.retry_after is None
    assert error.with_hint("h").current_job_ids == ["V3-a", "V3-b"]
