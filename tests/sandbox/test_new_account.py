"""A new account as Zendesk creates it (``--empty``), its agent seats and custom roles."""

from __future__ import annotations

import requests

from tests.sandbox.helpers import Api
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig
from zendesk_sandbox.cli import build_parser

NEW_AGENT = {"name": "Ann Agent", "email": "ann@support.example.com", "role": "agent"}


def names(api: Api, path: str, key: str = "name") -> list[str]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    plural = path.rsplit("/", 1)[-1].removesuffix(".json")
    return [record[key] for record in response.json()[plural]]


def test_an_empty_account_holds_only_what_zendesk_creates(make_account, make_api) -> None:
    account = make_account(empty=True)
    api = make_api(account)
    assert names(api, "/api/v2/users.json") == ["Sandbox Admin"]
    assert names(api, "/api/v2/groups.json") == ["Support"]
    assert names(api, "/api/v2/ticket_forms.json") == ["Default Ticket Form"]
    assert len(names(api, "/api/v2/brands.json")) == 1
    assert names(api, "/api/v2/ticket_fields.json", "title") == [
        "Subject",
        "Description",
        "Status",
        "Type",
        "Priority",
        "Group",
        "Assignee",
    ]
    for path in ("organizations", "user_fields", "organization_fields", "organization_memberships"):
        assert api.get(f"/api/v2/{path}.json").json()[path] == [], path
    assert account.visible_ticket_ids() == []
    [admin_in_support] = api.get("/api/v2/group_memberships.json").json()["group_memberships"]
    admin = api.get("/api/v2/users.json").json()["users"][0]
    assert admin_in_support["user_id"] == admin["id"] and admin["role"] == "admin"
    form = api.get("/api/v2/ticket_forms.json").json()["ticket_forms"][0]
    assert form["default"] is True and len(form["ticket_field_ids"]) == 7


def test_the_empty_account_has_no_agent_to_sign_in_as(make_account) -> None:
    account = make_account(empty=True)
    agent = requests.get(f"{account.base_url}/api/v2/users.json", auth=Credentials().agent_basic)
    assert agent.status_code == 401


def test_an_empty_account_overlaps_no_other_accounts_ids(make_pair) -> None:
    source, destination = make_pair(tickets=50, empty=False)
    empty = SandboxConfig(empty=True, account=2)
    with Sandbox(empty) as new:
        ids = {u.id for u in new.directory.people.users} | {
            g.id for g in new.directory.structure.groups
        }
        ids |= {f.id for f in new.directory.structure.fields}
        for other in (source, destination):
            theirs = {u.id for u in other.directory.people.users}
            theirs |= {g.id for g in other.directory.structure.groups}
            theirs |= {f.id for f in other.directory.structure.fields}
            assert not ids & theirs


def test_an_empty_account_takes_tickets_when_asked(make_account) -> None:
    account = make_account(empty=True, tickets=20, exclusion_window=0)
    admin = account.directory.people.api_admin_id
    tickets = [account.exported_ticket(i) for i in account.visible_ticket_ids()]
    assert len(tickets) == 20 and {t["requester_id"] for t in tickets} == {admin}


def test_the_cli_makes_an_empty_account_with_no_tickets_by_default() -> None:
    args = build_parser().parse_args(["--empty", "--agent-seats", "3"])
    assert args.empty and args.agent_seats == 3 and args.tickets is None
    assert SandboxConfig(empty=True).tickets == 0 and SandboxConfig().tickets == 300


def test_agents_and_admins_take_seats_until_none_is_left(make_account, make_api) -> None:
    api = make_api(make_account(empty=True, agent_seats=2))
    made = api.post("/api/v2/users.json", json={"user": NEW_AGENT})
    assert made.status_code == 201, made.text
    agent = made.json()["user"]
    assert agent["role"] == "agent" and agent["default_group_id"] is not None
    refused = api.post(
        "/api/v2/users.json",
        json={"user": {"name": "Bo", "email": "bo@support.example.com", "role": "admin"}},
    )
    assert refused.status_code == 422
    [problem] = refused.json()["details"]["role"]
    assert "no agent seat is left" in problem["description"] and "2 of 2" in problem["description"]
    # End users take no seat; a light agent neither.
    customer = {"name": "Cy", "email": "cy@example.org"}
    assert api.post("/api/v2/users.json", json={"user": customer}).status_code == 201
    roles = api.get("/api/v2/custom_roles.json").json()["custom_roles"]
    light = next(r for r in roles if r["role_type"] == 1)
    light_agent = {"name": "Li", "email": "li@support.example.com", "role": "agent"}
    made = api.post(
        "/api/v2/users.json", json={"user": {**light_agent, "custom_role_id": light["id"]}}
    )
    assert made.status_code == 201 and made.json()["user"]["custom_role_id"] == light["id"]
    # Promoting an end user through create_or_update needs a seat too.
    promoted = api.post(
        "/api/v2/users/create_or_update.json", json={"user": {**customer, "role": "agent"}}
    )
    assert promoted.status_code == 422 and "role" in promoted.json()["details"]


def test_the_generated_account_has_seats_to_spare(make_account, make_api) -> None:
    account = make_account(tickets=100)
    api = make_api(account)
    assert account.directory.agent_seats > len(account.directory.people.agents)
    made = api.post("/api/v2/users.json", json={"user": NEW_AGENT})
    assert made.status_code == 201, made.text


def test_custom_roles_are_checked_and_listed(make_account, make_api) -> None:
    account = make_account(tickets=100)
    api = make_api(account)
    roles = api.get("/api/v2/custom_roles.json").json()["custom_roles"]
    role_names = [r["name"] for r in roles]
    assert {"Staff", "Light Agent", "Team Leader", "Advisor"} <= set(role_names)
    assert len(roles) > 4, "a realistic account has roles of its own"
    empty_roles = make_api(make_account(empty=True)).get("/api/v2/custom_roles.json").json()
    assert [r["name"] for r in empty_roles["custom_roles"]] == [
        "Staff",
        "Team Leader",
        "Advisor",
        "Light Agent",
    ]
    staff = roles[0]
    made = api.post(
        "/api/v2/users.json", json={"user": {**NEW_AGENT, "custom_role_id": staff["id"]}}
    )
    assert made.status_code == 201 and made.json()["user"]["role_type"] == 0
    unknown = {
        "name": "Xi",
        "email": "xi@support.example.com",
        "role": "agent",
        "custom_role_id": 7,
    }
    refused = api.post("/api/v2/users.json", json={"user": unknown})
    assert refused.status_code == 422 and "custom_role_id" in refused.json()["details"]
    admin_with_role = {**unknown, "role": "admin", "custom_role_id": staff["id"]}
    refused = api.post("/api/v2/users.json", json={"user": admin_with_role})
    assert refused.status_code == 422 and "custom_role_id" in refused.json()["details"]


def test_an_agent_cannot_make_agents(make_account) -> None:
    account = make_account(tickets=100)
    response = requests.post(
        f"{account.base_url}/api/v2/users.json",
        json={"user": NEW_AGENT},
        auth=Credentials().agent_basic,
    )
    assert response.status_code == 403
    customer = {"name": "Cy", "email": "cy@example.org"}
    response = requests.post(
        f"{account.base_url}/api/v2/users.json",
        json={"user": customer},
        auth=Credentials().agent_basic,
    )
    assert response.status_code == 201
