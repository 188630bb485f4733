import base64
import json
from decimal import Decimal

import pytest

from target_zendesk_tickets.singer_input.payloads import PayloadError, ticket_from_record

TICKET = {"id": 7, "subject": "Help", "status": "open"}


def test_a_record_that_is_the_ticket():
    assert ticket_from_record(dict(TICKET)) == TICKET


def test_a_one_field_ticket_is_still_a_ticket():
    assert ticket_from_record({"subject": "just a subject"}) == {"subject": "just a subject"}


def test_a_single_property_holding_the_ticket_as_json_text():
    ticket = ticket_from_record({"ticket_json": json.dumps({**TICKET, "score": 1.5})})
    assert ticket == {**TICKET, "score": Decimal("1.5")}


def test_a_single_property_holding_the_ticket_object():
    assert ticket_from_record({"ticket": dict(TICKET)}) == TICKET


def test_sdk_metadata_does_not_count_as_a_property():
    record = {"raw": json.dumps(TICKET), "_sdc_extracted_at": "2024-01-01T00:00:00Z"}
    assert ticket_from_record(record) == TICKET


@pytest.mark.parametrize("after", [TICKET, json.dumps(TICKET)])
def test_a_conduit_record(after):
    record = {
        "position": "eyJpZCI6N30=",
        "operation": "snapshot",
        "metadata": {"opencdc.createdAt": "1709802104000000000"},
        "key": "7",
        "payload": {"before": None, "after": after},
    }
    assert ticket_from_record(record) == TICKET


def test_a_conduit_raw_payload_in_base64():
    encoded = base64.b64encode(json.dumps(TICKET).encode()).decode()
    record = {"key": "7", "metadata": {}, "position": "p", "payload": {"after": encoded}}
    assert ticket_from_record(record) == TICKET


def test_a_conduit_delete_has_nothing_to_import():
    record = {"key": "7", "operation": "delete", "payload": {"before": None, "after": None}}
    assert ticket_from_record(record) is None


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({}, "the record is empty"),
        ({"_sdc_sequence": 1}, "the record is empty"),
        (
            {"ticket_json": "not json"},
            "property 'ticket_json' is not valid JSON text (Expecting value at position 0)",
        ),
        ({"ticket_json": '{"subject": "cut'}, "property 'ticket_json' is not valid JSON text"),
        (
            {"ticket_json": "[1, 2]"},
            "property 'ticket_json' is JSON text of an array, not of a ticket object",
        ),
        ({"ticket_json": '"text"'}, "JSON text of a string"),
        ({"ticket_json": "42"}, "JSON text of a number"),
        (
            {"ticket_json": 42},
            "property 'ticket_json' is a number, not a ticket object or its JSON text",
        ),
        ({"ticket_json": None}, "property 'ticket_json' is null"),
        ({"ticket_json": [TICKET]}, "property 'ticket_json' is an array"),
        (
            {"key": "7", "operation": "update", "payload": {"before": None, "after": None}},
            "the Conduit record has no payload.after",
        ),
        (
            {"key": "7", "payload": {"after": "nope"}},
            "payload.after of the Conduit record is not valid JSON text",
        ),
        (
            {"key": "7", "payload": {"after": True}},
            "payload.after of the Conduit record is a boolean",
        ),
    ],
)
def test_records_without_a_ticket_are_clear_errors(record, message):
    with pytest.raises(PayloadError) as info:
        ticket_from_record(record)
    assert message in str(info.value)


def test_a_record_with_payload_and_ticket_fields_is_a_ticket_not_a_wrapper():
    record = {"subject": "x", "payload": {"after": "ignored"}}
    assert ticket_from_record(record) == record
