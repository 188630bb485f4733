"""Imports into the realistic account are as strict as Zendesk's (docs/sandbox.md lists
each rule and its source)."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox
from zendesk_sandbox.generated.people import User


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=200)


@pytest.fixture
def api(account, make_api) -> Api:
    return make_api(account)


def customer(account: Sandbox, *, with_org: bool = True) -> User:
    return next(
        u
        for u in account.directory.people.end_users
        if not u.suspended and bool(u.organization_ids) == with_org
    )


def agent_and_group(account: Sandbox) -> tuple[User, int, int]:
    """An agent, one of their groups, and a group they are not in."""
    groups = [g.id for g in account.directory.structure.groups]
    for agent in account.directory.people.agents:
        others = [g for g in groups if g not in agent.group_ids]
        if others and agent.group_ids:
            return agent, agent.group_ids[0], others[0]
    raise AssertionError("no agent outside a group")


def valid(account: Sandbox, **fields: object) -> dict:
    requester = customer(account)
    agent, group, _ = agent_and_group(account)
    return {
        "subject": "Printer on fire",
        "requester_id": requester.id,
        "assignee_id": agent.id,
        "group_id": group,
        "created_at": "2024-05-01T10:00:00Z",
        "updated_at": "2024-05-02T10:00:00Z",
        "comments": [
            {
                "author_id": requester.id,
                "value": "It is on fire.",
                "created_at": "2024-05-01T10:00:00Z",
            },
            {
                "author_id": agent.id,
                "html_body": "<p>Please <b>step back</b>.</p>",
                "public": False,
                "created_at": "2024-05-01T11:00:00Z",
            },
        ],
        **fields,
    }


def failure(api: Api, ticket: dict) -> str:
    """The job result's details for one ticket that must fail, and the same 422 text."""
    [result] = api.imported_job_results([ticket])
    assert set(result) == {"index", "error", "details"}, result
    assert result["error"] == "TicketCreateFailed"
    single = api.import_one(ticket)
    assert single.status_code == 422
    body = single.json()
    assert body["error"] == "RecordInvalid" and body["description"] == "Record validation errors"
    text = "; ".join(d["description"] for ds in body["details"].values() for d in ds)
    assert text == result["details"]
    return result["details"]


def test_a_valid_ticket_is_imported_with_its_conversation(account, api) -> None:
    ticket = valid(account)
    [result] = api.imported_job_results([ticket])
    assert set(result) == {"index", "id", "account_id"} and result["index"] == 0
    stored = api.get(f"/api/v2/tickets/{result['id']}.json").json()["ticket"]
    assert stored["requester_id"] == ticket["requester_id"]
    assert (
        stored["assignee_id"] == ticket["assignee_id"] and stored["group_id"] == ticket["group_id"]
    )
    assert stored["organization_id"] == customer(account).organization_id, "the requester's org"
    assert stored["brand_id"] == account.directory.structure.default_brand.id
    assert stored["description"] == "It is on fire."
    comments = api.get(f"/api/v2/tickets/{result['id']}/comments.json").json()["comments"]
    assert [c["author_id"] for c in comments] == [ticket["requester_id"], ticket["assignee_id"]]
    assert [c["public"] for c in comments] == [True, False]
    assert [c["created_at"] for c in comments] == ["2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"]
    assert comments[1]["html_body"] == "<p>Please <b>step back</b>.</p>"
    assert comments[1]["body"] == "Please step back."
    single = api.import_one(valid(account))
    assert single.status_code == 201 and single.json()["ticket"]["id"] == result["id"] + 1


def test_unknown_requester_and_submitter_fail(account, api) -> None:
    assert failure(api, valid(account, requester_id=12345)) == "Requester: is invalid"
    assert "Submitter: is invalid" in failure(api, valid(account, submitter_id=777))


def test_a_suspended_requester_fails(account, api) -> None:
    suspended = next(u for u in account.directory.people.end_users if u.suspended)
    ticket = valid(account, requester_id=suspended.id, comments=[{"value": "hello"}])
    assert failure(api, ticket) == f"Requester: {suspended.name} is suspended."
    single = api.import_one(ticket).json()
    assert single["details"]["requester"][0]["error"] == "UserSuspended"


