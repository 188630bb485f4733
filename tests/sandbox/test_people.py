"""The realistic account's people and structure, and how two accounts overlap."""

from __future__ import annotations

import time

import pytest

from tests.sandbox.helpers import Api
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig
from zendesk_sandbox.account import Account
from zendesk_sandbox.generated.structure import CUSTOM_TYPES


def everything(api: Api, path: str, name: str) -> list[dict]:
    """Every record of a list endpoint, following its cursor pages."""
    records, response = [], api.get(path, params={"page[size]": 100})
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        records += page[name]
        if not page["meta"]["has_more"]:
            return records
        response = api.session.get(page["links"]["next"])


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=600)


@pytest.fixture
def account_api(account, make_api) -> Api:
    return make_api(account)


def test_people_have_roles_names_emails_and_some_are_suspended(account_api: Api) -> None:
    users = everything(account_api, "/api/v2/users.json", "users")
    roles = {user["role"] for user in users}
    assert roles == {"end-user", "agent", "admin"}
    emails = [user["email"].lower() for user in users]
    assert len(set(emails)) == len(emails), "e-mail addresses are unique"
    assert all(user["name"] and "@" in user["email"] for user in users)
    end_users = [user for user in users if user["role"] == "end-user"]
    suspended = [user for user in end_users if user["suspended"]]
    assert 0 < len(suspended) < len(end_users) // 10
    admin = next(user for user in users if user["email"] == Credentials.admin_email)
    assert admin["role"] == "admin"


def test_agents_belong_to_groups_and_end_users_to_organizations(account_api: Api) -> None:
    users = {u["id"]: u for u in everything(account_api, "/api/v2/users.json", "users")}
    groups = {g["id"] for g in everything(account_api, "/api/v2/groups.json", "groups")}
    memberships = everything(account_api, "/api/v2/group_memberships.json", "group_memberships")
    assert {m["group_id"] for m in memberships} == groups, "every group has agents"
    assert all(users[m["user_id"]]["role"] in ("agent", "admin") for m in memberships)
    orgs = everything(
        account_api, "/api/v2/organization_memberships.json", "organization_memberships"
    )
    assert orgs and all(users[m["user_id"]]["role"] == "end-user" for m in orgs)
    defaults = [m for m in orgs if m["default"]]
    assert all(users[m["user_id"]]["organization_id"] == m["organization_id"] for m in defaults)
    agent = users[memberships[0]["user_id"]]
    own = account_api.get(f"/api/v2/users/{agent['id']}/group_memberships.json").json()
    assert {m["user_id"] for m in own["group_memberships"]} == {agent["id"]}


def test_structure_has_every_field_type_with_options(account_api: Api) -> None:
    fields = everything(account_api, "/api/v2/ticket_fields.json", "ticket_fields")
    custom = [f for f in fields if f["removable"]]
    assert {f["type"] for f in custom} == set(CUSTOM_TYPES)
    for field in custom:
        if field["type"] in ("tagger", "multiselect"):
            values = [o["value"] for o in field["custom_field_options"]]
            assert len(values) >= 3 and len(set(values)) == len(values)
        if field["type"] == "regexp":
            assert field["regexp_for_validation"]
    assert {f["type"] for f in fields if not f["removable"]} >= {"subject", "status", "group"}
    forms = account_api.get("/api/v2/ticket_forms.json").json()
    assert forms["count"] == len(forms["ticket_forms"]) >= 2 and forms["next_page"] is None
    brands = everything(account_api, "/api/v2/brands.json", "brands")
    assert sum(brand["default"] for brand in brands) == 1


