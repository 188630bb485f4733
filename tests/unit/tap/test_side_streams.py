"""The streams of what tickets refer to, in-process against requests-mock: selection,
order within a page, what is read when, and the edge cases of each read."""

import json
import logging
import subprocess

import pytest
import requests_mock as rm

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.catalogs import ALL_STREAMS, COPY_STREAMS, DEFAULT_STREAMS, catalog_selecting
from tests.support.processes import TAP, clean_env
from tests.support.tap_pages import (
    EXPORT_URL,
    SUPPORT,
    comment,
    mock_support_api,
    named,
    page,
    parse_output,
    records,
    ticket,
    unit_tap_config,
    user,
)

#: Keys of the streams not keyed by ``id``.
KEYS = {
    "ticket_metrics": ["ticket_id"],
    "ticket_incidents": ["problem_id", "incident_id"],
    "tags": ["name"],
    "ticket_field_history": ["id", "field_name"],
}


def side_page(tickets, *, end, **side_loads):
    answer = page(tickets, end=end)
    answer["json"].update(side_loads)
    return answer


def sync(capsys, clock, streams=COPY_STREAMS, **config):
    from tap_zendesk_tickets.export import Timing

    tap = TapZendeskTickets(
        config=unit_tap_config(**config),
        catalog=catalog_selecting(streams),
        timing=Timing(clock=clock, sleep=clock.sleep),
    )
    tap.sync_all()
    return parse_output(capsys)


def of(messages, stream):
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def sequence(messages):
    """(type, stream, id) of every message, STATE as ("STATE", None, None)."""
    return [(m["type"], m.get("stream"), m.get("record", {}).get("id")) for m in messages]


# -- discovery and selection -------------------------------------------------------------------


