import datetime
from decimal import Decimal

from singer_sdk.singerlib import RecordMessage, StateMessage
from singer_sdk.singerlib.json import serialize_json

from tap_zendesk_tickets.output import FastSingerWriter
from tests.support.tap_pages import full_ticket


def test_writes_the_same_bytes_as_the_sdk():
    writer = FastSingerWriter()
    ticket = full_ticket(
        7, 1709802104, subject='Caf\u00e9 \u2603 "quoted"', description="line\nbreak"
    )
    message = RecordMessage(
        stream="tickets",
        record=ticket,
        time_extracted=datetime.datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=datetime.UTC),
    )
    assert writer.serialize_message(message) == serialize_json(message.to_dict())
    state = StateMessage(value={"bookmarks": {"tickets": {"id": 7, "cursor": "a+b/c="}}})
    assert writer.serialize_message(state) == serialize_json(state.to_dict())


def test_falls_back_to_the_sdk_encoder_for_decimals_and_nan():
    writer = FastSingerWriter()
    message = RecordMessage(
        stream="tickets", record={"id": 1, "amount": Decimal("1.10"), "ratio": float("nan")}
    )
    assert writer.serialize_message(message) == serialize_json(message.to_dict())
    assert '"amount":1.10' in writer.serialize_message(message)
