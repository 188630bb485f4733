"""The pure parts of the analytics streams: positions in a time-based export, satisfaction
rating windows, and field changes read off ticket events."""

import pytest

from tap_zendesk_tickets.field_history import as_text, field_changes
from tap_zendesk_tickets.rating_windows import RatingsWindow, window_from
from tap_zendesk_tickets.time_export import TimePosition, position_from

# -- time-based export positions ----------------------------------------------------------------


def test_an_item_is_new_after_the_second_or_in_it_unseen():
    position = TimePosition(100, frozenset({7, 9}))
    assert position.is_new(101, 7)
    assert position.is_new(100, 8)
    assert not position.is_new(100, 9)
    assert not position.is_new(99, 1)


def test_the_position_after_items_keeps_the_ids_of_its_last_second_only():
    position = TimePosition(100, frozenset({7}))
    assert position.after([(100, 8)]) == TimePosition(100, frozenset({7, 8}))
    assert position.after([(100, 8), (101, 3), (101, 2)]) == TimePosition(101, frozenset({2, 3}))
    assert position.after([]) == position


def test_a_position_goes_through_its_bookmark():
    position = TimePosition(1_700_000_000, frozenset({5, 3}))
    bookmark = position.bookmark()
    assert bookmark == {"time": "2023-11-14T22:13:20Z", "ids": [3, 5]}
    assert position_from(bookmark, start_time=0) == position
    assert position_from({}, start_time=1_600_000_000.5) == TimePosition(1_600_000_000)


@pytest.mark.parametrize(
    "bookmark", [{"time": 5}, {"time": "yesterday"}, {"time": "2024-01-01T00:00:00Z", "ids": ["a"]}]
)
def test_an_unreadable_bookmark_is_an_error(bookmark):
    with pytest.raises(ValueError, match="is not"):
        position_from(bookmark, start_time=0)


# -- satisfaction rating windows ----------------------------------------------------------------


def test_a_first_window_runs_from_start_time_to_two_minutes_ago():
    window = window_from({}, start_time=1000, now=10_000)
    assert window == RatingsWindow(999, 10_000 - 120)
    assert window.params() == {"start_time": 999, "end_time": 10_000 - 119}
    assert window.holds("1970-01-01T00:16:40Z")  # 1000, startTime's own second
    assert not window.holds("1970-01-01T00:16:39Z")


def test_the_next_window_starts_where_the_last_ended_and_keeps_its_bounds_itself():
    window = window_from({"created_at": "1970-01-01T01:00:00Z"}, start_time=0, now=10_000)
    assert window == RatingsWindow(3600, 10_000 - 120)
    assert not window.holds("1970-01-01T01:00:00Z")  # sent by the last run
    assert window.holds("1970-01-01T01:00:01Z")
    assert window.holds("1970-01-01T02:44:40Z")  # the window's end, 9880
    assert not window.holds("1970-01-01T02:44:41Z")  # the next run's
    assert not window.holds(None)


def test_a_window_stopped_at_a_cursor_is_continued_from_it():
    state = RatingsWindow(3600, 9000, "CUR").bookmark()
    assert state == {
        "created_at": "1970-01-01T01:00:00Z",
        "window_end": "1970-01-01T02:30:00Z",
        "cursor": "CUR",
    }
    window = window_from(state, start_time=0, now=99_999)
    assert window == RatingsWindow(3600, 9000, "CUR")
    assert window.params()["page[after]"] == "CUR"
    assert window.at(None).bookmark() == {"created_at": "1970-01-01T02:30:00Z"}


# -- field changes ------------------------------------------------------------------------------


def event(*children, **fields):
    return {
        "id": 500,
        "ticket_id": 7,
        "timestamp": 1_700_000_000,
        "created_at": "2023-11-14T22:13:20Z",
        "updater_id": 42,
        "via": "Web form",
        "event_type": "Audit",
        "child_events": list(children),
        **fields,
    }


def test_every_create_and_change_child_is_a_row_with_its_audit():
    rows = field_changes(
        event(
            {
                "id": 1,
                "via": "Web form",
                "via_reference_id": None,
                "status": "open",
                "event_type": "Create",
            },
            {"id": 2, "group_id": 22, "event_type": "Create"},
            {"id": 3, "status": "pending", "previous_value": "open", "event_type": "Change"},
            {"id": 4, "event_type": "Comment", "body": "hi", "public": True},
            {"id": 5, "event_type": "Notification", "subject": "Updated"},
        )
    )
    assert [(r["id"], r["field_name"], r["value"], r["previous_value"]) for r in rows] == [
        (1, "status", "open", None),
        (2, "group_id", "22", None),
        (3, "status", "pending", "open"),
    ]
    assert {(r["audit_id"], r["ticket_id"], r["updater_id"], r["via"]) for r in rows} == {
        (500, 7, 42, "Web form")
    }
    assert {r["updated_at"] for r in rows} == {"2023-11-14T22:13:20Z"}
    assert [r["event_type"] for r in rows] == ["Create", "Create", "Change"]


def test_tags_and_custom_fields_are_rows_of_their_own():
    rows = field_changes(
        event(
            {
                "id": 1,
                "tags": ["vip", "billing"],
                "added_tags": ["vip"],
                "removed_tags": [],
                "previous_value": ["billing"],
                "event_type": "Change",
            },
            {"id": 2, "360001": 12.5, "previous_value": None, "event_type": "Change"},
        )
    )
    assert [(r["field_name"], r["value"], r["previous_value"]) for r in rows] == [
        ("tags", '["vip","billing"]', '["billing"]'),
        ("360001", "12.5", None),
    ]


def test_values_become_text():
    assert as_text(None) is None
    assert as_text("solved") == "solved"
    assert as_text(True) == "true"
    assert as_text({"a": "é"}) == '{"a":"é"}'
