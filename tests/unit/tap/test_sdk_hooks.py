"""The one place the tap relies on singer-sdk internals (sdk_hooks.py): keep it honest by
behaviour."""

import json

import requests_mock as rm

from tap_zendesk_tickets.sdk_hooks import write_checkpoint
from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.tap_pages import (
    EXPORT_URL,
    full_ticket,
    mock_support_api,
    page,
    parse_output,
    records,
    unit_tap_config,
)


def test_checkpoint_replaces_the_bookmark_and_writes_state_now(capsys):
    tap = TapZendeskTickets(
        config=unit_tap_config(),
        state={
            "bookmarks": {
                "tickets": {"last_modified_time": "2020-01-01T00:00:00Z", "id": 1, "mode": "cdc"}
            }
        },
    )
    stream = tap.streams["tickets"]
    write_checkpoint(
        stream, None, {"last_modified_time": "2024-01-01T00:00:00Z", "id": 9, "cursor": "C"}
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        {
            "type": "STATE",
            "value": {
                "bookmarks": {
                    "tickets": {
                        "last_modified_time": "2024-01-01T00:00:00Z",
                        "id": 9,
                        "cursor": "C",
                    }
                }
            },
        }
    ]
    # The tap's own state (what the SDK writes on SIGTERM) is the same dict.
    assert tap.state["bookmarks"]["tickets"] == {
        "last_modified_time": "2024-01-01T00:00:00Z",
        "id": 9,
        "cursor": "C",
    }


def test_an_unchanged_checkpoint_is_not_written_twice(capsys):
    tap = TapZendeskTickets(config=unit_tap_config())
    stream = tap.streams["tickets"]
    write_checkpoint(stream, None, {"cursor": "A"})
    write_checkpoint(stream, None, {"cursor": "A"})
    write_checkpoint(stream, None, {"cursor": "B"})
    lines = [
        json.loads(line)["value"]["bookmarks"]["tickets"]
        for line in capsys.readouterr().out.splitlines()
    ]
    assert lines == [{"cursor": "A"}, {"cursor": "B"}]


def _sync_with_catalog(capsys, catalog=None, **config):
    tickets = [full_ticket(1, 1700000000), full_ticket(2, 1700000001)]
    with rm.Mocker() as mock:
        mock_support_api(mock)
        mock.get(EXPORT_URL, [page(tickets, end=True)])
        TapZendeskTickets(config=unit_tap_config(**config), catalog=catalog).sync_all()
    return records(parse_output(capsys)), tickets


def test_records_go_out_unchanged_when_nothing_is_deselected(capsys):
    emitted, tickets = _sync_with_catalog(capsys)
    assert emitted == tickets


def test_deselected_fields_are_still_left_out(capsys):
    catalog = TapZendeskTickets(config=unit_tap_config()).catalog_dict
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "tickets")
    for item in entry["metadata"]:
        if item["breadcrumb"] == []:
            item["metadata"]["selected"] = True
        elif item["breadcrumb"] in (["properties", "description"], ["properties", "via"]):
            item["metadata"]["selected"] = False
    emitted, tickets = _sync_with_catalog(capsys, catalog)
    expected = [
        {key: value for key, value in ticket.items() if key not in {"description", "via"}}
        for ticket in tickets
    ]
    assert emitted == expected


def test_stream_maps_still_apply(capsys):
    emitted, tickets = _sync_with_catalog(
        capsys, stream_maps={"tickets": {"description": "__NULL__", "title": "subject"}}
    )
    expected = [
        {**{k: v for k, v in t.items() if k != "description"}, "title": t["subject"]}
        for t in tickets
    ]
    assert emitted == expected


def test_a_fed_stream_writes_its_schema_once_then_each_record_through_the_sdk(capsys):
    from tests.support.tap_pages import user

    tap = TapZendeskTickets(
        config=unit_tap_config(stream_maps={"users": {"email": "__NULL__"}}),
        state={"bookmarks": {"tickets": {"id": 1}}},
    )
    users = tap.streams["users"]
    assert users.emit([user(5), user(6)]) == 2
    assert users.emit([user(7)]) == 1
    users.finalize_state_progress_markers()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(m["type"], m.get("record", {}).get("id")) for m in lines] == [
        ("SCHEMA", None),
        ("RECORD", 5),
        ("RECORD", 6),
        ("RECORD", 7),
    ]
    assert all("email" not in m["record"] for m in lines if m["type"] == "RECORD")
    # It keeps no bookmark: the tap's state is still the tickets stream's alone.
    assert tap.state == {"bookmarks": {"tickets": {"id": 1}}}


def test_a_fed_stream_that_is_not_selected_writes_nothing(capsys):
    from tests.support.catalogs import catalog_selecting
    from tests.support.tap_pages import user

    tap = TapZendeskTickets(config=unit_tap_config(), catalog=catalog_selecting({"tickets"}))
    assert tap.streams["users"].emit([user(5)]) == 0
    assert capsys.readouterr().out == ""


def test_the_sdk_never_syncs_a_fed_stream_itself(capsys):
    tap = TapZendeskTickets(config=unit_tap_config())
    tickets = tap.streams["tickets"]
    fed = {stream.name for stream in tickets.child_streams}
    synced_on_their_own = {
        "tags",
        "sla_policies",
        "satisfaction_ratings",
        "ticket_metric_events",
        "ticket_field_history",
    }
    assert fed == set(tap.streams) - {"tickets"} - synced_on_their_own
    assert list(tickets.generate_child_contexts({"id": 1}, None)) == []
    assert list(tap.streams["users"].get_records(None)) == []


def test_a_bookmark_set_without_a_state_goes_out_with_the_next_state_of_any_stream(capsys):
    from tap_zendesk_tickets.sdk_hooks import set_bookmark

    tap = TapZendeskTickets(config=unit_tap_config())
    events = tap.streams["ticket_metric_events"]
    set_bookmark(events, None, {"time": "2024-01-01T00:00:00Z", "ids": [7]})
    assert capsys.readouterr().out == ""  # nothing written yet
    write_checkpoint(tap.streams["tickets"], None, {"cursor": "C"})
    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["value"]["bookmarks"] == {
        "tickets": {"cursor": "C"},
        "ticket_metric_events": {"time": "2024-01-01T00:00:00Z", "ids": [7]},
    }
    # It replaces the whole bookmark, as write_checkpoint does.
    set_bookmark(events, None, {"time": "2024-01-02T00:00:00Z", "ids": []})
    assert tap.state["bookmarks"]["ticket_metric_events"] == {
        "time": "2024-01-02T00:00:00Z",
        "ids": [],
    }


def test_a_stream_synced_on_its_own_can_emit_records_outside_its_sync(capsys):
    from tests.support.catalogs import catalog_selecting

    tap = TapZendeskTickets(
        config=unit_tap_config(stream_maps={"ticket_metric_events": {"metric": "__NULL__"}}),
        catalog=catalog_selecting({"ticket_metric_events"}),
    )
    events = tap.streams["ticket_metric_events"]
    event = {"id": 5, "ticket_id": 1, "metric": "reply_time", "time": "2024-01-01T00:00:00Z"}
    assert events.emit([event, {**event, "id": 6}]) == 2
    events.close()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(m["type"], m.get("record", {}).get("id")) for m in lines] == [
        ("SCHEMA", None),
        ("RECORD", 5),
        ("RECORD", 6),
    ]
    assert all("metric" not in m["record"] for m in lines if m["type"] == "RECORD")
