"""Creating groups, organizations, memberships and ticket forms, as strict as Zendesk."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.helpers import Api
from zendesk_sandbox import Credentials


@pytest.fixture
def account(make_account):
    return make_account(empty=True, agent_seats=10)


@pytest.fixture
def api(account, make_api) -> Api:
    return make_api(account)


def created(response: requests.Response, key: str) -> dict:
    assert response.status_code == 201, response.text
    return response.json()[key]


def refused(response: requests.Response, field: str) -> str:
    """The first description Zendesk's 422 gives for ``field``."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "RecordInvalid" and body["description"] == "Record validation errors"
    return body["details"][field][0]["description"]


def new_agent(api: Api, email: str = "ann@support.example.com") -> dict:
    user = {"name": "Ann", "email": email, "role": "agent"}
    return created(api.post("/api/v2/users.json", json={"user": user}), "user")


def new_customer(api: Api, email: str = "cy@example.org") -> dict:
    return created(
        api.post("/api/v2/users.json", json={"user": {"name": "Cy", "email": email}}), "user"
    )


def test_a_group_is_created_listed_and_shown(api) -> None:
    group = created(
        api.post(
            "/api/v2/groups.json", json={"group": {"name": "Billing", "description": "Money"}}
        ),
        "group",
    )
    assert group["name"] == "Billing" and group["description"] == "Money"
    assert group["default"] is False
    shown = api.get(f"/api/v2/groups/{group['id']}.json").json()["group"]
    assert shown == group
    assert "Billing" in [g["name"] for g in api.get("/api/v2/groups.json").json()["groups"]]


@pytest.mark.parametrize(
    ("spec", "field", "text"),
    [
        ({}, "name", "Name: cannot be blank"),
        ({"name": "  "}, "name", "Name: cannot be blank"),
        ({"name": "support"}, "name", "Name: support has already been taken"),
    ],
)
def test_a_bad_group_is_refused(api, spec, field, text) -> None:
    assert refused(api.post("/api/v2/groups.json", json={"group": spec}), field) == text


def test_agents_may_not_create_structure(make_account) -> None:
    account = make_account(tickets=50)
    for path, body in (
        ("groups", {"group": {"name": "X"}}),
        ("organizations", {"organization": {"name": "X"}}),
        ("ticket_forms", {"ticket_form": {"name": "X"}}),
        ("user_fields", {"user_field": {"key": "x", "title": "X"}}),
    ):
        response = requests.post(
            f"{account.base_url}/api/v2/{path}.json", json=body, auth=Credentials().agent_basic
        )
        assert response.status_code == 403, path


