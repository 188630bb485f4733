"""createMissing and createAgents against a mocked destination: what is missing is created
once, with a link to its source, and found by that link afterwards."""

from __future__ import annotations

import re

import pytest
import requests_mock as rm

from target_zendesk_tickets.copying.creation import StructureCreator, object_link
from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.mapper import MappingRules, TicketMapper
from target_zendesk_tickets.copying.mapping_report import MappingReport
from target_zendesk_tickets.copying.references import SourceReferences
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget, RetryPolicy
from zendesk_api.settings import read_connection

A, B = "https://source.zendesk.com", "https://copy.zendesk.com"


def source() -> SourceReferences:
    refs = SourceReferences()
    refs.add("users", {"id": 1, "name": "Jane", "email": "jane@example.org", "role": "end-user"})
    refs.add("users", {"id": 2, "name": "Ann", "email": "ann@corp.test", "role": "agent"})
    refs.add("groups", {"id": 10, "name": "Billing", "url": f"{A}/api/v2/groups/10.json"})
    refs.add("group_memberships", {"user_id": 2, "group_id": 10})
    refs.add(
        "organizations",
        {
            "id": 20,
            "name": "Acme",
            "url": f"{A}/api/v2/organizations/20.json",
            "domain_names": ["acme.test"],
            "notes": "VIP",
        },
    )
    refs.add(
        "ticket_fields",
        {
            "id": 50,
            "title": "Tier",
            "type": "tagger",
            "url": f"{A}/api/v2/ticket_fields/50.json",
            "custom_field_options": [
                {"name": "Gold", "value": "gold"},
                {"name": "Silver", "value": "silver"},
            ],
        },
    )
    refs.add("ticket_fields", {"id": 51, "title": "Lookup", "type": "lookup"})
    refs.add("ticket_forms", {"id": 40, "name": "Returns", "ticket_field_ids": [50]})
    return refs


class FakeDestination:
    """Lists that grow with what is created; every create recorded."""

    def __init__(self, mock: rm.Mocker) -> None:
        self.mock = mock
        self.lists = {
            "groups": [{"id": 110, "name": "Support"}],
            "ticket_fields": [],
            "ticket_forms": [],
            "users": [],
            "group_memberships": [],
            "user_fields": [],
            "organization_fields": [],
        }
        self.organizations: list[dict] = []
        self.created: list[tuple[str, dict]] = []
        for kind in self.lists:
            mock.get(
                re.compile(f"{B}/api/v2/{kind}.json"),
                json=lambda r, c, kind=kind: {kind: self.lists[kind], "meta": {"has_more": False}},
            )
        mock.get(f"{B}/api/v2/users/search.json", json={"users": []})
        #: Memberships the destination had before the run: (user id, organization id).
        self.members: list[tuple[int, int]] = []
        mock.get(
            re.compile(f"{B}/api/v2/users/\\d+/organization_memberships.json"),
            json=lambda r, c: {
                "organization_memberships": [
                    {"user_id": user, "organization_id": organization}
                    for user, organization in self.members
                    + [
                        (m["user_id"], m["organization_id"])
                        for m in self.made("organization_memberships")
                    ]
                    if f"/users/{user}/" in r.path
                ],
                "meta": {"has_more": False},
            },
        )
        mock.get(
            f"{B}/api/v2/organizations/search.json",
            json=lambda r, c: {
                "organizations": [
                    o
                    for o in self.organizations
                    if o.get("external_id") == r.qs.get("external_id", [None])[0]
                    or o["name"].lower() == r.qs.get("name", [""])[0]
                ]
            },
        )
        for kind, key in (
            ("groups", "group"),
            ("organizations", "organization"),
            ("ticket_fields", "ticket_field"),
            ("ticket_forms", "ticket_form"),
            ("group_memberships", "group_membership"),
            ("organization_memberships", "organization_membership"),
            ("users", "user"),
        ):
            mock.post(f"{B}/api/v2/{kind}.json", json=self._create(kind, key), status_code=201)

    def _create(self, kind, key):
        def answer(request, context):
            body = dict(request.json()[key])
            body["id"] = 900 + len(self.created)
            self.created.append((kind, body))
            if kind == "organizations":
                self.organizations.append(body)
            elif kind in self.lists:
                self.lists[kind].append(body)
            return {key: body}

        return answer

    def made(self, kind: str) -> list[dict]:
        return [body for made_kind, body in self.created if made_kind == kind]


