"""The whole target in-process, against a mocked Zendesk (the sandbox runs are in tests/integration)."""

import io
import json
import logging
from pathlib import Path

import pytest

from target_zendesk_tickets.errors import TargetError
from target_zendesk_tickets.target import TargetZendeskTickets
from tests.support.tap_pages import full_ticket
from tests.unit.target.fake_zendesk import FakeZendesk
from tests.unit.target.messages import (
    record_line,
    schema_line,
    state_line,
    target_test_config,
    ticket,
)


@pytest.fixture
def zendesk(mock):
    return FakeZendesk(mock)


@pytest.fixture
def run(capsys):
    def run(*lines, **overrides):
        target = TargetZendeskTickets(config=target_test_config(**overrides))
        target.listen(io.StringIO("\n".join(lines) + "\n"))
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]

    return run


def test_250_tickets_go_as_100_100_50(run, zendesk):
    states = run(
        schema_line(), *(record_line(ticket(n)) for n in range(1, 251)), state_line({"done": True})
    )
    assert [len(body["tickets"]) for body in zendesk.imports] == [100, 100, 50]
    ids = [t["external_id"] for body in zendesk.imports for t in body["tickets"]]
    assert ids == [str(n) for n in range(1, 251)]
    assert states == [{"done": True}]


def test_buffer_size_sets_the_batch_size(run, zendesk):
    run(schema_line(), *(record_line(ticket(n)) for n in range(1, 16)), bufferSize=7)
    assert [len(body["tickets"]) for body in zendesk.imports] == [7, 7, 1]


@pytest.mark.parametrize(("rows", "sizes"), [(500, [100, 20]), (30, [30, 30, 30, 30])])
def test_batch_size_rows_can_lower_the_batch_but_never_past_100(run, zendesk, rows, sizes):
    run(schema_line(), *(record_line(ticket(n)) for n in range(1, 121)), batch_size_rows=rows)
    assert [len(body["tickets"]) for body in zendesk.imports] == sizes


def test_no_empty_import_is_ever_sent(run, zendesk):
    states = run(schema_line(), state_line({"s": 1}), state_line({"s": 2}))
    assert zendesk.imports == []
    assert states == [{"s": 1}, {"s": 2}]


@pytest.mark.parametrize(
    ("load_method", "external_id"),
    [("upsert", "zendesk:acme.zendesk.com:4217"), ("append-only", "4217")],
)
def test_the_import_body_is_the_converted_ticket(run, zendesk, load_method, external_id):
    schema = json.loads(Path("tap_zendesk_tickets/schemas/tickets.json").read_text())
    run(
        json.dumps(
            {"type": "SCHEMA", "stream": "tickets", "schema": schema, "key_properties": ["id"]}
        ),
        record_line(full_ticket(4217, 1709802104, external_id=None)),
        load_method=load_method,
    )
    sent = zendesk.imports[0]["tickets"][0]
    assert sent["external_id"] == external_id  # upsert: the link to the source
    assert sent["created_at"] == "2024-03-05T14:22:09Z"
    assert sent["custom_fields"][2] == {"id": 360003, "value": 3.25}
    for name in ("id", "url", "via", "fields", "generated_timestamp", "satisfaction_rating"):
        assert name not in sent


def test_deleted_tickets_are_skipped_and_counted(run, zendesk, caplog):
    with caplog.at_level(logging.INFO):
        run(
            schema_line(),
            record_line(ticket(1)),
            record_line(ticket(2, status="deleted")),
            record_line(ticket(3)),
        )
    assert [t["external_id"] for t in zendesk.imports[0]["tickets"]] == ["1", "3"]
    assert any("skipped 1 deleted tickets" in r.getMessage() for r in caplog.records)


def test_every_stream_is_tickets(run, zendesk):
    run(
        schema_line("a"),
        schema_line("b"),
        record_line(ticket(1), "a"),
        record_line(ticket(2), "b"),
        state_line({"s": 1}),
    )
    assert sorted(t["external_id"] for body in zendesk.imports for t in body["tickets"]) == [
        "1",
        "2",
    ]


