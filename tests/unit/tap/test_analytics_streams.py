"""The analytics streams, in-process against requests-mock: what each reads, its records, its
STATE after every page and an exact resume from it, deletions, fields outside the schema,
and the catalog each declares."""

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock as rm

from tap_zendesk_tickets import time_export
from tap_zendesk_tickets.export import Timing
from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.catalogs import catalog_selecting
from tests.support.tap_pages import (
    EXPORT_URL,
    SUPPORT,
    mock_support_api,
    page,
    parse_output,
    ticket,
    unit_tap_config,
)

METRIC_EVENTS = f"{SUPPORT}/incremental/ticket_metric_events.json"
TICKET_EVENTS = f"{SUPPORT}/incremental/ticket_events.json"
RATINGS = f"{SUPPORT}/satisfaction_ratings.json"


def sync(capsys, clock, streams, state=None, **config):
    tap = TapZendeskTickets(
        config=unit_tap_config(**config),
        catalog=catalog_selecting(streams),
        state=state,
        timing=Timing(clock=clock, sleep=clock.sleep),
    )
    tap.sync_all()
    return parse_output(capsys)


def query(request):
    """The request's query as sent (requests-mock's ``qs`` lowercases values)."""
    return parse_qs(urlsplit(request.url).query)


def of(messages, stream):
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def bookmarks(messages, stream):
    found = []
    for message in messages:
        if message["type"] == "STATE":
            bookmark = message["value"]["bookmarks"].get(stream)
            if bookmark and (not found or found[-1] != bookmark):
                found.append(bookmark)
    return found


def metric_event(event_id, second, **fields):
    return {
        "id": event_id,
        "ticket_id": 1,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "activate",
        "time": f"1970-01-01T00:{second // 60:02d}:{second % 60:02d}Z",
        **fields,
    }


def events_page(*events):
    times = [int(e["time"][14:16]) * 60 + int(e["time"][17:19]) for e in events]
    return {
        "json": {
            "ticket_metric_events": list(events),
            "count": len(events),
            "end_time": max(times) if times else None,
            "next_page": None,
        }
    }


@pytest.fixture
def small_pages(monkeypatch):
    """Full pages of 3 items, so that a test pages without a thousand items."""
    monkeypatch.setattr(time_export, "PAGE_LIMIT", 3)


# -- ticket_metric_events: a time-based export -------------------------------------------------


def test_metric_events_are_read_to_the_end_with_a_state_after_every_page(
    capsys, clock, small_pages
):
    with rm.Mocker() as mock:
        mock.get(
            METRIC_EVENTS,
            [
                # Ids within a second come in no order; the second of a page's end comes again.
                events_page(metric_event(9, 100), metric_event(4, 100), metric_event(8, 101)),
                events_page(metric_event(8, 101), metric_event(2, 101), metric_event(1, 102)),
                events_page(metric_event(1, 102)),
            ],
        )
        messages = sync(capsys, clock, {"ticket_metric_events"}, startTime=100)
        asked = [query(r)["start_time"] for r in mock.request_history]
    assert [e["id"] for e in of(messages, "ticket_metric_events")] == [9, 4, 8, 2, 1]
    assert asked == [["100"], ["101"], ["102"]]
    assert bookmarks(messages, "ticket_metric_events") == [
        {"time": "1970-01-01T00:01:41Z", "ids": [8]},
        {"time": "1970-01-01T00:01:42Z", "ids": [1]},
    ]
    # The tickets stream was not selected: its bookmark is not in the STATE.
    assert all("tickets" not in m["value"]["bookmarks"] for m in messages if m["type"] == "STATE")


