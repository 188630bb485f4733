"""Mapping a ticket's references into another account, against a mocked destination."""

import pytest
import requests_mock as rm

from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.mapper import (
    LeftOut,
    MappingRules,
    TicketMapper,
    UnmappableError,
)
from target_zendesk_tickets.copying.mapping_report import LEFT_OUT, MAPPED, WAITING, MappingReport
from target_zendesk_tickets.copying.references import SourceReferences
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget
from zendesk_api.settings import read_connection

B = "https://copy.zendesk.com"
AGENTS = [
    {"id": 900, "email": "ann@corp.test", "role": "agent"},
    {"id": 901, "email": "bob@corp.test", "role": "admin"},
    {"id": 902, "email": "gone@corp.test", "role": "agent", "suspended": True},
]


def source():
    refs = SourceReferences()
    for user in [
        {"id": 1, "name": "Jane", "email": "Jane@Example.org", "role": "end-user"},
        {"id": 2, "name": "Ann", "email": "ann@corp.test", "role": "agent"},
        {"id": 3, "name": "Carl", "email": "carl@corp.test", "role": "agent"},
        {"id": 4, "name": "Kim", "email": "kim@example.org", "role": "end-user"},
    ]:
        refs.add("users", user)
    refs.add("groups", {"id": 10, "name": "Support"})
    refs.add("groups", {"id": 11, "name": "Billing"})
    refs.add("organizations", {"id": 20, "name": "Acme"})
    refs.add("brands", {"id": 30, "name": "Main"})
    refs.add("ticket_forms", {"id": 40, "name": "Default form"})
    refs.add(
        "ticket_fields",
        {
            "id": 50,
            "title": "Tier",
            "type": "tagger",
            "custom_field_options": [
                {"name": "Gold", "value": "gold"},
                {"name": "Silver", "value": "silver"},
            ],
        },
    )
    refs.add("ticket_fields", {"id": 51, "title": "Order", "type": "integer"})
    refs.add("ticket_fields", {"id": 52, "title": "Legacy", "type": "text"})
    return refs


@pytest.fixture
def b():
    with rm.Mocker() as mock:
        mock.get(f"{B}/api/v2/users.json", json={"users": AGENTS})
        mock.get(
            f"{B}/api/v2/group_memberships.json",
            json={"group_memberships": [{"user_id": 900, "group_id": 110}]},
        )
        mock.get(f"{B}/api/v2/groups.json", json={"groups": [{"id": 110, "name": "Support"}]})
        mock.get(f"{B}/api/v2/brands.json", json={"brands": [{"id": 130, "name": "main"}]})
        mock.get(
            f"{B}/api/v2/ticket_forms.json",
            json={"ticket_forms": [{"id": 140, "name": "Fallback"}]},
        )
        mock.get(
            f"{B}/api/v2/ticket_fields.json",
            json={
                "ticket_fields": [
                    {
                        "id": 150,
                        "title": "Tier",
                        "type": "tagger",
                        "custom_field_options": [{"name": "Gold", "value": "gold"}],
                    },
                    {"id": 151, "title": "Order", "type": "integer"},
                ]
            },
        )

        def search(request, context):
            email = request.qs["query"][0].split(":", 1)[1]
            known = {
                "jane@example.org": {"id": 700, "email": "jane@example.org", "organization_id": 120}
            }
            return {"users": [known[email]] if email in known else []}

        mock.get(f"{B}/api/v2/users/search.json", json=search)
        mock.get(
            f"{B}/api/v2/organizations/search.json",
            json={"organizations": [{"id": 120, "name": "ACME"}]},
        )
        mock.post(
            f"{B}/api/v2/users.json",
            status_code=201,
            json=lambda r, c: {
                "user": {"id": 800, "email": r.json()["user"]["email"], "role": "end-user"}
            },
        )
        yield mock


