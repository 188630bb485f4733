"""Ticket fields of every type the API creates, their options, and user and organization
fields with the values people and organizations keep."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import Api


@pytest.fixture
def account(make_account):
    return make_account(empty=True, agent_seats=10)


@pytest.fixture
def api(account, make_api) -> Api:
    return make_api(account)


def post_field(api: Api, spec: dict, kind: str = "ticket_field"):
    return api.post(f"/api/v2/{kind}s.json", json={kind: spec})


def details(response) -> dict:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "RecordInvalid"
    return response.json()["details"]


OPTIONS = [{"name": "Free", "value": "plan_free"}, {"name": "Pro", "value": "plan_pro"}]
EVERY_TYPE = [
    {"type": "text", "title": "Order"},
    {"type": "textarea", "title": "Steps"},
    {"type": "checkbox", "title": "Callback", "tag": "callback"},
    {"type": "date", "title": "Bought"},
    {"type": "integer", "title": "Units"},
    {"type": "decimal", "title": "Refund"},
    {"type": "regexp", "title": "Serial", "regexp_for_validation": "^SN-[0-9]{6}$"},
    {"type": "tagger", "title": "Plan", "custom_field_options": OPTIONS},
    {
        "type": "multiselect",
        "title": "Products",
        "custom_field_options": [{"name": "Web", "value": "web"}],
    },
    {"type": "partialcreditcard", "title": "Card"},
    {"type": "lookup", "title": "Manager", "relationship_target_type": "zen:user"},
]
VALUES = {
    "text": "A-1",
    "textarea": "line 1\nline 2",
    "checkbox": True,
    "date": "2024-05-01",
    "integer": 12,
    "decimal": 9.5,
    "regexp": "SN-123456",
    "tagger": "plan_pro",
    "multiselect": ["web"],
    "partialcreditcard": "4111 1111 1111 1234",
}


def test_every_type_the_api_creates_is_created_and_takes_values(account, api) -> None:
    made = {}
    for spec in EVERY_TYPE:
        response = post_field(api, spec)
        assert response.status_code == 201, (spec, response.text)
        made[spec["type"]] = response.json()["ticket_field"]
    assert made["checkbox"]["tag"] == "callback"
    assert made["lookup"]["relationship_target_type"] == "zen:user"
    assert [o["value"] for o in made["tagger"]["custom_field_options"]] == ["plan_free", "plan_pro"]
    listed = [f["id"] for f in api.get("/api/v2/ticket_fields.json").json()["ticket_fields"]]
    assert {f["id"] for f in made.values()} <= set(listed)
    admin = account.directory.people.api_admin_id
    values = [{"id": made[kind]["id"], "value": value} for kind, value in VALUES.items()]
    values.append({"id": made["lookup"]["id"], "value": admin})
    ticket = {"custom_fields": values, "comments": [{"value": "x"}]}
    response = api.import_one(ticket)
    assert response.status_code == 201, response.text
    kept = {f["id"]: f["value"] for f in response.json()["ticket"]["custom_fields"]}
    assert kept[made["tagger"]["id"]] == "plan_pro" and kept[made["lookup"]["id"]] == admin
    assert kept[made["partialcreditcard"]["id"]] == "XXXXXXXXXXXX1234"


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"type": "colour", "title": "X"}, "type"),
        ({"type": "text", "title": ""}, "title"),
        ({"type": "tagger", "title": "No options"}, "field_options"),
        ({"type": "tagger", "title": "Empty", "custom_field_options": []}, "field_options"),
        (
            {
                "type": "multiselect",
                "title": "Twice",
                "custom_field_options": [{"name": "a", "value": "a"}, {"name": "b", "value": "A"}],
            },
            "field_options",
        ),
        (
            {
                "type": "tagger",
                "title": "Spaces",
                "custom_field_options": [{"name": "a", "value": "two words"}],
            },
            "field_options",
        ),
        (
            {"type": "tagger", "title": "Nameless", "custom_field_options": [{"value": "x"}]},
            "field_options",
        ),
        ({"type": "regexp", "title": "No pattern"}, "regexp_for_validation"),
        (
            {"type": "regexp", "title": "Bad pattern", "regexp_for_validation": "(["},
            "regexp_for_validation",
        ),
        ({"type": "lookup", "title": "No target"}, "relationship_target_type"),
        (
            {
                "type": "lookup",
                "title": "Custom object",
                "relationship_target_type": "zen:custom_object:car",
            },
            "relationship_target_type",
        ),
        ({"type": "checkbox", "title": "Bad tag", "tag": "a b"}, "tag"),
    ],
)
def test_a_bad_ticket_field_is_refused(api, spec, field) -> None:
    assert field in details(post_field(api, spec))


def test_option_tags_are_unique_across_the_accounts_fields(api) -> None:
    assert post_field(api, EVERY_TYPE[7]).status_code == 201
    clash = {
        "type": "multiselect",
        "title": "Other",
        "custom_field_options": [{"name": "F", "value": "PLAN_FREE"}],
    }
    [problem] = details(post_field(api, clash))["field_options"]
    assert (
        problem["description"]
        == "Field options: the tag PLAN_FREE is already used by another field"
    )
    checkbox = {"type": "checkbox", "title": "Pro?", "tag": "plan_pro"}
    assert "tag" in details(post_field(api, checkbox))
    empty_tagger = {"type": "tagger", "title": "T"}
    [problem] = details(post_field(api, empty_tagger))["field_options"]
    assert problem == {
        "description": "Field options: must contain at least one option",
        "error": "EmptyValue",
    }


def test_the_generated_accounts_tags_are_taken_too(make_account, make_api) -> None:
    api = make_api(make_account(tickets=50))
    clash = {
        "type": "tagger",
        "title": "Plan again",
        "custom_field_options": [{"name": "F", "value": "plan_free"}],
    }
    assert "field_options" in details(post_field(api, clash))


def test_put_adds_keeps_and_removes_options(account, api) -> None:
    field = post_field(api, EVERY_TYPE[7]).json()["ticket_field"]
    free, pro = field["custom_field_options"]
    new_list = [free, {"name": "Enterprise", "value": "plan_enterprise"}]
    response = api.put(
        f"/api/v2/ticket_fields/{field['id']}.json",
        json={"ticket_field": {"custom_field_options": new_list}},
    )
    assert response.status_code == 200, response.text
    options = response.json()["ticket_field"]["custom_field_options"]
    assert [o["value"] for o in options] == ["plan_free", "plan_enterprise"]
    assert options[0]["id"] == free["id"] and options[1]["id"] not in (free["id"], pro["id"])
    shown = api.get(f"/api/v2/ticket_fields/{field['id']}.json").json()["ticket_field"]
    assert shown["custom_field_options"] == options
    ticket = {
        "custom_fields": [{"id": field["id"], "value": "plan_enterprise"}],
        "comments": [{"value": "x"}],
    }
    kept = {f["id"]: f["value"] for f in api.import_one(ticket).json()["ticket"]["custom_fields"]}
    assert kept[field["id"]] == "plan_enterprise"


@pytest.mark.parametrize(
    "change",
    [
        {"type": "text"},
        {"title": ""},
        {"custom_field_options": [{"name": "Bad", "value": "a b"}]},
        {"custom_field_options": [{"id": 1, "name": "Not ours", "value": "x"}]},
        {"custom_field_options": []},
    ],
)
def test_a_bad_field_change_is_refused(api, change) -> None:
    field = post_field(api, EVERY_TYPE[7]).json()["ticket_field"]
    response = api.put(f"/api/v2/ticket_fields/{field['id']}.json", json={"ticket_field": change})
    assert response.status_code == 422, response.text


def test_options_of_a_text_field_and_unknown_fields_are_refused(api) -> None:
    text = post_field(api, EVERY_TYPE[0]).json()["ticket_field"]
    response = api.put(
        f"/api/v2/ticket_fields/{text['id']}.json",
        json={"ticket_field": {"custom_field_options": OPTIONS}},
    )
    assert response.status_code == 422
    assert (
        api.put("/api/v2/ticket_fields/1.json", json={"ticket_field": {"title": "x"}}).status_code
        == 404
    )


@pytest.mark.parametrize("owner", ["user", "organization"])
def test_user_and_organization_fields_are_created_and_listed(api, owner) -> None:
    kind = f"{owner}_field"
    specs = [
        {
            "key": "tier",
            "title": "Tier",
            "type": "dropdown",
            "custom_field_options": [{"name": "Gold", "value": "gold"}],
        },
        {"key": "since", "title": "Customer since", "type": "date"},
        {"key": "note", "title": "Note"},  # text by default
        {"key": "seats", "title": "Seats", "type": "integer"},
        {
            "key": "regions",
            "title": "Regions",
            "type": "multiselect",
            "custom_field_options": [{"name": "EU", "value": "eu"}],
        },
        {"key": "vip", "title": "VIP", "type": "checkbox"},
    ]
    made = []
    for spec in specs:
        response = post_field(api, spec, kind)
        assert response.status_code == 201, response.text
        made.append(response.json()[kind])
    assert made[2]["type"] == "text" and made[0]["key"] == "tier"
    listed = api.get(f"/api/v2/{kind}s.json").json()[f"{kind}s"]
    assert [f["key"] for f in listed] == [s["key"] for s in specs]
    assert (
        api.get(f"/api/v2/{kind}s/{made[1]['id']}.json").json()[kind]["title"] == "Customer since"
    )
    assert api.get(f"/api/v2/{kind}s/1.json").status_code == 404


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"title": "No key"}, "key"),
        ({"key": "has space", "title": "X"}, "key"),
        ({"key": "123", "title": "X"}, "key"),
        ({"key": "TIER", "title": "Again"}, "key"),
        ({"key": "x", "title": ""}, "title"),
        ({"key": "x", "title": "X", "type": "tagger"}, "type"),
        ({"key": "x", "title": "X", "type": "dropdown"}, "field_options"),
        ({"key": "x", "title": "X", "type": "regexp"}, "regexp_for_validation"),
        ({"key": "x", "title": "X", "type": "lookup"}, "relationship_target_type"),
    ],
)
@pytest.mark.parametrize("owner", ["user", "organization"])
def test_a_bad_user_or_organization_field_is_refused(api, owner, spec, field) -> None:
    kind = f"{owner}_field"
    assert post_field(api, {"key": "tier", "title": "Tier"}, kind).status_code == 201
    assert field in details(post_field(api, spec, kind))


def make_record_fields(api: Api, owner: str) -> None:
    kind = f"{owner}_field"
    for spec in (
        {
            "key": "tier",
            "title": "Tier",
            "type": "dropdown",
            "custom_field_options": [{"name": "Gold", "value": "gold"}],
        },
        {"key": "seats", "title": "Seats", "type": "integer"},
    ):
        assert post_field(api, spec, kind).status_code == 201


def test_users_keep_their_user_field_values(api) -> None:
    make_record_fields(api, "user")
    user = {"name": "Cy", "email": "cy@example.org", "user_fields": {"tier": "gold", "seats": "12"}}
    made = api.post("/api/v2/users.json", json={"user": user})
    assert made.status_code == 201, made.text
    assert made.json()["user"]["user_fields"] == {"tier": "gold", "seats": 12}
    updated = api.post(
        "/api/v2/users/create_or_update.json",
        json={"user": {"email": "cy@example.org", "user_fields": {"seats": 3}}},
    )
    assert updated.json()["user"]["user_fields"] == {"tier": "gold", "seats": 3}
    listed = api.get("/api/v2/users.json").json()["users"]
    assert (
        next(u for u in listed if u["email"] == "cy@example.org")["user_fields"]["tier"] == "gold"
    )
    for wrong in ({"tier": "silver"}, {"seats": "many"}, {"unknown": 1}):
        bad = {"name": "Dee", "email": "dee@example.org", "user_fields": wrong}
        assert "user_fields" in details(api.post("/api/v2/users.json", json={"user": bad}))


def test_organizations_keep_their_organization_field_values(api) -> None:
    make_record_fields(api, "organization")
    spec = {"name": "Kestrel", "organization_fields": {"tier": "gold", "seats": 40}}
    org = api.post("/api/v2/organizations.json", json={"organization": spec}).json()["organization"]
    assert org["organization_fields"] == {"tier": "gold", "seats": 40}
    listed = api.get("/api/v2/organizations.json").json()["organizations"]
    assert listed[0]["organization_fields"] == {"tier": "gold", "seats": 40}
    bad = {"name": "Other", "organization_fields": {"tier": "silver"}}
    [problem] = details(api.post("/api/v2/organizations.json", json={"organization": bad}))[
        "organization_fields"
    ]
    assert problem["description"] == "Organization fields: Tier is invalid"