def test_a_run_resumed_in_the_middle_of_a_second_sends_only_the_rest_of_it(capsys, clock):
    state = {"bookmarks": {"ticket_metric_events": {"time": "1970-01-01T00:01:41Z", "ids": [8]}}}
    with rm.Mocker() as mock:
        mock.get(
            METRIC_EVENTS,
            [events_page(metric_event(8, 101), metric_event(2, 101), metric_event(1, 102))],
        )
        messages = sync(capsys, clock, {"ticket_metric_events"}, state=state)
        asked = [query(r)["start_time"] for r in mock.request_history]
    assert asked == [["101"]]
    assert [e["id"] for e in of(messages, "ticket_metric_events")] == [2, 1]
    assert bookmarks(messages, "ticket_metric_events")[-1] == {
        "time": "1970-01-01T00:01:42Z",
        "ids": [1],
    }


def test_a_full_page_of_one_second_moves_on_to_the_next_second(capsys, clock, small_pages):
    with rm.Mocker() as mock:
        mock.get(
            METRIC_EVENTS,
            [
                events_page(metric_event(3, 100), metric_event(1, 100), metric_event(2, 100)),
                events_page(metric_event(4, 102)),
            ],
        )
        messages = sync(capsys, clock, {"ticket_metric_events"}, startTime=100)
        asked = [query(r)["start_time"] for r in mock.request_history]
    assert asked == [["100"], ["101"]]
    assert [e["id"] for e in of(messages, "ticket_metric_events")] == [3, 1, 2, 4]


def test_a_withdrawn_breach_is_marked_deleted(capsys, clock):
    breach = metric_event(5, 100, type="breach", deleted=True)
    kept = metric_event(6, 100, type="breach", deleted=False)
    with rm.Mocker() as mock:
        mock.get(METRIC_EVENTS, [events_page(breach, kept)])
        messages = sync(capsys, clock, {"ticket_metric_events"})
    withdrawn, still = of(messages, "ticket_metric_events")
    assert withdrawn == {**breach, "_sdc_deleted_at": breach["time"]}
    assert still == kept


def test_a_field_outside_the_schema_gets_a_schema_before_its_record(capsys, clock, caplog):
    caplog.set_level(logging.INFO)
    with rm.Mocker() as mock:
        mock.get(METRIC_EVENTS, [events_page(metric_event(5, 100, target_in_seconds=3600))])
        messages = sync(capsys, clock, {"ticket_metric_events"})
    schemas = [m for m in messages if m["type"] == "SCHEMA"]
    assert schemas[-1]["schema"]["properties"]["target_in_seconds"]["type"] == ["integer", "null"]
    record_at = next(i for i, m in enumerate(messages) if m["type"] == "RECORD")
    assert messages.index(schemas[-1]) < record_at
    assert "Field 'target_in_seconds' of ticket_metric_events is not in the schema" in caplog.text


def test_an_unreadable_bookmark_stops_the_run_naming_it(capsys, clock):
    state = {"bookmarks": {"ticket_metric_events": {"time": "not a time"}}}
    with pytest.raises(Exception, match="STATE bookmark of the ticket_metric_events stream"):
        sync(capsys, clock, {"ticket_metric_events"}, state=state)


def test_the_exports_share_one_pacer(capsys, clock):
    with rm.Mocker() as mock:
        mock.get(METRIC_EVENTS, [events_page(metric_event(5, 100))])
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        sync(capsys, clock, {"ticket_metric_events", "tickets"}, pollingPeriod="6s")
        paths = sorted(r.path for r in mock.request_history)
    assert paths == [
        "/api/v2/incremental/ticket_metric_events.json",
        "/api/v2/incremental/tickets/cursor.json",
    ]
    assert clock.sleeps == [6.0]  # pollingPeriod between two exports of different streams