def test_discovery_without_credentials_lists_every_stream(tmp_path):
    result = subprocess.run(
        [TAP, "--discover"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    entries = {e["tap_stream_id"]: e for e in json.loads(result.stdout)["streams"]}
    assert sorted(entries) == sorted(ALL_STREAMS)
    for name, entry in entries.items():
        root = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        assert entry["key_properties"] == KEYS.get(name, ["id"])
        assert root["selected-by-default"] is (name in DEFAULT_STREAMS)
        assert root["selected"] is (name in DEFAULT_STREAMS)
    comments = entries["ticket_comments"]["schema"]["properties"]
    assert {
        "id",
        "ticket_id",
        "author_id",
        "body",
        "html_body",
        "public",
        "created_at",
        "attachments",
    } <= set(comments)
    fields = entries["ticket_fields"]["schema"]["properties"]
    assert {"title", "type", "custom_field_options"} <= set(fields)
    users = entries["users"]["schema"]["properties"]
    assert {"name", "email", "role", "suspended", "organization_id"} <= set(users)


def test_without_a_catalog_only_streams_that_cost_no_request_of_their_own_are_synced(capsys, clock):
    streams = TapZendeskTickets(config=unit_tap_config()).streams
    assert {name for name, s in streams.items() if s.selected} == DEFAULT_STREAMS


def test_a_catalog_that_selects_ticket_comments_gets_them(capsys, clock):
    with rm.Mocker() as mock:
        mock_support_api(mock, comments={1: [comment(11, 5)]})
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        messages = sync(capsys, clock, {"tickets", "ticket_comments"})
    assert of(messages, "ticket_comments") == [{**comment(11, 5), "ticket_id": 1}]


def test_only_selected_side_loads_are_asked_for(capsys, clock):
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        sync(capsys, clock, {"tickets", "organizations"})
        (export,) = [r for r in mock.request_history if r.path.endswith("cursor.json")]
    assert export.qs["include"] == ["organizations"]


# -- order -------------------------------------------------------------------------------------


def test_what_a_page_refers_to_comes_before_its_tickets_and_the_state_after(capsys, clock):
    one = ticket(1, 100, requester_id=5, group_id=7, brand_id=8)
    two = ticket(2, 101, requester_id=6, group_id=7, status="deleted")
    with rm.Mocker() as mock:
        mock_support_api(
            mock,
            users=[user(5), user(6), user(9)],
            comments={1: [comment(11, 5), comment(12, 9)]},
            brands=[named("brands", 8, "Acme")],
        )
        mock.get(
            EXPORT_URL,
            [
                side_page(
                    [one, two],
                    end=True,
                    users=[user(5), user(6)],
                    groups=[named("groups", 7, "Support")],
                    organizations=[],
                )
            ],
        )
        messages = sync(capsys, clock)
    records_and_states = [s for s in sequence(messages) if s[0] != "SCHEMA"]
    assert records_and_states == [
        ("RECORD", "brands", 8),
        ("RECORD", "groups", 7),
        ("RECORD", "users", 5),
        ("RECORD", "users", 6),
        ("RECORD", "users", 9),  # the second comment's author, from the comments' side-load
        ("RECORD", "ticket_comments", 11),
        ("RECORD", "ticket_comments", 12),
        ("RECORD", "tickets", 1),
        ("RECORD", "tickets", 2),  # deleted: no comments asked for
        ("STATE", None, None),
    ]
    # Each stream's SCHEMA comes once, before its first record.
    schemas = [s[1] for s in sequence(messages) if s[0] == "SCHEMA"]
    assert sorted(schemas) == ["brands", "groups", "ticket_comments", "tickets", "users"]
    for stream in schemas:
        kinds = [s for s in sequence(messages) if s[1] == stream]
        assert kinds[0][0] == "SCHEMA"


def test_the_state_holds_only_the_tickets_bookmark(capsys, clock):
    with rm.Mocker() as mock:
        mock_support_api(mock, users=[user(5)], comments={1: [comment(11, 5)]})
        mock.get(
            EXPORT_URL, [side_page([ticket(1, 100, requester_id=5)], end=True, users=[user(5)])]
        )
        messages = sync(capsys, clock)
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    assert states
    assert all(set(state["bookmarks"]) == {"tickets"} for state in states)


# -- people ------------------------------------------------------------------------------------


def test_a_user_is_sent_once_a_run_and_again_when_it_changed(capsys, clock):
    changed = user(5, name="New name", updated_at="2024-06-01T00:00:00Z")
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(
            EXPORT_URL,
            [
                side_page([ticket(1, 100, requester_id=5)], end=False, users=[user(5)]),
                side_page([ticket(2, 101, requester_id=5)], end=False, users=[user(5)]),
                side_page([ticket(3, 102, requester_id=5)], end=True, users=[changed]),
            ],
        )
        messages = sync(capsys, clock)
    assert of(messages, "users") == [user(5), changed]


def test_people_missing_from_the_side_load_are_looked_up_once(capsys, clock, caplog):
    with rm.Mocker() as mock:
        mock_support_api(mock, users=[user(6)])  # 7 is gone for good
        mock.get(
            EXPORT_URL,
            [
                side_page(
                    [ticket(1, 100, requester_id=5, assignee_id=6, follower_ids=[7])],
                    end=False,
                    users=[user(5)],
                ),
                side_page([ticket(2, 101, requester_id=7)], end=True, users=[]),
            ],
        )
        with caplog.at_level(logging.WARNING):
            messages = sync(capsys, clock)
        lookups = [r.qs["ids"] for r in mock.request_history if r.path.endswith("show_many.json")]
    assert [u["id"] for u in of(messages, "users")] == [5, 6]
    assert lookups == [["6,7"]]  # 7 is not asked for again on the next page
    assert (
        "lack 1 users that tickets refer to (deleted for good?), for example 7 (ticket 1)"
        in caplog.text
    )
    assert caplog.text.count("lack 1 users") == 1


def test_a_comment_author_no_answer_side_loads_is_looked_up(capsys, clock):
    with rm.Mocker() as mock:
        mock_support_api(mock, users=[user(5), user(9)], comments={1: [comment(11, 9)]})
        # The comments' answer side-loads no one: its author must be asked for.
        mock.get(
            f"{SUPPORT}/tickets/1/comments.json",
            json={"comments": [comment(11, 9)], "meta": {"has_more": False}},
        )
        mock.get(
            EXPORT_URL, [side_page([ticket(1, 100, requester_id=5)], end=True, users=[user(5)])]
        )
        messages = sync(capsys, clock)
    assert [s for s in sequence(messages) if s[0] == "RECORD"] == [
        ("RECORD", "users", 5),
        ("RECORD", "users", 9),
        ("RECORD", "ticket_comments", 11),
        ("RECORD", "tickets", 1),
    ]


# -- comments ----------------------------------------------------------------------------------


def test_comments_follow_their_cursor_pages(capsys, clock):
    first = {"comments": [comment(11, 5)], "meta": {"has_more": True, "after_cursor": "C2"}}
    second = {"comments": [comment(12, 5)], "meta": {"has_more": False, "after_cursor": "C3"}}
    with rm.Mocker() as mock:
        mock_support_api(mock, users=[user(5)])
        mock.get(f"{SUPPORT}/tickets/1/comments.json", [{"json": first}, {"json": second}])
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        messages = sync(capsys, clock, {"tickets", "ticket_comments"})
        asked = [r for r in mock.request_history if "comments" in r.path]
    assert [c["id"] for c in of(messages, "ticket_comments")] == [11, 12]
    assert asked[0].qs == {
        "include": ["users"],
        "sort": ["created_at"],
        "include_inline_images": ["true"],
        "page[size]": ["100"],
    }
    assert "page%5Bafter%5D=C2" in asked[1].url


def test_a_ticket_gone_since_the_export_page_has_no_comments_and_the_run_goes_on(
    capsys, clock, caplog
):
    with rm.Mocker() as mock:
        mock_support_api(mock, comments={2: [comment(21, 5)]})
        mock.get(
            f"{SUPPORT}/tickets/1/comments.json",
            status_code=404,
            json={"error": "RecordNotFound", "description": "Not found"},
        )
        mock.get(EXPORT_URL, [page([ticket(1, 100), ticket(2, 101)], end=True)])
        with caplog.at_level(logging.WARNING):
            messages = sync(capsys, clock, {"tickets", "ticket_comments"})
    assert [t["id"] for t in of(messages, "tickets")] == [1, 2]
    assert [c["ticket_id"] for c in of(messages, "ticket_comments")] == [2]
    assert "Zendesk no longer has ticket 1" in caplog.text


def test_a_429_on_comments_is_waited_out_and_asked_again(capsys, clock):
    with rm.Mocker() as mock:
        mock_support_api(mock, users=[user(5)])
        mock.get(
            f"{SUPPORT}/tickets/1/comments.json",
            [
                {
                    "status_code": 429,
                    "headers": {"Retry-After": "3"},
                    "text": "Number of allowed API requests per minute exceeded",
                },
                {"json": {"comments": [comment(11, 5)], "meta": {}}},
            ],
        )
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        messages = sync(capsys, clock, {"tickets", "ticket_comments"})
    assert clock.sleeps == [3.0]
    assert [c["id"] for c in of(messages, "ticket_comments")] == [11]


def test_the_export_waits_when_comment_reads_used_up_the_account(capsys, clock):
    spent = {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0", "ratelimit-reset": "7"}
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(
            f"{SUPPORT}/tickets/1/comments.json",
            json={"comments": [comment(11, 5)], "meta": {}},
            headers=spent,
        )
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=False), page([ticket(2, 101)], end=True)])
        sync(capsys, clock, {"tickets", "ticket_comments"})
        paths = [r.path for r in mock.request_history]
    # The comments of ticket 1 used up the account's minute: the next request, the export's
    # second page, waited for it; the comments of ticket 2 did not wait again.
    assert paths == [
        "/api/v2/incremental/tickets/cursor.json",
        "/api/v2/tickets/1/comments.json",
        "/api/v2/incremental/tickets/cursor.json",
        "/api/v2/tickets/2/comments.json",
    ]
    assert clock.sleeps == [7.0]


