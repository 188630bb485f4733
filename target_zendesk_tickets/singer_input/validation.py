"""Checking records against their SCHEMA fast, with the SDK's validator as the authority.

singer-sdk validates every record with ``jsonschema``'s Draft 2020-12 validator: about
3 ms a record with the tap's ticket schema, most of the target's CPU. ``fastjsonschema``
compiles a schema into Python code once and checks a ticket in about 20 µs. It is used
only to *accept*: a record it rejects (or a schema it cannot compile) goes to the SDK's
validator, which raises the error or accepts it, so every message is the SDK's own and
nothing jsonschema would refuse gets through.

fastjsonschema speaks drafts 4 to 7, so a schema is compiled only when every keyword in
it means the same in Draft 2020-12 (:data:`PORTABLE`; tap schemas use a handful), and
``format`` is not checked (the SDK does not check it either).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, TypeChecker

Check = Callable[[Any], bool]

# Keywords that mean the same in draft 7 and Draft 2020-12 (``items`` only as one schema).
PORTABLE = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "anyOf", "oneOf", "allOf", "not", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "minItems",
        "maxItems", "uniqueItems", "minProperties", "maxProperties",
        # annotations
        "title", "description", "format", "default", "examples", "$comment", "$schema",
        "deprecated", "readOnly", "writeOnly",
    }
)  # fmt: skip
_SUBSCHEMAS = ("items", "additionalProperties", "not")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf")


def is_portable(schema: Any) -> bool:
    """Whether ``schema`` uses only keywords that mean the same in draft 7 and 2020-12."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= PORTABLE:
        return False
    if "$schema" in schema and "2020-12" not in str(schema["$schema"]):
        return False
    properties = schema.get("properties", {})
    if not isinstance(properties, dict) or not all(map(is_portable, properties.values())):
        return False
    if any(name in schema and not is_portable(schema[name]) for name in _SUBSCHEMAS):
        return False
    return all(
        isinstance(schema.get(name, []), list) and all(map(is_portable, schema.get(name, [])))
        for name in _SCHEMA_LISTS
    )


def compile_schema(schema: Any, type_checker: TypeChecker) -> Check | None:
    """A predicate true only for values the schema accepts, or None if it cannot be built.

    Only for the SDK's own Draft 2020-12 type checker: another checker may define types
    differently, and then jsonschema alone decides.
    """
    if type_checker is not Draft202012Validator.TYPE_CHECKER or not is_portable(schema):
        return None
    if isinstance(schema, dict):  # fastjsonschema would take a 2020-12 $schema as unknown
        schema = {key: value for key, value in schema.items() if key != "$schema"}
    try:
        validate = fastjsonschema.compile(schema, use_formats=False)
    except (fastjsonschema.JsonSchemaDefinitionException, TypeError, ValueError):
        return None

    def check(value: Any) -> bool:
        try:
            validate(value)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check