def test_with_the_tickets_the_exports_are_read_alongside_and_states_cover_them(
    capsys, clock, small_pages
):
    events = [
        events_page(metric_event(1, 100), metric_event(2, 101), metric_event(3, 102)),
        events_page(metric_event(3, 102), metric_event(4, 103)),
    ]
    tickets = [
        page([ticket(1, 100), ticket(2, 101)], end=False),
        page([ticket(3, 102)], end=True),
    ]
    with rm.Mocker() as mock:
        mock.get(METRIC_EVENTS, events)
        mock.get(EXPORT_URL, tickets)
        messages = sync(capsys, clock, {"ticket_metric_events", "tickets"})
    assert [e["id"] for e in of(messages, "ticket_metric_events")] == [1, 2, 3, 4]
    assert [t["id"] for t in of(messages, "tickets")] == [1, 2, 3]
    # Every STATE covers the events written before it, and only those.
    sent = []
    for message in messages:
        if message["type"] == "RECORD" and message["stream"] == "ticket_metric_events":
            sent.append(message["record"])
        elif message["type"] == "STATE":
            bookmark = message["value"]["bookmarks"].get("ticket_metric_events") or {}
            if sent:
                last = sent[-1]
                assert bookmark["time"] == last["time"]
                assert last["id"] in bookmark["ids"]
            else:
                assert not bookmark.get("ids")
    final = messages[-1]["value"]["bookmarks"]
    assert final["ticket_metric_events"] == {"time": "1970-01-01T00:01:43Z", "ids": [4]}
    assert final["tickets"]["id"] == 3


# -- ticket_field_history: the ticket events export --------------------------------------------


def ticket_event(event_id, second, *children):
    return {
        "id": event_id,
        "ticket_id": 1,
        "timestamp": second,
        "created_at": f"1970-01-01T00:{second // 60:02d}:{second % 60:02d}Z",
        "updater_id": 42,
        "via": "Web form",
        "event_type": "Audit",
        "child_events": list(children),
    }


def test_field_history_rows_come_from_the_ticket_events_export(capsys, clock):
    first = ticket_event(10, 100, {"id": 11, "status": "new", "event_type": "Create"})
    second = ticket_event(
        20,
        160,
        {"id": 21, "status": "pending", "previous_value": "new", "event_type": "Change"},
        {"id": 22, "event_type": "Comment", "body": "hi"},
    )
    body = {"ticket_events": [first, second], "count": 2, "end_time": 160, "end_of_stream": True}
    with rm.Mocker() as mock:
        mock.get(TICKET_EVENTS, json=body)
        messages = sync(capsys, clock, {"ticket_field_history"})
    rows = of(messages, "ticket_field_history")
    assert [(r["id"], r["field_name"], r["value"], r["previous_value"]) for r in rows] == [
        (11, "status", "new", None),
        (21, "status", "pending", "new"),
    ]
    assert rows[1]["updated_at"] == "1970-01-01T00:02:40Z" and rows[1]["updater_id"] == 42
    # The bookmark is the audits', not the rows': the export's items are audits.
    assert bookmarks(messages, "ticket_field_history") == [
        {"time": "1970-01-01T00:02:40Z", "ids": [20]}
    ]


# -- satisfaction_ratings: windows and cursors -------------------------------------------------


def rating(rating_id, created_at):
    return {"id": rating_id, "ticket_id": rating_id, "score": "good", "created_at": created_at}


def ratings_page(items, cursor=None):
    return {
        "json": {
            "satisfaction_ratings": items,
            "meta": {"has_more": cursor is not None, "after_cursor": cursor},
        }
    }


def test_ratings_are_read_in_a_window_with_a_state_after_every_page(capsys, clock):
    with rm.Mocker() as mock:
        mock.get(
            RATINGS,
            [
                ratings_page([rating(1, "2024-01-02T00:00:00Z")], cursor="C1"),
                # Zendesk's bounds aside, the window is the tap's: the late one is the next run's.
                ratings_page(
                    [rating(2, "2024-01-03T00:00:00Z"), rating(3, "2999-01-01T00:00:00Z")]
                ),
            ],
        )
        messages = sync(capsys, clock, {"satisfaction_ratings"}, startTime="2024-01-01T00:00:00Z")
        queries = [query(r) for r in mock.request_history]
    assert [r["id"] for r in of(messages, "satisfaction_ratings")] == [1, 2]
    assert queries[0]["start_time"] == ["1704067199"]  # startTime's own second is in
    assert queries[1]["page[after]"] == ["C1"]
    middle, last = bookmarks(messages, "satisfaction_ratings")
    assert middle["cursor"] == "C1" and middle["created_at"] == "2023-12-31T23:59:59Z"
    assert last == {"created_at": middle["window_end"]}


