"""Checking records against their SCHEMA fast, with the SDK's validator as the authority.

singer-sdk validates every record with ``jsonschema``'s Draft 2020-12 validator. With the
tap's ticket schema that costs about 3 ms a record - 80 % of the target's CPU, and below
what Zendesk can take (700 calls of 100 tickets a minute). Tap schemas use a handful of
keywords, so :func:`compile_schema` turns such a schema into plain Python checks once:
``type`` (with jsonschema's own type checker), ``properties``, ``required``,
``additionalProperties``, ``items`` (one schema), boolean schemas, and annotations
(``format`` is not checked by the SDK either). A schema with any other keyword is not
compiled, and every record goes to the SDK's validator as before.

The fast check only ever *accepts*: a record it rejects goes to the SDK's validator,
which raises the error (or accepts it), so messages are the SDK's own.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, TypeChecker
from jsonschema.exceptions import UndefinedTypeCheck, UnknownType

Check = Callable[[Any], bool]

# Keywords that do not constrain a value (format included: the SDK does not check it).
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "format",
        "default",
        "examples",
        "$comment",
        "$schema",
        "$id",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
CHECKED = frozenset({"type", "properties", "required", "additionalProperties", "items"})


class _NotCompilable(Exception):  # noqa: N818 - internal signal
    pass


def compile_schema(schema: Any, type_checker: TypeChecker) -> Check | None:
    """A predicate true for every value the schema accepts, or None if it cannot be built."""
    try:
        return _compile(schema, type_checker)
    except _NotCompilable:
        return None


def _compile(schema: Any, types: TypeChecker) -> Check:
    if schema is True:
        return _always
    if schema is False or not isinstance(schema, dict):
        raise _NotCompilable
    if not set(schema) <= CHECKED | ANNOTATIONS:
        raise _NotCompilable
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type_check(schema["type"], types))
    object_check = _object_check(schema, types)
    if object_check is not None:
        checks.append(object_check)
    if "items" in schema:
        item = _compile(schema["items"], types)
        checks.append(lambda value: not isinstance(value, list) or all(map(item, value)))
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _type_check(declared: Any, types: TypeChecker) -> Check:
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _NotCompilable
    try:
        for name in names:
            types.is_type(None, name)  # UnknownType for a name jsonschema does not know
    except (UnknownType, UndefinedTypeCheck):
        raise _NotCompilable from None
    if types is Draft202012Validator.TYPE_CHECKER:  # the SDK's: plain isinstance checks
        checks = [_DRAFT_2020_12_TYPES[name] for name in names]
        return checks[0] if len(checks) == 1 else lambda value: any(c(value) for c in checks)
    is_type = types.is_type
    return lambda value: any(is_type(value, name) for name in names)


def _object_check(schema: dict, types: TypeChecker) -> Check | None:
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    if not isinstance(properties, dict) or not isinstance(required, list):
        raise _NotCompilable
    if not properties and not required and extra is True:
        return None
    compiled = {name: _compile(sub, types) for name, sub in properties.items()}
    extra_check = None if extra is True else _compile(extra, types) if extra is not False else None
    forbid_extra = extra is False

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            sub = compiled.get(name)
            if sub is not None:
                if not sub(item):
                    return False
            elif forbid_extra or (extra_check is not None and not extra_check(item)):
                return False
        return True

    return check


def _always(_value: Any) -> bool:
    return True


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


# jsonschema's Draft 2020-12 type checker, as isinstance checks (bool is not a number).
_DRAFT_2020_12_TYPES: dict[str, Check] = {
    "string": lambda value: isinstance(value, str),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "number": lambda value: isinstance(value, numbers.Number) and not isinstance(value, bool),
}
