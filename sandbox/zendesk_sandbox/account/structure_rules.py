"""What Create Group, Create Organization and Create Ticket Form accept.

Each check adds to ``Problems``; the caller refuses the request when there are any.
Organization names are unique in an account, in any case (``Name: X has already been
taken``, ``DuplicateValue``: observed in zendesk_api_client_rb#457). The rest is the
sandbox's guess, the stricter way: group names unique too; an organization's external id
unique, its domain names well-formed, its tags without whitespace; a form's fields, brands
and conditions must exist and fit (a condition's parent is a drop-down or checkbox on the
form, its value one the parent can take, its children other fields on the form).
"""

from __future__ import annotations

import re

from zendesk_sandbox.account.rules import Problems
from zendesk_sandbox.generated.structure import Structure, TicketField

DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")
TAG = re.compile(r"^[^\s,]{1,80}$")
CONDITION_PARENTS = ("tagger", "checkbox")


def name_problems(spec: dict, problems: Problems) -> str:
    """The required ``name``, stripped ("" when missing)."""
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("name", "Name: cannot be blank", "BlankValue")
        return ""
    return name.strip()


def group_problems(spec: dict, structure: Structure, problems: Problems) -> str:
    name = name_problems(spec, problems)
    if name and any(group.name.lower() == name.lower() for group in structure.groups):
        problems.add("name", f"Name: {name} has already been taken", "DuplicateValue")
    _text(spec, "description", problems)
    return name


def organization_problems(spec: dict, structure: Structure, problems: Problems) -> str:
    name = name_problems(spec, problems)
    if name and name.lower() in structure.organization_by_name:
        problems.add("name", f"Name: {name} has already been taken", "DuplicateValue")
    external_id = spec.get("external_id")
    if external_id is not None:
        if not isinstance(external_id, str) or not external_id:
            problems.add("external_id", "External id: is invalid")
        elif any(org.external_id == external_id for org in structure.organizations):
            problems.add(
                "external_id",
                f"External id: {external_id} has already been taken",
                "DuplicateValue",
            )
    for name_of_list, pattern, label in (
        ("domain_names", DOMAIN, "Domain names"),
        ("tags", TAG, "Tags"),
    ):
        values = spec.get(name_of_list) or []  # null is none
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.add(name_of_list, f"{label}: must be a list of strings")
            continue
        for value in values:
            if not pattern.match(value):
                problems.add(name_of_list, f"{label}: {value} is invalid")
    for key in ("details", "notes"):
        _text(spec, key, problems)
    group_id = spec.get("group_id")
    if group_id is not None and group_id not in structure.group_by_id:
        problems.add("group", "Group: is invalid")
    return name


def form_problems(spec: dict, structure: Structure, problems: Problems) -> list[int]:
    """The form's name, fields, brands and conditions; returns its field ids."""
    name_problems(spec, problems)
    raw_ids = spec.get("ticket_field_ids") or []
    if not isinstance(raw_ids, list):
        problems.add("ticket_field_ids", "Ticket field ids: must be a list of field ids")
        raw_ids = []
    field_ids = []
    for field_id in raw_ids:
        if field_id not in structure.field_by_id:
            problems.add("ticket_field_ids", f"Ticket field ids: {field_id} is not a ticket field")
        elif field_id not in field_ids:
            field_ids.append(field_id)
    brand_ids = spec.get("restricted_brand_ids") or []
    if not isinstance(brand_ids, list) or any(b not in structure.brand_by_id for b in brand_ids):
        problems.add("restricted_brand_ids", "Restricted brand ids: is invalid")
    on_form = {i: structure.field_by_id[i] for i in field_ids}
    for key, label in (
        ("agent_conditions", "Agent conditions"),
        ("end_user_conditions", "End user conditions"),
    ):
        conditions = spec.get(key) or []
        if not isinstance(conditions, list):
            problems.add(key, f"{label}: must be a list")
            continue
        for condition in conditions:
            _condition_problems(condition, on_form, key, label, problems)
    return field_ids


def _condition_problems(
    condition: object, on_form: dict[int, TicketField], key: str, label: str, problems: Problems
) -> None:
    if not isinstance(condition, dict):
        problems.add(key, f"{label}: each condition must be an object")
        return
    parent = on_form.get(condition.get("parent_field_id"))  # type: ignore[arg-type]
    if parent is None:
        problems.add(
            key, f"{label}: the parent field {condition.get('parent_field_id')} is not on the form"
        )
        return
    if parent.type not in CONDITION_PARENTS:
        problems.add(
            key, f"{label}: {parent.title} cannot be a condition (drop-down or checkbox only)"
        )
    value = condition.get("value")
    fits = isinstance(value, bool) if parent.type == "checkbox" else value in parent.option_values
    if parent.type in CONDITION_PARENTS and not fits:
        problems.add(key, f"{label}: {value} is not a value of {parent.title}")
    children = condition.get("child_fields")
    if not isinstance(children, list) or not children:
        problems.add(key, f"{label}: child fields cannot be blank", "BlankValue")
        return
    for child in children:
        child_id = child.get("id") if isinstance(child, dict) else None
        if child_id not in on_form or child_id == parent.id:
            problems.add(
                key, f"{label}: the child field {child_id} is not another field on the form"
            )


def _text(spec: dict, key: str, problems: Problems) -> None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        problems.add(key, f"{key.capitalize()}: must be text")