def test_a_run_stopped_in_a_window_continues_it_from_its_cursor(capsys, clock):
    state = {
        "bookmarks": {
            "satisfaction_ratings": {
                "created_at": "2024-01-01T00:00:00Z",
                "window_end": "2024-02-01T00:00:00Z",
                "cursor": "C1",
            }
        }
    }
    with rm.Mocker() as mock:
        mock.get(RATINGS, [ratings_page([rating(2, "2024-01-03T00:00:00Z")])])
        messages = sync(capsys, clock, {"satisfaction_ratings"}, state=state)
        (sent,) = [query(r) for r in mock.request_history]
    assert sent["page[after]"] == ["C1"]
    assert sent["end_time"] == ["1706745601"]
    assert [r["id"] for r in of(messages, "satisfaction_ratings")] == [2]
    assert bookmarks(messages, "satisfaction_ratings")[-1] == {"created_at": "2024-02-01T00:00:00Z"}


def test_a_refused_cursor_reads_the_window_again(capsys, clock, caplog):
    state = {
        "bookmarks": {
            "satisfaction_ratings": {
                "created_at": "2024-01-01T00:00:00Z",
                "window_end": "2024-02-01T00:00:00Z",
                "cursor": "STALE",
            }
        }
    }
    with rm.Mocker() as mock:
        mock.get(
            RATINGS,
            [
                {"status_code": 400, "json": {"error": "InvalidPaginationParameter"}},
                ratings_page([rating(1, "2024-01-02T00:00:00Z")]),
            ],
        )
        messages = sync(capsys, clock, {"satisfaction_ratings"}, state=state)
        queries = [query(r) for r in mock.request_history]
    assert "page[after]" not in queries[1]
    assert [r["id"] for r in of(messages, "satisfaction_ratings")] == [1]
    assert "reading the window again from its start" in caplog.text


# -- ticket_metrics: the export's side-load ------------------------------------------------------


def test_metric_sets_go_to_their_stream_and_leave_the_tickets_as_they_were(capsys, clock):
    metrics = {"id": 901, "ticket_id": 1, "replies": 2, "updated_at": "2024-01-01T00:00:00Z"}
    live = ticket(1, 100, status="open", metric_set=metrics)
    gone = ticket(2, 101, status="deleted", updated_at="2024-01-05T00:00:00Z")
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(EXPORT_URL, [page([live, gone], end=True)])
        messages = sync(capsys, clock, {"tickets", "ticket_metrics"})
        (sent,) = [query(r) for r in mock.request_history]
    assert sent["include"] == ["metric_sets"]
    assert of(messages, "ticket_metrics") == [
        metrics,
        {"ticket_id": 2, "_sdc_deleted_at": "2024-01-05T00:00:00Z"},
    ]
    sent = of(messages, "tickets")
    assert "metric_set" not in sent[0] and sent[0]["subject"] == "ticket 1"
    # Each ticket's metrics just before it, in the page's STATE.
    order = [
        (m["stream"], m["record"].get("id", m["record"].get("ticket_id")))
        for m in messages
        if m["type"] == "RECORD"
    ]
    assert order == [("ticket_metrics", 901), ("tickets", 1), ("ticket_metrics", 2), ("tickets", 2)]


