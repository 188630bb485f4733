"""User fields and organization fields: their definitions, and the values people and
organizations keep for them.

Both are one model on Zendesk (Create User Field and Create Organization Field take the
same types). A value is kept under the field's ``key`` in a user's ``user_fields`` or an
organization's ``organization_fields``. The value checks are the sandbox's guess, the
stricter way: Zendesk documents the types, not what it does with a word in an integer
field or a key it does not know, so the sandbox refuses both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from zendesk_sandbox.generated.structure import FieldOption
from zendesk_sandbox.timefmt import iso

#: What Create User Field and Create Organization Field take [DOC]; ``text`` is the default.
RECORD_FIELD_TYPES = (
    "text",
    "textarea",
    "checkbox",
    "date",
    "integer",
    "decimal",
    "regexp",
    "dropdown",
    "multiselect",
    "lookup",
)
RECORD_OPTION_TYPES = ("dropdown", "multiselect")
OWNERS = {"user": "user_fields", "organization": "organization_fields"}

KEY = re.compile(r"^[A-Za-z0-9_]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class RecordField:
    """One user field or organization field (``owner`` says which)."""

    id: int
    owner: str  # "user" or "organization"
    key: str
    type: str
    title: str
    position: int
    created_at: int
    updated_at: int
    description: str = ""
    regexp: str | None = None
    options: list[FieldOption] = field(default_factory=list)
    active: bool = True
    relationship_target_type: str | None = None
    tag: str | None = None  # a checkbox's tag [DOC]

    @property
    def option_values(self) -> set[str]:
        return {option.value for option in self.options}

    def to_json(self, base_url: str) -> dict:
        data: dict = {
            "url": f"{base_url}/api/v2/{OWNERS[self.owner]}/{self.id}.json",
            "id": self.id,
            "type": self.type,
            "key": self.key,
            "title": self.title,
            "raw_title": self.title,
            "description": self.description,
            "raw_description": self.description,
            "position": self.position,
            "active": self.active,
            "system": False,
            "regexp_for_validation": self.regexp,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }
        if self.type in RECORD_OPTION_TYPES:
            data["custom_field_options"] = [option.to_json() for option in self.options]
        if self.type == "lookup":
            data["relationship_target_type"] = self.relationship_target_type
        if self.type == "checkbox":
            data["tag"] = self.tag
        return data


def record_field_state(item: RecordField) -> dict:
    """A field as the state directory keeps it."""
    return {**item.__dict__, "options": [option.__dict__ for option in item.options]}


def record_field_from_state(state: dict) -> RecordField:
    return RecordField(**{**state, "options": [FieldOption(**o) for o in state["options"]]})


def clean_record_values(
    fields: dict[str, RecordField], values: object, label: str
) -> tuple[dict[str, object], list[str]]:
    """``(values to keep by key, problems)`` of a ``user_fields``/``organization_fields``
    object; ``label`` ("User fields") starts each problem's text."""
    if values is None:
        return {}, []
    if not isinstance(values, dict):
        return {}, [f"{label}: must be an object of field keys and values"]
    kept: dict[str, object] = {}
    problems = []
    for key, value in values.items():
        item = fields.get(key)
        if item is None:
            problems.append(f"{label}: {key} is not a field of this account")
            continue
        try:
            kept[key] = _clean(item, value)
        except ValueError:
            problems.append(f"{label}: {item.title} is invalid")
    return kept, problems


def _clean(item: RecordField, value: object) -> object:
    if value is None or value == "":
        return None
    kept = CLEANERS[item.type](item, value)
    if kept is None:
        raise ValueError(value)
    return kept


def _text(_item: RecordField, value: object) -> object:
    ok = isinstance(value, str | int | float) and not isinstance(value, bool)
    return str(value) if ok else None


def _integer(_item: RecordField, value: object) -> object:
    if _matches(value, INTEGER):
        return int(str(value))
    return None


def _decimal(_item: RecordField, value: object) -> object:
    return float(str(value)) if _matches(value, DECIMAL) else None


def _regexp(item: RecordField, value: object) -> object:
    ok = isinstance(value, str) and item.regexp and re.search(item.regexp, value)
    return value if ok else None


def _multiselect(item: RecordField, value: object) -> object:
    ok = isinstance(value, list) and value and all(_option(item, v) for v in value)
    return list(value) if ok and isinstance(value, list) else None


def _option(item: RecordField, value: object) -> bool:
    return isinstance(value, str) and value in item.option_values


def _lookup(_item: RecordField, value: object) -> object:
    return int(str(value)) if _matches(value, INTEGER) and int(str(value)) > 0 else None


CLEANERS: dict[str, Callable[[RecordField, object], object]] = {
    "text": _text,
    "textarea": _text,
    "checkbox": lambda _item, value: value if isinstance(value, bool) else None,
    "date": lambda _item, value: value if isinstance(value, str) and DATE.match(value) else None,
    "integer": _integer,
    "decimal": _decimal,
    "regexp": _regexp,
    "dropdown": lambda item, value: value if _option(item, value) else None,
    "multiselect": _multiselect,
    "lookup": _lookup,
}


def _matches(value: object, pattern: re.Pattern) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (pattern is DECIMAL and isinstance(value, float)):
        return True
    return isinstance(value, str) and pattern.match(value.strip()) is not None
