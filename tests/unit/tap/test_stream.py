import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock as rm

from tests.support.tap_pages import (
    EXPORT_URL,
    cursor_for,
    mock_support_api,
    page,
    states,
    ticket,
    ticket_records,
    unit_tap_config,
)
from zendesk_api.errors import ZendeskAuthError, ZendeskClientError
from zendesk_api.export_cursor import RepeatedCursorError

#: What the export side-loads for the streams selected by default (users, groups,
#: organizations: see tests/unit/tap/test_side_streams.py).
SIDE_LOADS = "groups,organizations,users,metric_sets"


def query(request):
    return {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}


def test_first_request_parameters_then_cursors_then_stop_at_end_of_stream(sync_tap):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                page([ticket(1, 100), ticket(2, 100)], end=False),
                page([ticket(3, 101)], end=True),
            ],
        )
        messages = sync_tap(
            unit_tap_config(pageSize=2, excludeDeleted=True, startTime="2024-03-07T09:01:44Z")
        )
        history = mock.request_history
    assert [query(r) for r in history] == [
        {
            "start_time": "1709802104",
            "per_page": "2",
            "support_type_scope": "all",
            "exclude_deleted": "true",
            "include": SIDE_LOADS,
        },
        {
            "cursor": cursor_for(100, 2),
            "per_page": "2",
            "support_type_scope": "all",
            "exclude_deleted": "true",
            "include": SIDE_LOADS,
        },
    ]
    assert [r["id"] for r in ticket_records(messages)] == [1, 2, 3]


def test_state_follows_each_page_and_holds_position_and_cursor(sync_tap):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [page([ticket(1, 100), ticket(2, 100)], end=False), page([ticket(3, 101)], end=True)],
        )
        messages = sync_tap()
    kinds = [m["type"] for m in messages]
    assert kinds == ["SCHEMA", "RECORD", "RECORD", "STATE", "RECORD", "STATE"]
    assert states(messages) == [
        {
            "bookmarks": {
                "tickets": {
                    "last_modified_time": "1970-01-01T00:01:40Z",
                    "id": 2,
                    "cursor": cursor_for(100, 2),
                }
            }
        },
        {
            "bookmarks": {
                "tickets": {
                    "last_modified_time": "1970-01-01T00:01:41Z",
                    "id": 3,
                    "cursor": cursor_for(101, 3),
                }
            }
        },
    ]


def test_records_are_unchanged_and_new_fields_pass_through(sync_tap):
    full = ticket(
        1,
        100,
        custom_fields=[
            {"id": 1, "value": "text"},
            {"id": 2, "value": 3.5},
            {"id": 3, "value": True},
            {"id": 4, "value": ["a", "b"]},
            {"id": 5, "value": None},
        ],
        satisfaction_rating={"score": "good", "comment": "thanks"},
        brand_new_zendesk_field={"nested": [1, 2]},
        status="deleted",
    )
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(EXPORT_URL, [page([full], end=True)])
        messages = sync_tap()
    # Unchanged but for the deletion mark SQL targets understand (see test_warehouse.py).
    assert ticket_records(messages) == [{**full, "_sdc_deleted_at": "1970-01-01T00:01:40Z"}]
    record_message = next(m for m in messages if m["type"] == "RECORD")
    assert record_message["time_extracted"]


def test_an_empty_page_that_is_not_the_end_is_not_the_end(sync_tap):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                page([ticket(1, 100)], end=False),
                page([], end=False, cursor=cursor_for(100, 50)),
                page([ticket(51, 102)], end=True),
            ],
        )
        messages = sync_tap()
        assert mock.call_count == 3
    assert [r["id"] for r in ticket_records(messages)] == [1, 51]
    assert states(messages)[1]["bookmarks"]["tickets"]["cursor"] == cursor_for(100, 50)


def test_a_repeated_cursor_is_an_error_not_a_loop(sync_tap, capsys):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                page([ticket(1, 100)], end=False),
                page([ticket(2, 100)], end=False, cursor=cursor_for(100, 3)),
                page([ticket(3, 100)], end=False, cursor=cursor_for(100, 1)),
            ],
        )
        with pytest.raises(RepeatedCursorError, match="a second time"):
            sync_tap()
    # The page that repeated a cursor was not emitted: nothing after the last STATE.
    messages = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [m["record"]["id"] for m in messages if m["type"] == "RECORD"] == [1, 2]
    assert states(messages)[-1]["bookmarks"]["tickets"]["id"] == 2


def test_resume_from_cursor(sync_tap):
    state = {
        "bookmarks": {
            "tickets": {"last_modified_time": "1970-01-01T00:01:40Z", "id": 2, "cursor": "CUR+/="}
        }
    }
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([ticket(3, 101)], end=True)])
        messages = sync_tap(state=state)
        assert query(mock.request_history[0]) == {
            "cursor": "CUR+/=",
            "per_page": "1000",
            "support_type_scope": "all",
            "include": SIDE_LOADS,
        }
        assert "cursor=CUR%2B%2F%3D" in mock.request_history[0].url
    assert [r["id"] for r in ticket_records(messages)] == [3]