def test_the_assignee_must_be_an_agent_of_the_group(account, api) -> None:
    agent, _, other_group = agent_and_group(account)
    end_user = customer(account, with_org=False)
    assert failure(api, valid(account, assignee_id=end_user.id)) == "Assignee: is invalid"
    assert failure(api, valid(account, assignee_id=99)) == "Assignee: is invalid"
    not_member = valid(account, assignee_id=agent.id, group_id=other_group)
    assert failure(api, not_member) == "Assignee: is not a member of the group"
    no_group = valid(account, assignee_id=agent.id)
    del no_group["group_id"]
    [result] = api.imported_job_results([no_group])
    stored = account.exported_ticket(result["id"])
    assert stored["group_id"] == agent.default_group_id, "the agent's default group"


def test_unknown_structure_ids_fail(account, api) -> None:
    for name, label in (
        ("group_id", "Group"),
        ("organization_id", "Organization"),
        ("brand_id", "Brand"),
        ("ticket_form_id", "Ticket form"),
    ):
        details = failure(api, valid(account, **{name: 360_000_000_001}))
        assert f"{label}: is invalid" in details


def test_the_organization_must_be_the_requesters(account, api) -> None:
    requester = customer(account)
    other = next(
        o
        for o in account.directory.structure.organizations
        if o.id not in requester.organization_ids
    )
    details = failure(api, valid(account, organization_id=other.id))
    assert details == "Organization: is not one of the requester's organizations"


def test_unknown_comment_authors_and_people_fail(account, api) -> None:
    ticket = valid(account)
    ticket["comments"][1]["author_id"] = 4242
    assert failure(api, ticket) == "Comment: Author is invalid"
    assert failure(api, valid(account, collaborator_ids=[1, 2])) == "Collaborators: is invalid"
    end_user = customer(account, with_org=False)
    assert failure(api, valid(account, follower_ids=[end_user.id])) == "Followers: is invalid"


def test_a_ticket_needs_a_description_and_no_future_comments(account, api) -> None:
    bare = valid(account, comments=[])
    assert failure(api, bare) == "Description: cannot be blank"
    future = valid(account)
    future["comments"][1]["created_at"] = "2999-01-01T00:00:00Z"
    assert failure(api, future) == "Comment: Created at cannot be in the future"


def test_custom_fields_unknown_ids_and_non_options_are_dropped(account, api) -> None:
    fields = {f.type: f for f in account.directory.structure.custom_fields}
    plan, products = fields["tagger"], fields["multiselect"]
    option = sorted(plan.option_values)[0]
    kept = sorted(products.option_values)[:1]
    ticket = valid(
        account,
        custom_fields=[
            {"id": 360_999_999, "value": "from another account"},
            {"id": plan.id, "value": option},
            {"id": products.id, "value": [*kept, "not_an_option"]},
            {"id": fields["integer"].id, "value": "42"},
        ],
    )
    [result] = api.imported_job_results([ticket])
    stored = {f["id"]: f["value"] for f in account.exported_ticket(result["id"])["custom_fields"]}
    assert 360_999_999 not in stored
    assert stored[plan.id] == option and stored[products.id] == kept
    assert stored[fields["integer"].id] == 42
    assert set(stored) == {f.id for f in account.directory.structure.custom_fields}
    wrong = valid(account, custom_fields=[{"id": plan.id, "value": "not_an_option"}])
    [result] = api.imported_job_results([wrong])
    assert account.exported_ticket(result["id"])["custom_fields"][7]["value"] is None


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", "many"),
        ("decimal", "1,5"),
        ("checkbox", "yes"),
        ("date", "05/01/2024"),
        ("regexp", "serial 12"),
    ],
)
def test_a_value_of_the_wrong_type_fails_the_ticket(account, api, kind, value) -> None:
    field = next(f for f in account.directory.structure.custom_fields if f.type == kind)
    details = failure(api, valid(account, custom_fields=[{"id": field.id, "value": value}]))
    assert details == f"{field.title}: is invalid"
    entry = api.import_one(valid(account, custom_fields=[{"id": field.id, "value": value}]))
    assert entry.json()["details"]["base"][0]["ticket_field_id"] == field.id


