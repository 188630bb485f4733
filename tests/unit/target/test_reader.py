import io
import json

import pytest

from target_zendesk_tickets.errors import BadInputError
from target_zendesk_tickets.singer_input.reader import LineNumberedReader
from target_zendesk_tickets.target import TargetZendeskTickets
from tests.unit.target.fake_zendesk import FakeZendesk
from tests.unit.target.messages import (
    SCHEMA,
    record_line,
    schema_line,
    state_line,
    target_test_config,
    ticket,
)


@pytest.fixture
def target(mock):
    FakeZendesk(mock)
    target = TargetZendeskTickets(config=target_test_config())
    yield target
    target.close()


def read(target, *lines):
    return target.process_lines(io.StringIO("\n".join(lines) + "\n"))


def bad_line(target, *lines) -> BadInputError:
    with pytest.raises(BadInputError) as info:
        read(target, *lines)
    return info.value


GOOD = [schema_line(), record_line(ticket(1))]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            "{not json",
            "not valid JSON (Expecting property name enclosed in double quotes at column 2): {not json",
        ),
        ("[1, 2]", "a JSON array, not a Singer message"),
        ('"RECORD"', "a JSON string, not a Singer message"),
        ('{"stream": "tickets"}', "a JSON object without a 'type'"),
        (
            '{"type": "BOOKMARK"}',
            "unknown message type 'BOOKMARK'; this target reads SCHEMA, RECORD, STATE, ACTIVATE_VERSION",
        ),
        ('{"type": "BATCH", "stream": "tickets"}', "unknown message type 'BATCH'"),
        (
            '{"type": "RECORD", "stream": "tickets", "record": "a string"}',
            "the 'record' of this RECORD (stream 'tickets') is a JSON string, not an object",
        ),
        (
            '{"type": "RECORD", "stream": "tickets", "record": [1]}',
            "is a JSON array, not an object",
        ),
        ('{"type": "RECORD", "stream": "tickets"}', "is missing, not an object"),
        ('{"type": "RECORD", "record": {}}', "a RECORD message needs a 'stream' name"),
        (
            '{"type": "SCHEMA", "stream": "x", "schema": "s"}',
            "the 'schema' of this SCHEMA (stream 'x') is not an object",
        ),
        ('{"type": "STATE"}', "a STATE message without 'value'"),
        (
            record_line(ticket(2), stream="other"),
            "a RECORD for stream 'other' came before any SCHEMA for that stream",
        ),
        (
            record_line({"id": "not a number"}),
            "the record does not match the SCHEMA of stream 'tickets'",
        ),
        (
            record_line({"ticket_json": "not json"}),
            "the RECORD of stream 'tickets' holds no importable ticket: property 'ticket_json' is not valid JSON text",
        ),
        (
            record_line(ticket(3, updated_at="yesterday")),
            "the RECORD message could not be processed: Could not parse value 'yesterday' for field 'updated_at'",
        ),
    ],
)
def test_bad_input_names_its_line_and_the_problem(target, line, problem):
    error = bad_line(target, *GOOD, "", line)  # a blank line is skipped but counted
    assert error.line == 4
    assert problem in error.problem, error.problem
    assert str(error).startswith("Bad input at line 4: ")
    assert "run again from the last STATE" in str(error)


def test_an_invalid_schema_is_bad_input(target):
    schema = json.dumps(
        {
            "type": "SCHEMA",
            "stream": "s",
            "schema": {"type": "object", "properties": {"a": {"type": "nonsense"}}},
        }
    )
    assert bad_line(target, schema).line == 1


def test_good_input_is_counted_by_type(target):
    counts = read(target, *GOOD, "   ", state_line({"s": 1}), record_line(ticket(2)))
    assert counts == {"SCHEMA": 1, "RECORD": 2, "STATE": 1}
    assert target.input_line == 5


def test_long_bad_lines_are_shortened(target):
    error = bad_line(target, "{" + "x" * 5000)
    assert len(str(error)) < 600


class NoJobs:
    """A loop owner with nothing to do between lines."""

    stop_requested = False

    def seconds_until_due(self):
        return None

    def tick(self):
        pass

    def stopped_by(self, exc):
        return exc


def test_the_reader_knows_its_line_number_during_callbacks():
    reader = LineNumberedReader()
    reader.owner = NoJobs()
    seen = []
    lines = io.StringIO('{"type": "STATE", "value": 1}\n\n{"type": "STATE", "value": 2}\n')
    reader.process_lines(
        lines, {"STATE": lambda message: seen.append((message["value"], reader.line_number))}
    )
    assert seen == [(1, 1), (2, 3)]


def test_a_schema_with_a_record_uses_the_schema_types(target):
    """Records are validated with their SCHEMA (date-times stay as Zendesk writes them)."""
    read(target, schema_line(schema=SCHEMA), record_line(ticket(1)))
    sink = target.get_sink("tickets")
    assert sink.current_size == 1