def test_resume_from_seed_position_restarts_in_that_second_and_skips_what_was_emitted(sync_tap):
    state = {"bookmarks": {"tickets": {"last_modified_time": "1970-01-01T02:01:40+02:00", "id": 2}}}
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [page([ticket(1, 100), ticket(2, 100), ticket(3, 100), ticket(4, 101)], end=True)],
        )
        messages = sync_tap(state=state)
        assert query(mock.request_history[0])["start_time"] == "100"
    assert [r["id"] for r in ticket_records(messages)] == [3, 4]


def test_bare_seed_position_as_state_file(sync_tap):
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([ticket(1, 100), ticket(2, 100)], end=True)])
        messages = sync_tap(
            state={"last_modified_time": "1970-01-01T00:01:40Z", "id": 1, "mode": "cdc"}
        )
    assert [r["id"] for r in ticket_records(messages)] == [2]
    assert "mode" not in states(messages)[-1]["bookmarks"]["tickets"]


def test_rejected_cursor_falls_back_to_the_position_with_a_warning(sync_tap, caplog):
    state = {
        "bookmarks": {
            "tickets": {"last_modified_time": "1970-01-01T00:01:40Z", "id": 2, "cursor": "stale"}
        }
    }
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                {
                    "status_code": 400,
                    "json": {
                        "error": "InvalidPaginationParameter",
                        "description": "invalid cursor",
                    },
                },
                page([ticket(2, 100), ticket(3, 100)], end=True),
            ],
        )
        with caplog.at_level(logging.WARNING):
            messages = sync_tap(state=state)
        assert query(mock.request_history[1])["start_time"] == "100"
    assert [r["id"] for r in ticket_records(messages)] == [3]
    assert "Zendesk rejected the cursor stored in STATE" in caplog.text
    assert states(messages)[-1]["bookmarks"]["tickets"]["cursor"] == cursor_for(100, 3)


def test_a_cursor_rejected_later_in_the_run_is_fatal(sync_tap):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                page([ticket(1, 100)], end=False),
                {"status_code": 400, "json": {"error": "InvalidValue"}},
            ],
        )
        with pytest.raises(ZendeskClientError, match="HTTP 400"):
            sync_tap()


def test_start_time_request_without_results_keeps_the_start_time(sync_tap):
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([], end=True, cursor=None)])
        messages = sync_tap(unit_tap_config(startTime=1600000000))
    assert ticket_records(messages) == []
    assert all(s["bookmarks"].get("tickets", {}) == {} for s in states(messages))


def test_429_is_waited_out_and_the_same_request_repeated(sync_tap):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                {
                    "status_code": 429,
                    "headers": {"Retry-After": "0.01"},
                    "json": {"error": "APIRateLimitExceeded"},
                },
                {"status_code": 429, "text": "Number of allowed API requests per minute exceeded"},
                page([ticket(1, 100)], end=True),
            ],
        )
        messages = sync_tap()
        urls = [r.url for r in mock.request_history]
    assert len(set(urls)) == 1
    assert [r["id"] for r in ticket_records(messages)] == [1]


def test_504_shrinks_the_page_then_grows_it_back_after_a_few_good_pages(sync_tap):
    timeout = {"status_code": 504, "text": "upstream request timeout"}
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [timeout, timeout]
            + [page([ticket(i, 100 + i)], end=False) for i in range(1, 7)]
            + [page([ticket(7, 107)], end=True)],
        )
        sync_tap(unit_tap_config(pageSize=1000))
        sizes = [int(query(r)["per_page"]) for r in mock.request_history]
    assert sizes == [1000, 500, 250, 250, 250, 500, 500, 500, 1000]


def test_auth_failure_is_fatal_at_once_and_names_domain_and_auth_mode(sync_tap):
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, status_code=401, json={"error": "Couldn't authenticate you"})
        with pytest.raises(ZendeskAuthError) as info:
            sync_tap()
        assert mock.call_count == 1
    message = str(info.value)
    assert "https://acme.zendesk.com" in message
    assert "API token of admin@acme.test" in message
    assert "zendesk.userName and zendesk.apiToken" in message


def test_no_state_is_emitted_for_a_page_that_failed(sync_tap, capsys):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [
                page([ticket(1, 100)], end=False),
                {"status_code": 403, "json": {"error": "Forbidden"}},
            ],
        )
        with pytest.raises(ZendeskAuthError):
            sync_tap()
    # sync_tap raised before reading the output; read what was printed
    messages = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [m["type"] for m in messages] == ["SCHEMA", "RECORD", "STATE"]
    assert states(messages)[-1]["bookmarks"]["tickets"]["id"] == 1