def test_a_metric_field_zendesk_added_gets_a_schema_before_its_row(capsys, clock):
    metrics = {"id": 901, "ticket_id": 1, "sla_breaches": 2}
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(EXPORT_URL, [page([ticket(1, 100, metric_set=metrics)], end=True)])
        messages = sync(capsys, clock, {"tickets", "ticket_metrics"})
    schemas = [m for m in messages if m["type"] == "SCHEMA" and m["stream"] == "ticket_metrics"]
    assert schemas[-1]["schema"]["properties"]["sla_breaches"]["type"] == ["integer", "null"]
    row_at = next(
        i
        for i, m in enumerate(messages)
        if m.get("stream") == "ticket_metrics" and m["type"] == "RECORD"
    )
    assert messages.index(schemas[-1]) < row_at
    assert of(messages, "ticket_metrics") == [metrics]


def test_without_ticket_metrics_no_metric_sets_are_asked_for(capsys, clock):
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        sync(capsys, clock, {"tickets"})
        (sent,) = [query(r) for r in mock.request_history]
    assert "include" not in sent


# -- side_conversations: one request per ticket ---------------------------------------------------


SIDE = re.compile(rf"{re.escape(SUPPORT)}/tickets/(\d+)/side_conversations\.json")


def side_conversations_of(found):
    """Answers each ticket's side conversations from ``found`` (ticket id -> list)."""

    def answer(request, context):
        ticket_id = int(SIDE.match(request.url).group(1))
        return {"side_conversations": found.get(ticket_id, []), "meta": {}}

    return answer


def test_side_conversations_of_each_ticket_come_before_it(capsys, clock):
    side = {
        "id": "6b0c-1",
        "ticket_id": 1,
        "subject": "Vendor",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    tickets = [ticket(1, 100), ticket(2, 101), ticket(3, 102, status="deleted")]
    with rm.Mocker() as mock:
        mock.get(SIDE, json=side_conversations_of({1: [side]}))
        mock.get(EXPORT_URL, [page(tickets, end=True)])
        messages = sync(capsys, clock, {"tickets", "side_conversations"})
        asked = sorted(r.path for r in mock.request_history if "side_conversations" in r.path)
    # One request per live ticket; none for the deleted one.
    assert asked == [
        "/api/v2/tickets/1/side_conversations.json",
        "/api/v2/tickets/2/side_conversations.json",
    ]
    order = [(m["stream"], m["record"]["id"]) for m in messages if m["type"] == "RECORD"]
    assert order == [
        ("side_conversations", "6b0c-1"),
        ("tickets", 1),
        ("tickets", 2),
        ("tickets", 3),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 404, "json": {"error": "InvalidEndpoint", "description": "Not found"}},
        {"status_code": 403, "json": {"error": "Forbidden", "description": "No access"}},
    ],
)
def test_an_account_without_side_conversations_says_so_once_and_goes_on(
    capsys, clock, caplog, answer
):
    caplog.set_level(logging.INFO)
    with rm.Mocker() as mock:
        mock.get(SIDE, [answer])
        mock.get(EXPORT_URL, [page([ticket(i, 100 + i) for i in range(1, 6)], end=True)])
        messages = sync(capsys, clock, {"tickets", "side_conversations"}, commentRequestsInFlight=1)
        asked = [r.path for r in mock.request_history if "side_conversations" in r.path]
    assert len(asked) == 1  # not asked again once the account said it has none
    assert [t["id"] for t in of(messages, "tickets")] == [1, 2, 3, 4, 5]
    told = [r for r in caplog.records if "no side conversations to read" in r.getMessage()]
    assert len(told) == 1 and told[0].levelno == logging.INFO


def test_a_ticket_gone_before_its_side_conversations_are_read_is_still_sent(capsys, clock, caplog):
    with rm.Mocker() as mock:
        mock.get(
            SIDE,
            [{"status_code": 404, "json": {"error": "RecordNotFound", "description": "Not found"}}],
        )
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        messages = sync(capsys, clock, {"tickets", "side_conversations"})
    assert [t["id"] for t in of(messages, "tickets")] == [1]
    assert "Zendesk no longer has ticket 1" in caplog.text


