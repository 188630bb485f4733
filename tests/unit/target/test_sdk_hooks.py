"""The private singer-sdk hooks in sdk_hooks.py: the SDK behaviour they rely on, and what they do.

No test reads the SDK's source: each checks what the SDK does, so that an upgrade that
changes it fails here first.
"""

import io
import json
import signal
from importlib import metadata

import pytest
from singer_sdk import BatchSink, Target

from target_zendesk_tickets.errors import ForcedStopError, TargetError
from target_zendesk_tickets.target import TargetZendeskTickets
from tests.unit.target.fake_zendesk import FakeZendesk
from tests.unit.target.messages import (
    record_line,
    schema_line,
    state_line,
    target_test_config,
    ticket,
)

# What the overrides rely on in singer-sdk 0.54 ----------------------------------------


class _PlainSink(BatchSink):
    def process_batch(self, context: dict) -> None:
        pass


class _PlainTarget(Target):
    """The SDK's own target behaviour, with nothing of ours."""

    name = "plain-target"
    config_jsonschema = {"type": "object", "properties": {}}  # noqa: RUF012
    default_sink_class = _PlainSink


def test_the_sdk_is_the_pinned_minor_version():
    assert metadata.version("singer-sdk").startswith("0.54.")


def test_the_sdk_writes_state_from_drain_all_only_once_it_has_a_latest_state(capsys):
    plain = _PlainTarget(config={})
    plain.drain_all()
    assert capsys.readouterr().out == ""  # no latest state: nothing written
    plain.listen(io.StringIO(state_line({"s": 1}) + "\n"))
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [{"s": 1}]


def test_state_messages_reach_process_state_message(capsys):
    seen = []

    class Watching(_PlainTarget):
        def _process_state_message(self, message_dict: dict) -> None:
            seen.append(message_dict)

    Watching(config={}).listen(io.StringIO(state_line({"s": 1}) + "\n"))
    assert seen == [{"type": "STATE", "value": {"s": 1}}]
    assert capsys.readouterr().out == ""  # and the SDK wrote nothing of its own


def test_termination_signals_are_handled_by_handle_termination():
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        target = TargetZendeskTickets(config=target_test_config())
        assert signal.getsignal(signal.SIGTERM) == target._handle_termination
        assert signal.getsignal(signal.SIGINT) == target._handle_termination
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def test_the_overrides_are_the_ones_in_use():
    for hook in ("_process_state_message", "_handle_termination"):
        assert getattr(TargetZendeskTickets, hook).__module__ == "target_zendesk_tickets.sdk_hooks"


# What they do --------------------------------------------------------------------------


@pytest.fixture
def zendesk(mock):
    return FakeZendesk(mock)


@pytest.fixture
def make_target():
    made = []

    def build(**overrides):
        target = TargetZendeskTickets(config=target_test_config(**overrides))
        made.append(target)
        return target

    yield build
    for target in made:
        target.close()


def lines(*items):
    return io.StringIO("\n".join(items) + "\n")


def states_in(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_state_sends_the_partial_buffer_and_waits_for_its_job(make_target, zendesk, capsys):
    zendesk.auto_complete = False
    target = make_target()
    target.process_lines(
        lines(schema_line(), record_line(ticket(1)), record_line(ticket(2)), state_line({"s": 1}))
    )
    assert len(zendesk.imports) == 1  # sent at the STATE, not at the end of input
    assert [t["external_id"] for t in zendesk.imports[0]["tickets"]] == ["1", "2"]
    assert target._latest_state is None  # the SDK's own state writing stays off
    target.pipeline.poll_once()
    assert states_in(capsys.readouterr().out) == []  # job still queued
    zendesk.complete("job-1")
    target.pipeline.poll_once()
    assert states_in(capsys.readouterr().out) == [{"s": 1}]


def test_a_state_with_nothing_buffered_goes_out_at_once(make_target, zendesk, capsys):
    target = make_target()
    target.process_lines(lines(state_line({"s": 0})))
    assert states_in(capsys.readouterr().out) == [{"s": 0}]
    assert zendesk.imports == []


def test_a_termination_signal_stops_reading_and_finishes_what_was_read(
    make_target, zendesk, monkeypatch
):
    target = make_target()
    sink_class = target.get_sink_class("tickets")
    process_record = sink_class.process_record

    def signal_during_ticket_2(sink, record, context):
        process_record(sink, record, context)
        if record["id"] == 2:
            target._handle_termination(signal.SIGTERM, None)  # arrives while line 3 is read

    monkeypatch.setattr(sink_class, "process_record", signal_during_ticket_2)
    counts = target.process_lines(
        lines(
            schema_line(),
            record_line(ticket(1)),
            record_line(ticket(2)),
            state_line({"s": 2}),
            record_line(ticket(3)),
        )
    )
    assert counts == {"SCHEMA": 1, "RECORD": 2}  # stopped between two messages
    target.process_endofpipe()
    assert [t["external_id"] for t in zendesk.imports[0]["tickets"]] == ["1", "2"]
    assert len(zendesk.imports) == 1


def test_a_second_termination_signal_stops_at_once(make_target):
    target = make_target()
    target._handle_termination(signal.SIGTERM, None)
    with pytest.raises(ForcedStopError, match="second termination signal"):
        target._handle_termination(signal.SIGINT, None)


def test_a_drain_started_during_a_submission_sends_nothing_twice(make_target, zendesk):
    """0.54.9 drains from signal handlers with no guard (meltano/sdk#3775)."""
    target = make_target()
    target.process_lines(lines(schema_line(), record_line(ticket(1))))
    submit = target.pipeline.submit

    def submit_and_drain_again(batch):
        target.drain_all()  # as a signal arriving mid-submission would
        submit(batch)

    target.pipeline.submit = submit_and_drain_again
    target.drain_all()
    assert len(zendesk.imports) == 1


def test_a_failure_lets_jobs_in_flight_finish_and_says_what_was_imported(
    make_target, zendesk, capsys
):
    zendesk.failing[2] = {1: "Status: deleted is not valid"}
    target = make_target(bufferSize=2)
    records = [record_line(ticket(n)) for n in range(1, 7)]
    source = lines(
        schema_line(),
        *records[:2],
        state_line({"s": 1}),
        *records[2:4],
        state_line({"s": 2}),
        *records[4:],
        state_line({"s": 3}),
    )
    with pytest.raises(TargetError) as info:
        target.listen(source)
    message = str(info.value)
    assert "Zendesk did not import 1 of the 2 tickets of batch 2" in message
    assert (
        "ticket 4, input line 6, position 2 of 2 in batch 2: RecordInvalid: Status: deleted is not valid"
        in message
    )
    assert (
        "Imported before the failure: 2 tickets in 1 batch(es), covered by the 1 STATE message(s) written."
        in message
    )
    assert states_in(capsys.readouterr().out) == [{"s": 1}]
