import pytest

from tap_zendesk_tickets.bookmarks import (
    MIN_START_AGE,
    Position,
    bookmark_for,
    clamp_start_time,
    format_timestamp,
    parse_start_time,
    parse_timestamp,
    position_from_bookmark,
    position_of,
    resume_point,
)

NOW = 1_800_000_000.0


def test_position_prefers_generated_timestamp_then_updated_then_created():
    assert position_of(
        {"id": 7, "generated_timestamp": 1709802104, "updated_at": "2024-03-07T09:01:44Z"}
    ) == Position(1709802104.0, 7)
    assert position_of(
        {"id": 7, "updated_at": "2024-03-07T09:01:44Z", "created_at": "2020-01-01T00:00:00Z"}
    ) == Position(1709802104.0, 7)
    assert position_of({"id": 7, "created_at": "2024-03-07T09:01:44Z"}) == Position(1709802104.0, 7)
    assert position_of({"id": 7, "updated_at": None, "created_at": "garbage"}) is None


@pytest.mark.parametrize(
    ("ticket", "covered"),
    [
        (Position(99, 500), True),  # an earlier second
        (Position(100, 4), True),  # same second, lower id
        (Position(100, 5), True),  # the bookmark itself
        (Position(100, 6), False),  # same second, higher id: not emitted yet
        (Position(101, 1), False),
    ],
)
def test_covers_orders_by_second_then_id(ticket, covered):
    assert Position(100, 5).covers(ticket) is covered


def test_a_position_without_id_covers_only_earlier_seconds():
    assert Position(100, None).covers(Position(99, 9))
    assert not Position(100, None).covers(Position(100, 1))


def test_bookmark_format():
    assert bookmark_for(Position(1709802104, 4217), "abc") == {
        "last_modified_time": "2024-03-07T09:01:44Z",
        "id": 4217,
        "cursor": "abc",
    }
    assert bookmark_for(None, None) == {}
    assert bookmark_for(None, "c") == {"cursor": "c"}


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-07T09:01:44Z",
        "2024-03-07T11:01:44+02:00",
        "2024-03-07T04:01:44-05:00",
        "2024-03-07T09:01:44.000000000Z",
        "2024-03-07T09:01:44+00:00",
    ],
)
def test_rfc3339_in_any_offset(text):
    assert parse_timestamp(text) == 1709802104.0


def test_timestamps_without_offset_are_refused():
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_timestamp("2024-03-07T09:01:44")


def test_seed_position_and_float_ids():
    position = position_from_bookmark(
        {"last_modified_time": "2022-05-08T07:49:55+02:00", "id": 87.0}
    )
    assert position == Position(parse_timestamp("2022-05-08T05:49:55Z"), 87)
    with pytest.raises(ValueError, match="not a ticket id"):
        position_from_bookmark({"last_modified_time": "2022-05-08T05:49:55Z", "id": "x"})
    with pytest.raises(ValueError, match="not a date-time"):
        position_from_bookmark({"last_modified_time": [], "id": 1})


def test_resume_prefers_the_cursor_and_keeps_the_position_as_fallback():
    point = resume_point(
        {"last_modified_time": "2024-03-07T09:01:44Z", "id": 5, "cursor": "CUR"},
        start_time=0,
        now=NOW,
    )
    assert point.cursor == "CUR"
    assert point.skip_through is None
    assert point.fallback.start_time == 1709802104
    assert point.fallback.skip_through == Position(1709802104.0, 5)


def test_resume_without_cursor_restarts_in_the_same_second_and_skips_what_was_emitted():
    point = resume_point(
        {"last_modified_time": "2024-03-07T09:01:44Z", "id": 5}, start_time=0, now=NOW
    )
    assert point.cursor is None
    assert point.start_time == 1709802104  # inclusive, not +1 s as the seed did
    assert point.skip_through == Position(1709802104.0, 5)


def test_fresh_start_uses_start_time():
    point = resume_point({}, start_time=1600000000.9, now=NOW)
    assert (point.cursor, point.start_time, point.skip_through) == (None, 1600000000, None)


def test_start_time_stays_more_than_a_minute_in_the_past():
    assert clamp_start_time(NOW - 5, NOW) == NOW - MIN_START_AGE
    assert clamp_start_time(NOW - 3600, NOW) == NOW - 3600
    recent = resume_point(
        {"last_modified_time": format_timestamp(NOW - 10), "id": 3}, start_time=0, now=NOW
    )
    assert recent.start_time == NOW - MIN_START_AGE
    assert recent.skip_through == Position(NOW - 10, 3)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, 0.0),
        ("0", 0.0),
        (None, 0.0),
        (1709802104, 1709802104.0),
        ("1709802104", 1709802104.0),
        ("2024-03-07T09:01:44Z", 1709802104.0),
        ("2024-03-07T10:01:44+01:00", 1709802104.0),
        ("2024-03-07", 1709769600.0),
    ],
)
def test_start_time_setting(value, seconds):
    assert parse_start_time(value) == seconds


def test_format_timestamp_is_utc_rfc3339():
    assert format_timestamp(0) == "1970-01-01T00:00:00Z"
    assert format_timestamp(1709802104.5) == "2024-03-07T09:01:44.500000Z"


def test_decimal_and_fractional_bookmarks_from_json_state():
    from decimal import Decimal

    # singer-sdk reads JSON numbers with a fraction as Decimal.
    assert position_from_bookmark(
        {"last_modified_time": "2024-03-07T09:01:44Z", "id": Decimal("406.0")}
    ) == Position(1709802104.0, 406)
    assert position_from_bookmark(
        {"last_modified_time": Decimal("1709802104.5"), "id": 3}
    ) == Position(1709802104.0, 3)
    with pytest.raises(ValueError, match="not a ticket id"):
        position_from_bookmark(
            {"last_modified_time": "2024-03-07T09:01:44Z", "id": Decimal("406.5")}
        )


@pytest.mark.parametrize("value", ["nan", "inf", "-100", -1, float("nan")])
def test_start_time_must_be_a_real_time(value):
    with pytest.raises(ValueError, match="not a time at or after 1970-01-01"):
        parse_start_time(value)