def mapper(rules=None, *, dry_run=False):
    rules = rules or MappingRules()
    connection = read_connection({"zendesk": {"domain": B, "oauthToken": "tok-123456"}})
    destination = Destination(
        ZendeskClient(connection, "test"), dry_run=dry_run, budget=RetryBudget(retries=3)
    )
    report = MappingReport()
    return TicketMapper(source(), destination, rules, report), report


TICKET = {
    "subject": "Help",
    "description": "first words",
    "requester_id": 1,
    "submitter_id": 1,
    "assignee_id": 2,
    "group_id": 10,
    "organization_id": 20,
    "brand_id": 30,
    "ticket_form_id": 40,
    "collaborator_ids": [4],
    "follower_ids": [3],
    "custom_fields": [
        {"id": 50, "value": "gold"},
        {"id": 51, "value": 7},
        {"id": 52, "value": "x"},
    ],
    "problem_id": 99,
    "external_id": "7",
}


def test_references_are_mapped_by_email_and_name(b):
    ticket_mapper, report = mapper()
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    assert body["requester_id"] == 700 and body["submitter_id"] == 700
    assert body["assignee_id"] == 900  # Ann is an agent of B and in Support
    assert body["group_id"] == 110 and body["brand_id"] == 130
    assert body["organization_id"] == 120  # Jane's organization in B
    assert "ticket_form_id" not in body  # B has no "Default form"
    assert "follower_ids" not in body  # Carl is no agent of B
    assert body["collaborator_ids"] == [800]  # Kim was created
    assert body["custom_fields"] == [{"id": 150, "value": "gold"}, {"id": 151, "value": 7}]
    assert "problem_id" not in body
    lines = "\n".join(report.lines())
    assert "CC: 1 created (e.g. kim@example.org)" in lines
    assert "ticket form: 1 left out (e.g. 'Default form' is not in the destination)" in lines
    assert "custom field: 2 mapped, 1 left out" in lines


def test_each_lookup_is_made_once(b):
    ticket_mapper, _ = mapper()
    for _ in range(3):
        ticket_mapper.map(TICKET, [], "ticket 7")
    paths = [r.path for r in b.request_history]
    assert paths.count("/api/v2/users/search.json") == 2  # jane and kim, once each
    # Created with Create User (create_or_update allows one a second per account).
    assert [r.method for r in b.request_history if r.path == "/api/v2/users.json"].count(
        "POST"
    ) == 1
    assert paths.count("/api/v2/ticket_fields.json") == 1
    assert ticket_mapper.destination.requests == len(b.request_history)


def test_defaults_replace_what_cannot_be_mapped(b):
    rules = MappingRules(
        on_unmapped="default", default_agent="ann@corp.test", default_ticket_form="Fallback"
    )
    ticket_mapper, report = mapper(rules)
    body = ticket_mapper.map({**TICKET, "assignee_id": 3}, [], "ticket 7")
    assert body["assignee_id"] == 900 and body["ticket_form_id"] == 140
    assert body["follower_ids"] == [900]
    assert report.counts[("assignee", "defaulted")] == 1


def test_an_assignee_outside_the_group_is_left_out(b):
    ticket_mapper, report = mapper()
    body = ticket_mapper.map({**TICKET, "assignee_id": 2, "group_id": 11}, [], "ticket 7")
    assert body["assignee_id"] == 900 and "group_id" not in body  # no Billing in B: no group
    ticket_mapper, report = mapper()
    b.get(f"{B}/api/v2/group_memberships.json", json={"group_memberships": []})
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    assert "assignee_id" not in body and body["group_id"] == 110
    assert "not in the ticket's group" in "\n".join(report.lines())


def test_the_stop_rule_names_the_ticket_and_the_reference(b):
    ticket_mapper, _ = mapper(MappingRules(on_unmapped="stop"))
    with pytest.raises(
        UnmappableError,
        match="Cannot map the ticket form of ticket 7: ticket form 'Default form' is not in the destination",
    ):
        ticket_mapper.map(TICKET, [], "ticket 7")
    ticket_mapper, _ = mapper(MappingRules(unknown_people="stop"))
    with pytest.raises(UnmappableError, match="the destination has no user kim@example.org"):
        ticket_mapper.map(TICKET, [], "ticket 7")