# -- the account's lists -----------------------------------------------------------------------


def test_lists_are_read_when_first_needed_and_again_once_for_an_unknown_id(capsys, clock, caplog):
    brands = [named("brands", 8, "Acme")]
    later = [*brands, named("brands", 9, "Acme Kids")]
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(
            f"{SUPPORT}/brands.json", [{"json": {"brands": brands}}, {"json": {"brands": later}}]
        )
        mock.get(
            EXPORT_URL,
            [
                page([ticket(1, 100)], end=False),  # refers to no brand: nothing read yet
                page([ticket(2, 101, brand_id=8), ticket(3, 101, brand_id=4)], end=False),
                page([ticket(4, 102, brand_id=9)], end=False),  # made during the run
                page([ticket(5, 103, brand_id=10)], end=True),  # read again once only
            ],
        )
        with caplog.at_level(logging.INFO):
            messages = sync(capsys, clock, {"tickets", "brands"})
        reads = [r for r in mock.request_history if r.path.endswith("brands.json")]
    assert len(reads) == 2
    assert [b["id"] for b in of(messages, "brands")] == [8, 9]
    before_four = sequence(messages).index(("RECORD", "tickets", 4))
    assert ("RECORD", "brands", 9) in sequence(messages)[:before_four]
    assert "for example 4 (ticket 3)" in caplog.text
    assert "for example 10 (ticket 5)" in caplog.text


