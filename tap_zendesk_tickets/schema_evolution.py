"""Fields that appear after discovery: Zendesk adds ticket fields over time.

A record's top-level field that the schema does not declare gets a property whose JSON
types are the ones its values have shown so far (always nullable); a later value of
another type widens it. Each change is for the stream to announce with a new SCHEMA
before the record that needs it (``sdk_hooks.widen_schema``), so that a target makes a
column for it instead of dropping the field. A field seen only as ``null`` is not
announced: there is nothing to type it by, and nothing would be lost.

Pure: no Singer, no I/O; any stream can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: JSON Schema type of each Python type ``json``/msgspec decode to (bool before int).
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (dict, "object"),
    (list, "array"),
)
_ORDER = [name for _, name in _JSON_TYPES]


def json_type(value: Any) -> str | None:
    """The JSON Schema type of a decoded JSON value; None for null."""
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return None


def property_for(types: set[str]) -> dict[str, Any]:
    """A nullable property holding any of ``types``."""
    schema: dict[str, Any] = {"type": [t for t in _ORDER if t in types] + ["null"]}
    if "array" in types:
        schema["items"] = {}
    return schema


class FieldsOutsideSchema:
    """Watches one stream's records for top-level fields its schema does not declare."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._declared = frozenset(schema.get("properties", {}))
        #: Fields added so far, and the JSON types their values have shown.
        self.added: dict[str, set[str]] = {}

    def changes(self, record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """The properties to add or widen before ``record`` goes out; empty when none."""
        if self._declared.issuperset(record):  # the common case, without a new set
            return {}
        outside = record.keys() - self._declared
        changed: dict[str, dict[str, Any]] = {}
        for name in sorted(outside):
            kind = json_type(record[name])
            if kind is None:
                continue
            seen = self.added.setdefault(name, set())
            if kind not in seen:
                seen.add(kind)
                changed[name] = property_for(seen)
        return changed