def test_tickets_refer_to_the_accounts_people_consistently(account: Sandbox) -> None:
    directory = account.directory
    people, structure = directory.people, directory.structure
    for ticket_id in account.visible_ticket_ids():
        ticket = account.exported_ticket(ticket_id)
        requester = people.by_id[ticket["requester_id"]]
        assert requester.role == "end-user"
        assert people.by_id[ticket["submitter_id"]]
        assert ticket["organization_id"] in (None, *requester.organization_ids)
        if requester.organization_ids:
            assert ticket["organization_id"] is not None
        if ticket["assignee_id"] is not None:
            assignee = people.by_id[ticket["assignee_id"]]
            assert assignee.is_agent and ticket["group_id"] in assignee.group_ids
        assert ticket["group_id"] in (None, *structure.group_by_id)
        assert ticket["brand_id"] in structure.brand_by_id
        assert ticket["ticket_form_id"] in structure.form_by_id
        assert set(ticket["collaborator_ids"]) == set(
            ticket["email_cc_ids"] + ticket["follower_ids"]
        )
        assert all(people.by_id[i].is_agent for i in ticket["follower_ids"])
        assert all(people.by_id[i].role == "end-user" for i in ticket["email_cc_ids"])
        for value in ticket["custom_fields"]:
            field = structure.field_by_id[value["id"]]
            if field.type == "tagger" and value["value"] is not None:
                assert value["value"] in field.option_values
            if field.type == "multiselect":
                assert set(value["value"]) <= field.option_values
    requesters = {account.exported_ticket(i)["requester_id"] for i in account.visible_ticket_ids()}
    assert any(people.by_id[r].suspended for r in requesters), "some requesters were suspended"


def test_two_accounts_never_share_ids_but_share_people_and_structure(make_pair) -> None:
    source, destination = make_pair(tickets=1000, destination_tickets=1000, overlap=0.7)
    a, b = source.directory, destination.directory

    def ids(directory) -> set[int]:
        s = directory.structure
        everything_ = [
            *directory.people.users,
            *s.groups,
            *s.organizations,
            *s.brands,
            *s.forms,
            *s.fields,
        ]
        return {item.id for item in everything_}

    assert not ids(a) & ids(b)
    emails_a = {u.email for u in a.people.users}
    emails_b = {u.email for u in b.people.users}
    share = len(emails_a & emails_b) / len(emails_a)
    assert 0.6 < share < 0.8
    for kind in ("groups", "organizations", "brands", "forms", "fields"):
        names_a = {getattr(x, "name", None) or x.title for x in getattr(a.structure, kind)}
        names_b = {getattr(x, "name", None) or x.title for x in getattr(b.structure, kind)}
        assert names_a & names_b, kind
        assert names_a - names_b, f"some {kind} exist only in one account"
    shared_plan = next(f for f in a.structure.fields if f.title == "Plan" and f.type == "tagger")
    other_plan = next(f for f in b.structure.fields if f.title == "Plan")
    assert shared_plan.option_values - other_plan.option_values, "an option of its own"
    assert source.exported_ticket(1)["id"] == destination.exported_ticket(1)["id"] == 1


@pytest.mark.parametrize("overlap", [0.0, 1.0])
def test_overlap_extremes(overlap: float) -> None:
    a = Account(SandboxConfig(tickets=200, account=0, overlap=overlap)).directory
    b = Account(SandboxConfig(tickets=200, account=1, overlap=overlap)).directory
    shared = {u.email for u in a.people.users} & {u.email for u in b.people.users}
    api_users = {Credentials.admin_email, Credentials.agent_email}
    if overlap == 0:
        assert shared == api_users  # the API's own users are in every account
    else:
        assert len(shared) == len(a.people.users)


def test_generation_is_deterministic_and_quick() -> None:
    first = Account(SandboxConfig(tickets=300, seed=5, account=2, universe=9))
    second = Account(SandboxConfig(tickets=300, seed=5, account=2, universe=9))
    assert [u.to_json("") for u in first.directory.people.users] == [
        u.to_json("") for u in second.directory.people.users
    ]
    assert first.exported_ticket(7) == second.exported_ticket(7)
    started = time.perf_counter()
    Account(SandboxConfig(tickets=50_000))
    assert time.perf_counter() - started < 2.0


def test_the_idealised_account_has_no_people(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(tickets=20, rate_limits={}))
    assert api.get("/api/v2/users.json").json()["users"] == []
    assert api.get("/api/v2/groups.json").json()["count"] == 0


def test_bad_account_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="account must be"):
        Account(SandboxConfig(account=100))
    with pytest.raises(ValueError, match="overlap"):
        Account(SandboxConfig(overlap=1.5))