def test_a_run_that_finds_no_change_reads_nothing_else(capsys, clock):
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([], end=True, cursor=None)])
        sync(capsys, clock)
        assert mock.call_count == 1


# -- what the SDK does with every stream -------------------------------------------------------


def test_a_field_outside_a_side_streams_schema_gets_a_schema_first(capsys, clock, caplog):
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(
            EXPORT_URL,
            [
                side_page(
                    [ticket(1, 100, requester_id=5)], end=True, users=[user(5, chat_only=True)]
                )
            ],
        )
        with caplog.at_level(logging.INFO):
            messages = sync(capsys, clock, {"tickets", "users"})
    users = [m for m in messages if m.get("stream") == "users"]
    assert [m["type"] for m in users] == ["SCHEMA", "SCHEMA", "RECORD"]
    assert "chat_only" not in users[0]["schema"]["properties"]
    assert users[1]["schema"]["properties"]["chat_only"] == {"type": ["boolean", "null"]}
    assert users[2]["record"]["chat_only"] is True
    assert "Field 'chat_only' of users is not in the schema" in caplog.text


def test_stream_maps_and_deselected_fields_apply_to_side_streams(capsys, clock):
    catalog = catalog_selecting({"tickets", "users"})
    users_entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "users")
    for item in users_entry["metadata"]:
        if item["breadcrumb"] == ["properties", "phone"]:
            item["metadata"]["selected"] = False
    from tap_zendesk_tickets.export import Timing

    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(
            EXPORT_URL,
            [
                side_page(
                    [ticket(1, 100, requester_id=5)], end=True, users=[user(5, phone="+1 555")]
                )
            ],
        )
        TapZendeskTickets(
            config=unit_tap_config(
                stream_maps={"users": {"__alias__": "people", "email": "__NULL__"}}
            ),
            catalog=catalog,
            timing=Timing(clock=clock, sleep=clock.sleep),
        ).sync_all()
    messages = parse_output(capsys)
    (person,) = of(messages, "people")
    assert person["id"] == 5
    assert "email" not in person and "phone" not in person
    assert records(messages)[-1]["id"] == 1


@pytest.mark.parametrize("stream", sorted(COPY_STREAMS - {"tickets"}))
def test_a_side_stream_alone_still_runs_the_export_but_sends_no_ticket(capsys, clock, stream):
    with rm.Mocker() as mock:
        mock_support_api(
            mock,
            users=[user(5)],
            comments={1: [comment(11, 5)]},
            brands=[named("brands", 8, "Acme")],
        )
        mock.get(
            EXPORT_URL,
            [
                side_page(
                    [ticket(1, 100, requester_id=5, brand_id=8)],
                    end=True,
                    users=[user(5)],
                    groups=[],
                    organizations=[],
                )
            ],
        )
        messages = sync(capsys, clock, {stream})
    sent = {m["stream"] for m in messages if m["type"] == "RECORD"}
    assert "tickets" not in sent
    assert [m for m in messages if m["type"] == "STATE"][-1]["value"]["bookmarks"]["tickets"][
        "id"
    ] == 1
