"""An update makes the copy read as its source: what the mapping left out is cleared."""

from __future__ import annotations

from target_zendesk_tickets.copying.load_plan import changed_fields
from target_zendesk_tickets.copying.mapper import LeftOut

COPY = {
    "id": 50,
    "subject": "Printer on fire",
    "assignee_id": 7,
    "group_id": 8,
    "organization_id": 9,
    "brand_id": 3,
    "custom_fields": [
        {"id": 100, "value": "plan_pro"},
        {"id": 101, "value": ["product_web"]},
        {"id": 102, "value": None},
    ],
}


def test_left_out_references_are_cleared_on_the_copy():
    left_out = LeftOut(fields={"assignee_id", "group_id", "organization_id"})
    changes = changed_fields({"subject": "Printer on fire"}, COPY, left_out)
    assert changes == {"assignee_id": None, "group_id": None, "organization_id": None}


def test_custom_fields_the_destination_cannot_hold_are_cleared_once():
    left_out = LeftOut(custom_fields={100, 101, 102})
    changes = changed_fields({"subject": "Printer on fire"}, COPY, left_out)
    # 102 is empty on the copy already: nothing to clear there.
    assert changes == {"custom_fields": [{"id": 100, "value": None}, {"id": 101, "value": None}]}


def test_a_field_the_body_sends_is_not_cleared_as_well():
    left_out = LeftOut(fields={"group_id"}, custom_fields={100})
    body = {"group_id": 12, "custom_fields": [{"id": 100, "value": "plan_free"}]}
    changes = changed_fields(body, COPY, left_out)
    assert changes == {"group_id": 12, "custom_fields": [{"id": 100, "value": "plan_free"}]}


def test_without_anything_left_out_only_what_differs_changes():
    assert changed_fields({"subject": "Printer fixed"}, COPY) == {"subject": "Printer fixed"}
    assert changed_fields({"subject": "Printer on fire"}, COPY, LeftOut()) == {}
