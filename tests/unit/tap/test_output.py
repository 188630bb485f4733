"""The tap's msgspec writer and page decoder say exactly what singer-sdk's and json's would."""

import datetime
import json
from decimal import Decimal

import pytest
import requests_mock as rm
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage
from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter
from singer_sdk.singerlib.json import serialize_json

from tap_zendesk_tickets import output
from tap_zendesk_tickets.output import FastSingerWriter
from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.tap_pages import (
    EXPORT_URL,
    full_ticket,
    mock_support_api,
    page,
    parse_output,
    unit_tap_config,
)

EXTRACTED = datetime.datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=datetime.UTC)
AWKWARD_TEXT = (
    'Caf\u00e9 \u2603 "quoted" \\ back\nslash \U0001f600 \u2028 \u2029 \x85 \x1c \x00 end'
)


def _messages():
    ticket = full_ticket(7, 1709802104, subject=AWKWARD_TEXT, description="line\nbreak")
    return [
        SchemaMessage("tickets", {"type": "object", "properties": {"id": {}}}, ["id"], None),
        RecordMessage(stream="tickets", record=ticket, time_extracted=EXTRACTED),
        RecordMessage(stream="tickets", record={"id": 8, "big": 2**62, "f": 0.1 + 0.2}),
        StateMessage(
            value={"bookmarks": {"tickets": {"id": Decimal("406.0"), "cursor": "a+b/c="}}}
        ),
    ]


@pytest.mark.parametrize("message", _messages(), ids=["schema", "record", "numbers", "state"])
def test_each_message_is_one_line_of_json_equal_in_content_to_the_sdks(message):
    line = FastSingerWriter().serialize_message(message)
    assert b"\n" not in line
    text = line.decode("utf-8")
    assert text.splitlines() == [text]
    assert json.loads(text) == json.loads(serialize_json(message.to_dict()))


def test_time_extracted_and_decimals_are_spelled_as_the_sdk_spells_them():
    writer = FastSingerWriter()
    record = writer.serialize_message(
        RecordMessage(stream="tickets", record={"id": 1}, time_extracted=EXTRACTED)
    )
    assert b'"time_extracted":"2026-11-28T09:00:00.123456+00:00"' in record
    state = writer.serialize_message(StateMessage(value={"id": Decimal("1.10")}))
    assert b'"id":1.10' in state


def test_records_wait_in_the_buffer_and_every_other_message_flushes_it(capfdbinary):
    writer = FastSingerWriter()
    writer.write_message(RecordMessage(stream="tickets", record={"id": 1}))
    writer.write_message(StateMessage(value={"bookmarks": {}}))
    lines = capfdbinary.readouterr().out.splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["RECORD", "STATE"]


def test_a_whole_sync_says_what_the_sdks_own_writer_says(capsys):
    class SdkWriterTap(TapZendeskTickets):
        message_writer_class = SimpleSingerWriter

    tickets = [full_ticket(i, 1700000000 + i, subject=AWKWARD_TEXT) for i in range(1, 4)]
    outputs = []
    for tap_class in (TapZendeskTickets, SdkWriterTap):
        with rm.Mocker() as mock:
            mock_support_api(mock)  # what the tickets refer to: nothing
            mock.get(EXPORT_URL, [page(tickets[:2], end=False), page(tickets[2:], end=True)])
            tap_class(config=unit_tap_config()).sync_all()
        outputs.append(parse_output(capsys))
    fast, sdk = outputs
    for messages in (fast, sdk):
        for message in messages:
            extracted = message.pop("time_extracted", None)
            if message["type"] == "RECORD":
                assert datetime.datetime.fromisoformat(extracted).tzinfo is not None
    assert fast == sdk
    assert [m["type"] for m in fast] == ["SCHEMA", "RECORD", "RECORD", "STATE", "RECORD", "STATE"]


def test_pages_decode_as_json_decodes_them():
    body = json.dumps(
        {"tickets": [full_ticket(1, 1700000000, subject=AWKWARD_TEXT)], "end_of_stream": True},
        ensure_ascii=False,
    ).encode()
    assert output.loads(body) == json.loads(body)
    with pytest.raises(ValueError, match="truncated|malformed"):
        output.loads(body[:-10])
