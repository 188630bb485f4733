"""The compiled schema check accepts only what jsonschema accepts."""

import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, TypeChecker

from target_zendesk_tickets.singer_input.validation import compile_schema
from tests.support.tap_pages import full_ticket

TYPES = Draft202012Validator.TYPE_CHECKER
TAP_SCHEMA = json.loads(Path("tap_zendesk_tickets/schemas/tickets.json").read_text())

VALUES = [
    None,
    True,
    False,
    0,
    1,
    -7,
    1.0,
    1.5,
    Decimal("2"),
    Decimal("2.5"),
    "",
    "x",
    [],
    [1],
    ["a", None],
    {},
    {"a": 1},
    {"a": "x", "b": [1, 2]},
]
SCHEMAS = [
    True,
    {},
    {"type": "string"},
    {"type": "integer"},
    {"type": "number"},
    {"type": ["null", "boolean"]},
    {"type": ["array", "null"], "items": {"type": "integer"}},
    {"type": "array", "items": {"type": ["string", "null"]}},
    {"items": {"type": "string"}},
    {"type": "object", "properties": {"a": {"type": "integer"}}},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
    {"type": "object", "additionalProperties": {"type": "array"}},
    {"properties": {"a": {"type": "string"}, "b": {"type": "array", "items": {"type": "number"}}}},
    {"required": ["b"]},
    {
        "type": "object",
        "properties": {"a": {"format": "date-time", "type": "string", "description": "d"}},
    },
]


OTHER_KEYWORDS = [
    {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"type": "string", "pattern": "^a"},
    {"type": "integer", "minimum": 1},
    {"enum": ["a", "b"]},
    {"$ref": "#/$defs/x", "$defs": {"x": {}}},
    {"type": "object", "patternProperties": {"^a": {}}},
    {"type": "array", "items": [{"type": "string"}]},
    {"type": "whatever"},
    {"properties": {"a": {"not": {}}}},
    False,
]


@pytest.mark.parametrize(
    "schema", SCHEMAS + OTHER_KEYWORDS, ids=[json.dumps(s) for s in SCHEMAS + OTHER_KEYWORDS]
)
def test_the_fast_check_accepts_only_what_jsonschema_accepts(schema):
    check = compile_schema(schema, TYPES)
    validator = Draft202012Validator(schema)
    if check is None:  # left to jsonschema
        return
    accepted = [value for value in VALUES if check(value)]
    assert all(validator.is_valid(value) for value in accepted), accepted


@pytest.mark.parametrize("schema", SCHEMAS, ids=[json.dumps(s) for s in SCHEMAS])
def test_the_tap_s_kind_of_schema_compiles_and_accepts_valid_values(schema):
    check = compile_schema(schema, TYPES)
    assert check is not None
    validator = Draft202012Validator(schema)
    # Decimals stand for JSON numbers (the reader parses them so); whole floats aside,
    # every valid value is accepted by the fast path too.
    valid = [v for v in VALUES if validator.is_valid(v) and not isinstance(v, float | Decimal)]
    assert all(check(value) for value in valid), schema


def test_a_custom_type_checker_leaves_everything_to_jsonschema():
    types = TypeChecker({"string": lambda checker, value: value == "only this"})
    assert compile_schema({"type": "string"}, types) is None


def test_the_taps_ticket_schema_compiles_and_agrees_on_tickets_and_broken_ones():
    check = compile_schema(TAP_SCHEMA, TYPES)
    assert check is not None
    validator = Draft202012Validator(TAP_SCHEMA)
    ticket = full_ticket(4217, 1709802104)
    broken = []
    for name, value in itertools.product(
        ["id", "tags", "custom_fields", "via", "status", "requester_id"],
        [None, "x", 5, [1], {"a": 1}],
    ):
        broken.append({**ticket, name: value})
    broken.append({**ticket, "custom_fields": [{"id": "not int", "value": 1}]})
    broken.append({**ticket, "tags": ["ok", 3]})
    for record in [ticket, *broken]:
        assert check(record) <= validator.is_valid(record)
    assert check(ticket)
    assert any(not check(record) for record in broken)