def test_an_organization_keeps_what_it_was_given(api) -> None:
    spec = {
        "name": "Nimbus Foods",
        "details": "HQ in Lyon",
        "notes": "Key account",
        "domain_names": ["nimbus.example.com", "nimbus-foods.example.org"],
        "tags": ["enterprise", "food"],
        "external_id": "crm-42",
    }
    org = created(
        api.post("/api/v2/organizations.json", json={"organization": spec}), "organization"
    )
    for key, value in spec.items():
        assert org[key] == value, key
    found = api.get("/api/v2/organizations/search.json", params={"external_id": "crm-42"})
    assert [o["id"] for o in found.json()["organizations"]] == [org["id"]]
    by_name = api.get("/api/v2/organizations/search.json", params={"name": "nimbus foods"})
    assert [o["id"] for o in by_name.json()["organizations"]] == [org["id"]]
    assert api.get("/api/v2/organizations/count.json").json()["count"]["value"] == 1


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"name": "NIMBUS"}, "name"),
        ({"name": "Other", "external_id": "crm-1"}, "external_id"),
        ({"name": "Other", "domain_names": ["not a domain"]}, "domain_names"),
        ({"name": "Other", "tags": ["two words"]}, "tags"),
        ({"name": "Other", "group_id": 1}, "group"),
        ({"name": "Other", "organization_fields": {"nope": 1}}, "organization_fields"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_organization_is_refused(api, spec, field) -> None:
    first = {"name": "Nimbus", "external_id": "crm-1"}
    created(api.post("/api/v2/organizations.json", json={"organization": first}), "organization")
    text = refused(api.post("/api/v2/organizations.json", json={"organization": spec}), field)
    if field == "name" and spec["name"]:
        assert text == "Name: NIMBUS has already been taken"


def test_an_organization_membership_lets_imports_use_the_organization(api) -> None:
    org = created(
        api.post("/api/v2/organizations.json", json={"organization": {"name": "Kestrel"}}),
        "organization",
    )
    customer = new_customer(api)
    ticket = {
        "requester_id": customer["id"],
        "organization_id": org["id"],
        "comments": [{"value": "hello"}],
    }
    assert refused(api.import_one(ticket), "organization").startswith("Organization:")
    body = {"organization_membership": {"user_id": customer["id"], "organization_id": org["id"]}}
    membership = created(
        api.post("/api/v2/organization_memberships.json", json=body), "organization_membership"
    )
    assert membership["default"] is True and membership["organization_id"] == org["id"]
    user = api.get(f"/api/v2/users/{customer['id']}.json").json()["user"]
    assert user["organization_id"] == org["id"]
    listed = api.get(f"/api/v2/users/{customer['id']}/organization_memberships.json").json()
    assert [m["id"] for m in listed["organization_memberships"]] == [membership["id"]]
    imported = api.import_one(ticket)
    assert imported.status_code == 201, imported.text
    assert imported.json()["ticket"]["organization_id"] == org["id"]
    again = api.post("/api/v2/organization_memberships.json", json=body)
    assert refused(again, "user") == "User: is already a member of this organization"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": 1, "organization_id": None}, "user"),
        ({"organization_id": 1}, "organization"),
    ],
)
def test_an_organization_membership_needs_a_user_and_an_organization(api, body, field) -> None:
    customer = new_customer(api)
    body = {
        "user_id": body.get("user_id", customer["id"]),
        "organization_id": body["organization_id"],
    }
    assert refused(
        api.post("/api/v2/organization_memberships.json", json={"organization_membership": body}),
        field,
    )


def test_a_group_membership_makes_an_agent_assignable_in_the_group(api) -> None:
    group = created(api.post("/api/v2/groups.json", json={"group": {"name": "Billing"}}), "group")
    agent = new_agent(api)
    customer = new_customer(api)
    ticket = {
        "requester_id": customer["id"],
        "group_id": group["id"],
        "assignee_id": agent["id"],
        "comments": [{"value": "hello"}],
    }
    assert refused(api.import_one(ticket), "assignee") == "Assignee: is not a member of the group"
    body = {"group_membership": {"user_id": agent["id"], "group_id": group["id"]}}
    membership = created(api.post("/api/v2/group_memberships.json", json=body), "group_membership")
    assert membership["default"] is False, "the agent is in the default group already"
    members = api.get(f"/api/v2/groups/{group['id']}/memberships.json").json()["group_memberships"]
    assert [m["user_id"] for m in members] == [agent["id"]]
    assert api.import_one(ticket).status_code == 201
    again = api.post("/api/v2/group_memberships.json", json=body)
    assert refused(again, "user") == "User: is already a member of this group"


def test_a_group_membership_needs_an_agent_and_a_group(api) -> None:
    group = created(api.post("/api/v2/groups.json", json={"group": {"name": "Billing"}}), "group")
    customer = new_customer(api)
    as_end_user = {"group_membership": {"user_id": customer["id"], "group_id": group["id"]}}
    text = refused(api.post("/api/v2/group_memberships.json", json=as_end_user), "user")
    assert text == "User: must be an agent to join a group"
    agent = new_agent(api)
    no_group = {"group_membership": {"user_id": agent["id"], "group_id": 5}}
    assert (
        refused(api.post("/api/v2/group_memberships.json", json=no_group), "group")
        == "Group: is invalid"
    )
    nobody = {"group_membership": {"user_id": 5, "group_id": group["id"]}}
    assert (
        refused(api.post("/api/v2/group_memberships.json", json=nobody), "user")
        == "User: is invalid"
    )