# -- the account's lists ----------------------------------------------------------------------------


def test_custom_statuses_come_before_the_first_ticket_that_uses_one(capsys, clock):
    statuses = [{"id": 77, "status_category": "open", "agent_label": "Open"}]
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(f"{SUPPORT}/custom_statuses.json", json={"custom_statuses": statuses})
        mock.get(EXPORT_URL, [page([ticket(1, 100, custom_status_id=77)], end=True)])
        messages = sync(capsys, clock, {"tickets", "custom_statuses"})
    order = [(m["stream"], m["record"]["id"]) for m in messages if m["type"] == "RECORD"]
    assert order == [("custom_statuses", 77), ("tickets", 1)]


def test_tags_and_sla_policies_are_read_whole_once(capsys, clock):
    with rm.Mocker() as mock:
        mock.get(
            f"{SUPPORT}/tags.json",
            [
                {
                    "json": {
                        "tags": [{"name": "vip", "count": 9}],
                        "meta": {"has_more": True, "after_cursor": "T"},
                    }
                },
                {"json": {"tags": [{"name": "api", "count": 2}], "meta": {"has_more": False}}},
            ],
        )
        mock.get(
            f"{SUPPORT}/slas/policies.json",
            json={"sla_policies": [{"id": 5, "title": "Urgent"}], "next_page": None},
        )
        messages = sync(capsys, clock, {"tags", "sla_policies"})
        assert len(mock.request_history) == 3
    assert of(messages, "tags") == [{"name": "vip", "count": 9}, {"name": "api", "count": 2}]
    assert of(messages, "sla_policies") == [{"id": 5, "title": "Urgent"}]


# -- the catalog ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "method", "key"),
    [
        ("ticket_metrics", "INCREMENTAL", "updated_at"),
        ("side_conversations", "INCREMENTAL", "updated_at"),
        ("ticket_metric_events", "INCREMENTAL", "time"),
        ("ticket_field_history", "INCREMENTAL", "updated_at"),
        ("satisfaction_ratings", "INCREMENTAL", "created_at"),
        ("custom_statuses", "FULL_TABLE", None),
        ("tags", "FULL_TABLE", None),
        ("sla_policies", "FULL_TABLE", None),
    ],
)
def test_each_stream_declares_how_it_replicates(stream, method, key):
    catalog = TapZendeskTickets(validate_config=False).catalog_dict
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == stream)
    root = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
    assert entry["replication_method"] == method
    assert entry.get("replication_key") == key
    if key:
        assert root["forced-replication-method"] == "INCREMENTAL"
        assert root["valid-replication-keys"] == [key]


def test_a_catalog_asking_full_table_of_an_incremental_stream_is_ignored(capsys, clock, caplog):
    catalog = catalog_selecting({"ticket_metric_events"})
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "ticket_metric_events":
            entry["replication_method"] = "FULL_TABLE"
            for item in entry["metadata"]:
                if item["breadcrumb"] == []:
                    item["metadata"]["forced-replication-method"] = "FULL_TABLE"
    tap = TapZendeskTickets(
        config=unit_tap_config(), catalog=catalog, timing=Timing(clock=clock, sleep=clock.sleep)
    )
    assert tap.streams["ticket_metric_events"].replication_method == "INCREMENTAL"
    assert "supports only INCREMENTAL on time" in caplog.text


def test_an_export_read_alongside_that_fails_stops_the_run_with_its_error(capsys, clock):
    from zendesk_api.errors import ZendeskAuthError

    forbidden = {"error": {"title": "Forbidden", "message": "You do not have access"}}
    with rm.Mocker() as mock:
        mock.get(METRIC_EVENTS, status_code=403, json=forbidden)
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        with pytest.raises(ZendeskAuthError, match="read the ticket metric events export"):
            sync(capsys, clock, {"ticket_metric_events", "tickets"})