def test_read_only_keys_are_stripped_with_a_warning(account, api) -> None:
    ticket = valid(
        account,
        id=5,
        url="https://other.zendesk.com/api/v2/tickets/5.json",
        generated_timestamp=1,
        is_public=True,
    )
    response = api.import_tickets([ticket])
    assert response.headers["X-Zendesk-API-Warn"] == (
        'Removed restricted keys ["tickets.id", "tickets.url", "tickets.generated_timestamp", '
        '"tickets.is_public"] from parameters according to whitelist'
    )
    single = api.import_one(ticket)
    assert single.status_code == 201
    assert single.headers["X-Zendesk-API-Warn"].startswith('Removed restricted keys ["ticket.id"')
    clean = api.import_tickets([valid(account)])
    assert "X-Zendesk-API-Warn" not in clean.headers


def test_a_requester_object_finds_or_creates_the_user(account, api) -> None:
    known = customer(account)
    by_email = valid(account, requester={"name": "Someone Else", "email": known.email.upper()})
    del by_email["requester_id"]
    by_email["comments"] = [{"value": "hi"}]
    new = dict(by_email, requester={"name": "Nia New", "email": "nia@example.org", "locale_id": 8})
    bad = dict(by_email, requester={"name": "X", "email": "nia at example"})
    results = api.imported_job_results([by_email, new, bad])
    first = account.exported_ticket(results[0]["id"])
    assert first["requester_id"] == known.id
    assert account.directory.people.by_id[known.id].name == known.name, "left unchanged"
    created = account.directory.people.find_email("nia@example.org")
    assert created is not None and created.role == "end-user" and created.name == "Nia New"
    assert account.exported_ticket(results[1]["id"])["requester_id"] == created.id
    assert results[2]["details"] == "Requester: Email is invalid"
    comments = api.get(f"/api/v2/tickets/{results[1]['id']}/comments.json").json()["comments"]
    assert comments[0]["author_id"] == created.id, "a comment without author is the requester's"


def test_no_requester_means_the_importer(account, api) -> None:
    ticket = valid(account)
    del ticket["requester_id"]
    ticket["comments"] = [{"value": "from the admin"}]
    [result] = api.imported_job_results([ticket])
    admin = account.directory.people.api_admin_id
    assert account.exported_ticket(result["id"])["requester_id"] == admin


def test_mixed_jobs_complete_and_all_failed_jobs_fail(account, api) -> None:
    response = api.import_tickets([valid(account), valid(account, requester_id=1)])
    job = api.wait_for_job(response.json()["job_status"]["id"])
    assert job["status"] == "completed"
    assert "id" in job["results"][0] and "error" in job["results"][1]
    response = api.import_tickets([valid(account, requester_id=1)])
    job = api.wait_for_job(response.json()["job_status"]["id"])
    assert job["status"] == "failed" and job["message"].startswith("Failed at ")


def test_the_idealised_account_takes_any_ids(make_sandbox, make_api) -> None:
    lenient = make_api(make_sandbox(tickets=0, job_delay=0.05, rate_limits={}))
    ticket = {
        "subject": "x",
        "requester_id": 1,
        "assignee_id": 2,
        "group_id": 3,
        "id": 4,
        "comments": [{"author_id": 9, "value": "kept"}],
    }
    response = lenient.import_tickets([ticket])
    assert "X-Zendesk-API-Warn" not in response.headers
    [result] = lenient.wait_for_job(response.json()["job_status"]["id"])["results"]
    assert set(result) == {"index", "id"}
    comments = lenient.get(f"/api/v2/tickets/{result['id']}/comments.json").json()
    assert comments["comments"][0]["author_id"] == 9