def plan_field(api: Api) -> dict:
    spec = {
        "type": "tagger",
        "title": "Plan",
        "custom_field_options": [
            {"name": "Free", "value": "free"},
            {"name": "Pro", "value": "pro"},
        ],
    }
    return created(
        api.post("/api/v2/ticket_fields.json", json={"ticket_field": spec}), "ticket_field"
    )


def text_field(api: Api, title: str = "Order") -> dict:
    spec = {"type": "text", "title": title}
    return created(
        api.post("/api/v2/ticket_fields.json", json={"ticket_field": spec}), "ticket_field"
    )


def test_a_ticket_form_with_its_fields_and_conditions(api, account) -> None:
    plan, order = plan_field(api), text_field(api)
    conditions = [
        {
            "parent_field_id": plan["id"],
            "value": "pro",
            "child_fields": [{"id": order["id"], "is_required": True}],
        }
    ]
    spec = {
        "name": "Orders",
        "ticket_field_ids": [plan["id"], order["id"]],
        "agent_conditions": conditions,
        "end_user_conditions": conditions,
    }
    form = created(api.post("/api/v2/ticket_forms.json", json={"ticket_form": spec}), "ticket_form")
    assert form["ticket_field_ids"] == [plan["id"], order["id"]]
    assert form["agent_conditions"] == conditions and form["default"] is False
    listed = api.get("/api/v2/ticket_forms.json").json()["ticket_forms"]
    assert [f["name"] for f in listed] == ["Default Ticket Form", "Orders"]
    brand = api.get("/api/v2/brands.json").json()["brands"][0]
    assert form["id"] in brand["ticket_form_ids"]
    customer = new_customer(api)
    ticket = {
        "requester_id": customer["id"],
        "ticket_form_id": form["id"],
        "comments": [{"value": "x"}],
    }
    assert api.import_one(ticket).json()["ticket"]["ticket_form_id"] == form["id"]


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"ticket_field_ids": [1]},
        {"restricted_brand_ids": [1], "in_all_brands": False},
        {
            "agent_conditions": [
                {"parent_field_id": "order", "value": "x", "child_fields": [{"id": "plan"}]}
            ]
        },
        {
            "agent_conditions": [
                {"parent_field_id": "plan", "value": "gold", "child_fields": [{"id": "order"}]}
            ]
        },
        {
            "agent_conditions": [
                {"parent_field_id": "plan", "value": "pro", "child_fields": [{"id": "other"}]}
            ]
        },
        {
            "end_user_conditions": [
                {"parent_field_id": "other", "value": "pro", "child_fields": [{"id": "order"}]}
            ]
        },
        {"agent_conditions": [{"parent_field_id": "plan", "value": "pro", "child_fields": []}]},
    ],
)
def test_a_bad_ticket_form_is_refused(api, change) -> None:
    fields = {
        "plan": plan_field(api)["id"],
        "order": text_field(api)["id"],
        "other": text_field(api, "Other")["id"],
    }

    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {
                k: fields.get(v, v) if k in ("parent_field_id", "id") else resolve(v)
                for k, v in value.items()
            }
        return value

    spec = {
        "name": "Orders",
        "ticket_field_ids": [fields["plan"], fields["order"]],
        **resolve(change),
    }
    response = api.post("/api/v2/ticket_forms.json", json={"ticket_form": spec})
    assert response.status_code == 422, response.text
    assert set(response.json()["details"]) & {
        "name",
        "ticket_field_ids",
        "restricted_brand_ids",
        "agent_conditions",
        "end_user_conditions",
    }


def test_null_lists_are_empty_lists(api) -> None:
    spec = {"name": "Quiet", "domain_names": None, "tags": None}
    org = created(
        api.post("/api/v2/organizations.json", json={"organization": spec}), "organization"
    )
    assert org["domain_names"] == [] and org["tags"] == []
    form = {"name": "Plain", "ticket_field_ids": None, "agent_conditions": None}
    made = created(api.post("/api/v2/ticket_forms.json", json={"ticket_form": form}), "ticket_form")
    assert made["ticket_field_ids"] == [] and made["agent_conditions"] == []


def test_a_create_without_its_object_is_refused(api) -> None:
    response = api.post("/api/v2/groups.json", json={"name": "Billing"})
    assert response.status_code == 422 and "group" in response.json()["details"]
