import datetime as dt
import json
from decimal import Decimal

import pytest

from target_zendesk_tickets.importing.convert import (
    READ_ONLY_FIELDS,
    ConversionError,
    format_datetime,
    is_deleted,
    to_import,
    to_json_value,
)
from tests.support.tap_pages import full_ticket

UTC = dt.UTC


def test_every_read_only_field_is_dropped_and_writable_ones_kept():
    exported = full_ticket(4217, 1709802104)
    body = to_import(exported)
    for name in (
        "id",
        "url",
        "generated_timestamp",
        "via",
        "has_incidents",
        "is_public",
        "followup_ids",
        "forum_topic_id",
        "allow_channelback",
        "allow_attachments",
        "from_messaging_channel",
        "encoded_id",
        "satisfaction_rating",
        "fields",
        "support_type",
    ):
        assert name not in body, name
    assert set(exported) - set(body) == READ_ONLY_FIELDS
    for name in ("subject", "description", "status", "requester_id", "tags", "custom_fields"):
        assert body[name] == exported[name]
    assert body["external_id"] == "legacy-4217"  # kept when the ticket has one


def test_sdk_metadata_is_dropped():
    body = to_import({"id": 1, "subject": "x", "_sdc_extracted_at": "2024", "_sdc_sequence": 3})
    assert body == {"subject": "x", "external_id": "1"}


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_source_id_becomes_external_id_when_there_is_none(missing):
    body = to_import({"id": 4217, "subject": "x", "external_id": missing})
    assert body["external_id"] == "4217"
    assert isinstance(body["external_id"], str)


def test_decimal_id_becomes_an_integral_external_id():
    assert to_import({"id": Decimal("4217"), "subject": "x"})["external_id"] == "4217"


@pytest.mark.parametrize(
    ("given", "sent"),
    [(8123, "8123"), (Decimal("8123"), "8123"), (Decimal("81.5"), "81.5"), (0, "0")],
)
def test_a_numeric_external_id_is_sent_as_a_string(given, sent):
    """Zendesk stores external_id as a string; the look-up after a lost answer compares it."""
    body = to_import({"id": 4217, "subject": "x", "external_id": given})
    assert body["external_id"] == sent


def test_ticket_without_id_gets_no_external_id():
    assert "external_id" not in to_import({"subject": "x"})


def test_datetimes_become_rfc3339_utc_and_decimals_json_numbers_at_any_depth():
    ticket = {
        "id": 1,
        "created_at": dt.datetime(2024, 3, 5, 14, 22, 9, tzinfo=UTC),
        "updated_at": dt.datetime(2024, 3, 7, 10, 1, 44, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "due_at": dt.datetime(2024, 3, 9),  # naive: taken as UTC
        "custom_fields": [
            {"id": Decimal("360001"), "value": Decimal("3.25")},
            {"id": 360002, "value": Decimal("42")},
            {"id": 360003, "value": Decimal("1E+2")},
            {"id": 360004, "value": dt.date(2024, 1, 31)},
            {"id": 360005, "value": ["red", Decimal("0.5")]},
            {"id": 360006, "value": None},
            {"id": 360007, "value": True},
        ],
        "comments": [{"created_at": dt.datetime(2009, 6, 25, 10, 15, 18, tzinfo=UTC)}],
        "tags": ("a", "b"),
    }
    body = to_import(ticket)
    assert body["created_at"] == "2024-03-05T14:22:09Z"
    assert body["updated_at"] == "2024-03-07T09:01:44Z"
    assert body["due_at"] == "2024-03-09T00:00:00Z"
    values = [field["value"] for field in body["custom_fields"]]
    assert values == [3.25, 42, 100, "2024-01-31", ["red", 0.5], None, True]
    assert isinstance(values[1], int) and isinstance(values[2], int)
    assert isinstance(body["custom_fields"][0]["id"], int)
    assert body["comments"][0]["created_at"] == "2009-06-25T10:15:18Z"
    assert body["tags"] == ["a", "b"]
    json.dumps(body)  # plain JSON from here on


def test_fractional_seconds_are_kept():
    moment = dt.datetime(2024, 3, 7, 9, 1, 44, 250000, tzinfo=UTC)
    assert format_datetime(moment) == "2024-03-07T09:01:44.25Z"


def test_early_years_are_zero_padded():
    assert format_datetime(dt.datetime(812, 1, 2, tzinfo=UTC)) == "0812-01-02T00:00:00Z"


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan"), object()])
def test_values_without_json_form_are_errors_naming_the_field(value):
    with pytest.raises(ConversionError, match=r"custom_fields\[0\]\.value"):
        to_import({"custom_fields": [{"id": 1, "value": value}]})


def test_input_is_not_modified():
    exported = full_ticket(7, 1709802104)
    before = json.dumps(exported, sort_keys=True)
    to_import(exported)
    assert json.dumps(exported, sort_keys=True) == before


@pytest.mark.parametrize(
    ("status", "deleted"), [("deleted", True), ("DELETED", True), ("closed", False), (None, False)]
)
def test_deleted_tickets_are_recognised(status, deleted):
    assert is_deleted({"status": status}) is deleted


def test_to_json_value_leaves_plain_json_alone():
    value = {"a": [1, "x", None, True, 2.5, {"b": []}]}
    assert to_json_value(value) == value
