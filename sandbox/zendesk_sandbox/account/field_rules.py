"""What Create Ticket Field, Create User Field and Create Organization Field accept.

Each check adds to ``Problems`` (RecordInvalid details); the caller refuses the request when
there are any. Sources, as docs/sandbox.md lists them: the types each endpoint creates [DOC],
a drop-down without options (``Field options: must contain at least one option``, observed
in zendesk_api_client_php#392), option tags unique across the account's fields [OBS]; the
tag rules (no whitespace or commas, at most 80 characters), the lookup targets and the other
texts are the sandbox's [GUESS].
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zendesk_sandbox.account.rules import Problems
from zendesk_sandbox.generated.record_fields import KEY, RECORD_FIELD_TYPES, RECORD_OPTION_TYPES
from zendesk_sandbox.generated.structure import CREATED_ONLY_TYPES, CUSTOM_TYPES, OPTION_TYPES

TAG = re.compile(r"^[^\s,]{1,80}$")
# Targets a lookup field may point at; custom objects are refused (the sandbox has none).
LOOKUP_TARGETS = ("zen:user", "zen:organization", "zen:ticket")


@dataclass
class OptionSpec:
    """An option as asked for: ``id`` set when it names an existing option."""

    name: str
    value: str
    id: int | None = None


def ticket_field_problems(spec: dict, problems: Problems) -> None:
    """Type, title, regexp and lookup target of a new ticket field."""
    kind = spec.get("type")
    if kind not in CUSTOM_TYPES and kind not in CREATED_ONLY_TYPES:
        problems.add("type", f"Type: {kind} is not valid")
    _title(spec, problems)
    _type_settings(spec, kind, problems)


def record_field_problems(spec: dict, owner: str, taken_keys: set[str], problems: Problems) -> None:
    """Type, key, title, regexp and lookup target of a new user or organization field."""
    kind = spec.get("type", "text")
    if kind not in RECORD_FIELD_TYPES:
        problems.add("type", f"Type: {kind} is not valid")
    key = spec.get("key")
    if not isinstance(key, str) or not key:
        problems.add("key", "Key: cannot be blank", "BlankValue")
    elif not KEY.match(key) or key.isdigit():
        problems.add(
            "key", "Key: can only have letters, numbers and underscores, and not only numbers"
        )
    elif key.lower() in taken_keys:
        label = "User field" if owner == "user" else "Organization field"
        problems.add(
            "key", f"Key: {key} is already used by another {label.lower()}", "DuplicateValue"
        )
    _title(spec, problems)
    _type_settings(spec, kind, problems)


def _title(spec: dict, problems: Problems) -> None:
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add("title", "Title: cannot be blank", "BlankValue")


def _type_settings(spec: dict, kind: object, problems: Problems) -> None:
    regexp = spec.get("regexp_for_validation")
    if kind == "regexp":
        if not isinstance(regexp, str) or not regexp:
            problems.add(
                "regexp_for_validation", "Regexp for validation: cannot be blank", "BlankValue"
            )
        else:
            try:
                re.compile(regexp)
            except re.error:
                problems.add("regexp_for_validation", "Regexp for validation: is invalid")
    if kind == "lookup" and spec.get("relationship_target_type") not in LOOKUP_TARGETS:
        problems.add(
            "relationship_target_type",
            "Relationship target type: must be one of " + ", ".join(LOOKUP_TARGETS),
        )


def wants_options(kind: object) -> bool:
    return kind in OPTION_TYPES or kind in RECORD_OPTION_TYPES


def option_specs(
    raw: object, taken_tags: dict[str, int], problems: Problems, *, own_field: int | None = None
) -> list[OptionSpec]:
    """The options of a drop-down or multi-select, checked: a name and a tag each, tags
    well-formed and used by no other field of the account (``taken_tags``: tag -> field;
    the field being changed, ``own_field``, may keep its own)."""
    if not isinstance(raw, list) or not raw:
        problems.add(
            "field_options", "Field options: must contain at least one option", "EmptyValue"
        )
        return []
    options: list[OptionSpec] = []
    seen: set[str] = set()
    for entry in raw:
        name = entry.get("name") if isinstance(entry, dict) else None
        value = entry.get("value") if isinstance(entry, dict) else None
        if not (isinstance(name, str) and name.strip() and isinstance(value, str) and value):
            problems.add("field_options", "Field options: each option needs a name and a tag")
            continue
        folded = value.lower()
        owner = taken_tags.get(folded)
        if not TAG.match(value):
            problems.add("field_options", f"Field options: {value} is not a valid tag")
        elif folded in seen or (owner is not None and owner != own_field):
            problems.add(
                "field_options",
                f"Field options: the tag {value} is already used by another field",
                "DuplicateValue",
            )
        seen.add(folded)
        option_id = entry.get("id")
        options.append(
            OptionSpec(name.strip(), value, option_id if isinstance(option_id, int) else None)
        )
    return options


def checkbox_tag(raw: object, taken_tags: dict[str, int], problems: Problems) -> str | None:
    """A checkbox's optional tag, checked like an option's."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not TAG.match(raw):
        problems.add("tag", f"Tag: {raw} is not a valid tag")
        return None
    if raw.lower() in taken_tags:
        problems.add("tag", f"Tag: {raw} is already used by another field", "DuplicateValue")
    return raw