def test_the_taps_analytics_streams_are_read_and_left_out(run, zendesk, caplog):
    caplog.set_level(logging.INFO)
    metrics_schema = {"type": "object", "properties": {"ticket_id": {"type": "integer"}}}
    states = run(
        schema_line("ticket_metrics", metrics_schema),
        record_line({"ticket_id": 1, "replies": 2}, "ticket_metrics"),
        schema_line(),
        record_line(ticket(1)),
        schema_line("tags", {"type": "object", "properties": {"name": {"type": "string"}}}),
        record_line({"name": "vip", "count": 3}, "tags"),
        state_line({"s": 1}),
    )
    assert [t["external_id"] for body in zendesk.imports for t in body["tickets"]] == ["1"]
    assert states == [{"s": 1}]
    assert "Stream ticket_metrics is not copied" in caplog.text
    assert "Stream tags is not copied" in caplog.text


def test_states_wait_for_their_batches_across_streams(run, zendesk):
    states = run(
        schema_line("a"),
        schema_line("b"),
        record_line(ticket(1), "a"),
        state_line({"s": 1}),
        record_line(ticket(2), "b"),
        record_line(ticket(3), "a"),
        state_line({"s": 2}),
    )
    assert states == [{"s": 1}, {"s": 2}]
    assert [[t["external_id"] for t in body["tickets"]] for body in zendesk.imports] == [
        ["1"],
        ["3"],
        ["2"],
    ]


def test_a_failing_ticket_ends_the_run_with_its_name_and_no_later_state(run, zendesk, capsys):
    zendesk.failing[1] = {0: "Requester: 0 is not a valid user id"}
    with pytest.raises(TargetError) as info:
        run(schema_line(), record_line(ticket(5)), state_line({"s": 1}))
    assert (
        "ticket 5, input line 2, position 1 of 1 in batch 1: RecordInvalid: Requester: 0 is not a valid user id"
        in str(info.value)
    )
    assert "No batch was imported completely; no STATE was written." in str(info.value)
    assert capsys.readouterr().out == ""


def test_bad_input_keeps_the_states_earned_before_it(run, zendesk, capsys):
    with pytest.raises(TargetError) as info:
        run(
            schema_line(),
            record_line(ticket(1)),
            state_line({"s": 1}),
            record_line(ticket(2)),
            "oops",
        )
    message = str(info.value)
    assert message.startswith("Bad input at line 5: not valid JSON")
    assert (
        "Imported: 1 tickets in 1 batch(es), covered by the 1 STATE message(s) written." in message
    )
    assert "Not imported: 1 ticket(s) read but not yet sent." in message
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [{"s": 1}]


def test_invoke_turns_a_failure_into_one_error_and_exit_1(tmp_path, zendesk, monkeypatch, caplog):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(target_test_config()))
    source = tmp_path / "input.jsonl"
    source.write_text(schema_line() + "\n" + '{"type": "RECORD"}\n')
    with (
        source.open() as file_input,
        pytest.raises(SystemExit) as info,
        caplog.at_level(logging.ERROR),
    ):
        TargetZendeskTickets.invoke(config=_config_input(config), file_input=file_input)
    assert info.value.code == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "Bad input at line 2: a RECORD message needs a 'stream' name. Nothing from this line on was imported; fix the tap or the input file and run again from the last STATE"
    ]


def _config_input(path):
    from singer_sdk.plugin_base import _ConfigInput

    return _ConfigInput.from_cli_args(str(path))


def test_a_job_failing_while_stopping_for_bad_input_is_reported_too(mock, capsys):
    zendesk = FakeZendesk(mock)
    zendesk.failing[1] = {0: "Subject: too long"}
    target = TargetZendeskTickets(config=target_test_config())
    source = io.StringIO(
        "\n".join([schema_line(), record_line(ticket(1)), state_line(1), "{bad"]) + "\n"
    )
    with pytest.raises(TargetError) as info:
        target.listen(source)
    message = str(info.value)
    assert message.startswith("Bad input at line 4: not valid JSON")
    assert (
        "While stopping, this failed too: Zendesk did not import 1 of the 1 tickets of batch 1"
        in message
    )
    assert "Subject: too long" in message
    assert capsys.readouterr().out == ""