@pytest.fixture
def b():
    with rm.Mocker() as mock:
        yield FakeDestination(mock)


def mapper(**rules):
    connection = read_connection({"zendesk": {"domain": B, "oauthToken": "tok-123456"}})
    policy = RetryPolicy(backoff=0.0, default_retry_after=0.0, sleep=lambda _: None)
    destination = Destination(
        ZendeskClient(connection, "test", policy=policy),
        dry_run=False,
        budget=RetryBudget(retries=0),
    )
    refs = source()
    rules = MappingRules(**rules)
    creator = StructureCreator(destination, refs, stop_on_refusal=False, dry_run=False)
    return TicketMapper(refs, destination, rules, MappingReport(), creator), creator


TICKET = {
    "subject": "Help",
    "requester_id": 1,
    "group_id": 10,
    "organization_id": 20,
    "assignee_id": 2,
    "ticket_form_id": 40,
    "custom_fields": [{"id": 50, "value": "silver"}, {"id": 51, "value": 7}],
}


def test_what_the_destination_lacks_is_created_once(b):
    ticket_mapper, creator = mapper(create_missing=True, create_agents=True)
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    again = ticket_mapper.map(TICKET, [], "ticket 8")
    group = b.made("groups")
    assert [g["name"] for g in group] == ["Billing"]
    assert "Copied from zendesk:source.zendesk.com:group:10" in group[0]["description"]
    assert body["group_id"] == group[0]["id"] == again["group_id"]
    org = b.made("organizations")
    assert [o["name"] for o in org] == ["Acme"]
    assert org[0]["external_id"] == "zendesk:source.zendesk.com:organization:20"
    assert org[0]["domain_names"] == ["acme.test"] and org[0]["notes"] == "VIP"
    assert body["organization_id"] == org[0]["id"]
    # The requester (created for the ticket) is created in the organization: the ticket keeps it.
    jane = next(u for u in b.made("users") if u["email"] == "jane@example.org")
    assert jane["organization_id"] == org[0]["id"]
    field = b.made("ticket_fields")
    assert [f["title"] for f in field] == ["Tier"]
    assert body["custom_fields"] == [{"id": field[0]["id"], "value": "silver"}]
    form = b.made("ticket_forms")
    assert form[0]["name"] == "Returns" and form[0]["ticket_field_ids"] == [field[0]["id"]]
    agent = [u for u in b.made("users") if u.get("role") == "agent"]
    assert [a["email"] for a in agent] == ["ann@corp.test"]
    assert b.made("group_memberships") == [
        {
            "user_id": agent[0]["id"],
            "group_id": group[0]["id"],
            "id": b.made("group_memberships")[0]["id"],
        }
    ]
    assert body["assignee_id"] == agent[0]["id"]
    lines = "\n".join(creator.lines())
    assert "created in the destination: 1 group(s) (Billing)" in lines
    assert len(b.made("groups")) == 1 and len(b.made("ticket_forms")) == 1  # not twice


def test_a_created_group_is_found_by_its_link_after_a_rename(b):
    b.lists["groups"].append(
        {
            "id": 777,
            "name": "Old name",
            "description": "Copied from zendesk:source.zendesk.com:group:10",
        }
    )
    ticket_mapper, _ = mapper(create_missing=True)
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    assert body["group_id"] == 777
    assert b.made("groups") == []


def test_name_map_is_applied_before_matching(b):
    b.lists["groups"].append({"id": 555, "name": "Finance"})
    ticket_mapper, _ = mapper(create_missing=True, name_map={"groups": {"billing": "Finance"}})
    assert ticket_mapper.map(TICKET, [], "ticket 7")["group_id"] == 555
    assert b.made("groups") == []