def test_comments_keep_order_authors_and_html(b):
    ticket_mapper, report = mapper()
    comments = [
        {
            "id": 1,
            "author_id": 1,
            "html_body": "<p>first</p>",
            "body": "first",
            "public": True,
            "created_at": "2024-01-01T10:00:00Z",
        },
        {
            "id": 2,
            "author_id": 2,
            "body": "note",
            "public": False,
            "created_at": "2024-01-01T11:00:00Z",
            "attachments": [{"file_name": "a.png"}],
        },
    ]
    body = ticket_mapper.map(TICKET, comments, "ticket 7")
    assert body["comments"] == [
        {
            "created_at": "2024-01-01T10:00:00Z",
            "public": True,
            "html_body": "<p>first</p>",
            "author_id": 700,
        },
        {"created_at": "2024-01-01T11:00:00Z", "public": False, "value": "note", "author_id": 900},
    ]
    assert "description" not in body  # the first comment is the description
    # The files are the copy engine's (copying/files): the mapping reports none of them.
    assert not any("attachments" in line for line in report.lines())


def test_a_dry_run_creates_nobody(b):
    ticket_mapper, report = mapper(dry_run=True)
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    assert body["collaborator_ids"][0] < 0  # a placeholder: nobody was created
    assert not any(r.method == "POST" for r in b.request_history)
    assert report.counts[("CC", "created")] == 1


def test_suspended_people_follow_the_unknown_people_rule(b):
    ticket_mapper, report = mapper(
        MappingRules(unknown_people="default", default_agent="bob@corp.test")
    )
    ticket_mapper.source.add(
        "users", {"id": 5, "name": "Gone", "email": "gone@corp.test", "role": "agent"}
    )
    body = ticket_mapper.map({**TICKET, "collaborator_ids": [5]}, [], "ticket 7")
    assert body["collaborator_ids"] == [901]
    assert "gone@corp.test is suspended in the destination" in "\n".join(report.lines())


def test_what_is_left_out_is_named_for_an_update_to_clear(b):
    ticket_mapper, _ = mapper()
    left_out = LeftOut()
    ticket = {
        **TICKET,
        "assignee_id": 3,  # Carl is no agent of B
        "group_id": 11,  # Billing is not in B
        "custom_fields": [{"id": 50, "value": "silver"}, {"id": 51, "value": 7}],
    }
    body = ticket_mapper.map(ticket, [], "ticket 7", left_out)
    assert "assignee_id" not in body and "group_id" not in body
    assert left_out.fields == {"assignee_id", "group_id"}
    assert left_out.custom_fields == {150}  # B's Tier has no Silver option
    assert body["custom_fields"] == [{"id": 151, "value": 7}]


def test_a_same_titled_field_of_another_type_is_named_to_clear(b):
    b.get(
        f"{B}/api/v2/ticket_fields.json",
        json={"ticket_fields": [{"id": 152, "title": "Legacy", "type": "integer"}]},
    )
    ticket_mapper, _ = mapper()
    left_out = LeftOut()
    ticket_mapper.map({**TICKET, "custom_fields": [{"id": 52, "value": "x"}]}, [], "t", left_out)
    assert left_out.custom_fields == {152}


def test_references_that_waited_are_counted_as_what_they_came_to():
    report = MappingReport()
    for _ in range(3):
        report.count("problem ticket", WAITING, "its problem is not copied yet")
    report.settle("problem ticket", MAPPED, 2)
    report.settle("problem ticket", LEFT_OUT, example="ticket 7: its problem is deleted")
    report.settle("problem ticket", MAPPED, 5)  # nothing waits any more: nothing moves
    assert report.lines() == [
        "problem ticket: 2 mapped, 1 left out (e.g. ticket 7: its problem is deleted)"
    ]
