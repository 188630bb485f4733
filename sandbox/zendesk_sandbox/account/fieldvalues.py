"""Custom field values as the realistic account takes them on import and update.

Zendesk drops the value of a field id the account does not have, without an error
(observed), and a drop-down value that is not one of the field's options is reported to
fail silently too (observed once): the sandbox drops both. A value of the wrong type for a
typed field (a word in an integer field, a date that is not ``YYYY-MM-DD``, a serial number
that does not match the field's pattern) is undocumented; the sandbox guesses the stricter
way and fails the ticket, in the shape Zendesk uses for field errors (``base`` entries with
``ticket_field_id``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from zendesk_sandbox.generated.structure import Structure, TicketField

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
FIELD_TYPE_NAMES = {
    "text": "FieldText",
    "textarea": "FieldTextarea",
    "integer": "FieldInteger",
    "decimal": "FieldDecimal",
    "checkbox": "FieldCheckbox",
    "date": "FieldDate",
    "regexp": "FieldRegexp",
    "tagger": "FieldTagger",
    "multiselect": "FieldMultiselect",
    "partialcreditcard": "FieldPartialCreditCard",
    "lookup": "FieldLookup",
}
CARD = re.compile(r"^[0-9][0-9 -]{2,}[0-9]$")
DROP = object()  # a value the account silently ignores


class BadValueError(ValueError):
    pass


@dataclass
class Cleaned:
    values: dict[int, object] = field(default_factory=dict)  # field id -> value to store
    dropped: list[int] = field(default_factory=list)  # field ids whose value was ignored
    errors: list[dict] = field(default_factory=list)  # RecordInvalid ``base`` entries


def clean_custom_fields(raw: object, structure: Structure) -> Cleaned:
    """Check a ``custom_fields`` (or ``fields``) list against the account's fields."""
    result = Cleaned()
    if raw is None:
        return result
    if not isinstance(raw, list):
        result.errors.append({"description": "Custom fields: is invalid", "error": "InvalidValue"})
        return result
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
            continue  # not a field Zendesk can recognise: ignored like an unknown id
        item = structure.field_by_id.get(entry["id"])
        if item is None or not item.custom:
            result.dropped.append(entry["id"])
            continue
        try:
            value = clean_value(item, entry.get("value"))
        except BadValueError:
            result.errors.append(
                {
                    "description": f"{item.title}: is invalid",
                    "error": "InvalidValue",
                    "ticket_field_id": item.id,
                    "ticket_field_type": FIELD_TYPE_NAMES[item.type],
                }
            )
            continue
        if value is DROP:
            result.dropped.append(item.id)
        else:
            result.values[item.id] = value
    return result


def clean_value(item: TicketField, value: object) -> object:
    """The value to store, ``DROP``, or raise ``BadValueError``."""
    if value is None or value == "":
        return EMPTY.get(item.type)
    return CLEANERS[item.type](item, value)


def _text(_item: TicketField, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadValueError(value)
    return str(value)


def _number(pattern: re.Pattern, convert: type) -> Callable[[TicketField, object], object]:
    def clean(_item: TicketField, value: object) -> object:
        if isinstance(value, bool):
            raise BadValueError(value)
        if isinstance(value, int) or (convert is float and isinstance(value, float)):
            return value
        if isinstance(value, str) and pattern.match(value.strip()):
            return convert(value)
        raise BadValueError(value)

    return clean


def _checkbox(_item: TicketField, value: object) -> object:
    if isinstance(value, bool):
        return value
    raise BadValueError(value)


def _date(_item: TicketField, value: object) -> object:
    if isinstance(value, str) and DATE.match(value):
        return value
    raise BadValueError(value)


def _regexp(item: TicketField, value: object) -> object:
    if isinstance(value, str) and item.regexp and re.search(item.regexp, value):
        return value
    raise BadValueError(value)


def _tagger(item: TicketField, value: object) -> object:
    return value if isinstance(value, str) and value in item.option_values else DROP


def _multiselect(item: TicketField, value: object) -> object:
    chosen = value if isinstance(value, list) else [value]
    kept = [v for v in chosen if isinstance(v, str) and v in item.option_values]
    return kept if kept else DROP


def _credit_card(_item: TicketField, value: object) -> object:
    """Zendesk keeps only a card number's last four digits (the rest masked)."""
    if isinstance(value, str) and CARD.match(value.strip()):
        digits = re.sub(r"[^0-9]", "", value)
        return "X" * (len(digits) - 4) + digits[-4:]
    raise BadValueError(value)


def _lookup(_item: TicketField, value: object) -> object:
    """The id of the record a lookup field points at (its existence is not checked)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise BadValueError(value)


EMPTY: dict[str, object] = {"checkbox": False, "multiselect": []}
CLEANERS: dict[str, Callable[[TicketField, object], object]] = {
    "text": _text,
    "textarea": _text,
    "integer": _number(INTEGER, int),
    "decimal": _number(DECIMAL, float),
    "checkbox": _checkbox,
    "date": _date,
    "regexp": _regexp,
    "tagger": _tagger,
    "multiselect": _multiselect,
    "partialcreditcard": _credit_card,
    "lookup": _lookup,
}


def merged_custom_fields(
    structure: Structure, current: list[dict] | None, values: dict[int, object]
) -> list[dict]:
    """Every custom field of the account, in order: ``values`` over ``current`` over null."""
    before = {
        entry["id"]: entry.get("value")
        for entry in current or []
        if isinstance(entry, dict) and "id" in entry
    }
    merged = []
    for item in structure.custom_fields:
        value = values.get(item.id, before.get(item.id))
        merged.append({"id": item.id, "value": list(value) if isinstance(value, list) else value})
    return merged