def test_lookup_fields_are_left_out_and_counted(b):
    ticket_mapper, _ = mapper(create_missing=True)
    ticket_mapper.map(TICKET, [], "ticket 7")
    lines = ticket_mapper.report.lines()
    assert any("'Lookup' (lookup)" in line for line in lines)


def test_a_missing_option_is_added_to_the_existing_field(b):
    b.lists["ticket_fields"].append(
        {
            "id": 300,
            "title": "Tier",
            "type": "tagger",
            "custom_field_options": [{"id": 1, "name": "Gold", "value": "gold"}],
        }
    )
    sent = []

    def update(request, context):
        sent.append(request.json()["ticket_field"])
        field = {**b.lists["ticket_fields"][0], **request.json()["ticket_field"]}
        b.lists["ticket_fields"][0] = field
        return {"ticket_field": field}

    b.mock.put(f"{B}/api/v2/ticket_fields/300.json", json=update)
    ticket_mapper, _ = mapper(create_missing=True)
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    assert body["custom_fields"] == [{"id": 300, "value": "silver"}]
    assert sent[0]["custom_field_options"][-1] == {"name": "Silver", "value": "silver"}
    assert sent[0]["custom_field_options"][0]["id"] == 1  # the existing option kept
    assert b.made("ticket_fields") == []


def test_an_existing_requester_joins_the_organization(b):
    b.mock.get(
        f"{B}/api/v2/users/search.json",
        json={"users": [{"id": 600, "email": "jane@example.org", "role": "end-user"}]},
    )
    ticket_mapper, _ = mapper(create_missing=True)
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    membership = b.made("organization_memberships")
    assert membership[0]["user_id"] == 600
    assert body["organization_id"] == membership[0]["organization_id"]


def test_without_create_missing_nothing_but_people_is_created(b):
    ticket_mapper, _ = mapper()
    body = ticket_mapper.map(TICKET, [], "ticket 7")
    assert {kind for kind, _ in b.created} <= {"users"}  # the requester (unknownPeople)
    assert "group_id" not in body and "organization_id" not in body
    assert "ticket_form_id" not in body and "assignee_id" not in body


def test_object_links_name_the_source_account():
    assert object_link("groups", {"id": 3, "url": f"{A}/api/v2/groups/3.json"}) == (
        "zendesk:source.zendesk.com:group:3"
    )
    assert object_link("groups", {"id": 3}) is None


def test_a_created_checkbox_keeps_the_tag_it_adds(b):
    ticket_mapper, _ = mapper(create_missing=True)
    refs = ticket_mapper.source
    refs.add(
        "ticket_fields",
        {"id": 52, "title": "Urgent", "type": "checkbox", "tag": "urgent_box", "url": f"{A}/x"},
    )
    body = ticket_mapper.map({**TICKET, "custom_fields": [{"id": 52, "value": True}]}, [], "t 9")
    [field] = [f for f in b.made("ticket_fields") if f["title"] == "Urgent"]
    assert field["tag"] == "urgent_box"
    assert body["custom_fields"] == [{"id": field["id"], "value": True}]


def test_a_requester_already_in_the_organization_keeps_it_and_nothing_is_created(b):
    """A user record names its default organization only: the ticket's may be another one
    the requester belongs to (their memberships are read, once)."""
    b.mock.get(
        f"{B}/api/v2/users/search.json",
        json={
            "users": [
                {"id": 600, "email": "jane@example.org", "role": "end-user", "organization_id": 5}
            ]
        },
    )
    b.organizations.append({"id": 777, "name": "Acme"})
    b.members += [(600, 5), (600, 777)]
    for create_missing in (True, False):
        ticket_mapper, _ = mapper(create_missing=create_missing)
        body = ticket_mapper.map(TICKET, [], "ticket 7")
        assert body["organization_id"] == 777
    assert b.made("organization_memberships") == []
