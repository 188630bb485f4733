"""A move into a new account (issue 20): the destination, as Zendesk creates an account, gets
the structure it lacks (createMissing, createAgents), and every copy reads as its source."""

from __future__ import annotations

import dataclasses
import random

import pytest
import requests

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import killed_after, run_target, target_config
from tests.support.copy_input import copy_input
from zendesk_sandbox import Credentials, Sandbox, pair_configs

TICKETS = 120


@pytest.fixture
def move(tmp_path):
    """A realistic source and an empty destination (seats enough for the source's agents)."""
    source_config, destination_config = pair_configs(
        tickets=TICKETS, overlap=0.8, job_delay=0.05, rate_limits={}, search_delay=0.0
    )
    destination_config = dataclasses.replace(destination_config, empty=True, agent_seats=200)
    with Sandbox(source_config) as source, Sandbox(destination_config) as destination:
        yield source, destination


def settings(**extra):
    return {"load_method": "upsert", "createMissing": True, "createAgents": True, **extra}


def names(account, kind):
    return {r.id: r.name for r in getattr(account.directory.structure, kind)}


def email_of(account, user_id):
    user = account.directory.user(user_id)
    return user.email.lower() if user and user.email else None


def field_titles(account):
    return {f.id: (f.title, f.type) for f in account.directory.structure.fields}


def test_a_move_into_an_empty_account_keeps_every_reference(move, tmp_path):
    source, destination = move
    result = run_target(
        target_config(tmp_path, destination, **settings()), copy_input(source, structure=True)
    )
    assert result.returncode == 0, result.stderr
    copies = {t["external_id"]: t for t in destination.imported_tickets()}
    live = source.visible_ticket_ids(exclude_deleted=True)
    assert len(copies) == len(live)
    source_fields, copy_fields = field_titles(source), field_titles(destination)
    for ticket_id in live:
        ticket = source.exported_ticket(ticket_id)
        copy = destination.exported_ticket(copies[source_link(ticket)]["id"])
        for name, kind in (("group_id", "groups"), ("ticket_form_id", "forms")):
            if ticket.get(name) is not None:
                assert names(destination, kind)[copy[name]] == names(source, kind)[ticket[name]], (
                    ticket_id,
                    name,
                )
        if ticket.get("assignee_id") is not None:
            assert email_of(destination, copy["assignee_id"]) == email_of(
                source, ticket["assignee_id"]
            ), ticket_id
        if ticket.get("organization_id") is not None:
            assert (
                names(destination, "organizations")[copy["organization_id"]]
                == names(source, "organizations")[ticket["organization_id"]]
            ), ticket_id
        theirs = {
            source_fields[e["id"]]: e["value"]
            for e in ticket["custom_fields"]
            if e["value"] not in (None, "", []) and source_fields[e["id"]][1] != "lookup"
        }
        ours = {
            copy_fields[e["id"]]: e["value"]
            for e in copy["custom_fields"]
            if e["value"] not in (None, "", []) and copy_fields[e["id"]][0] != "Source external ID"
        }
        assert ours == theirs, ticket_id
    summary = result.stderr[result.stderr.index("Mapping summary") :]
    for kind in ("group", "organization", "ticket field", "ticket form", "agent"):
        assert "created in the destination: " in summary and f" {kind}(s) (" in summary
    left_out = [line for line in summary.splitlines() if "left out" in line]
    for line in left_out:
        assert any(
            word in line
            for word in (
                "brand",
                "sharing agreement",
                "suspended",
                "lookup",
            )
        ), line


def test_a_second_run_creates_nothing_twice(move, tmp_path):
    source, destination = move
    lines = copy_input(source, structure=True)
    first = run_target(target_config(tmp_path, destination, **settings()), lines)
    assert first.returncode == 0, first.stderr
    counts = {
        kind: len(getattr(destination.directory.structure, kind))
        for kind in ("groups", "organizations", "forms", "fields")
    }
    agents = sum(1 for u in destination.directory.people.users if u.role in ("agent", "admin"))
    second = run_target(
        target_config(tmp_path, destination, name="again.json", **settings()), lines
    )
    assert second.returncode == 0, second.stderr
    assert counts == {
        kind: len(getattr(destination.directory.structure, kind))
        for kind in ("groups", "organizations", "forms", "fields")
    }
    assert agents == sum(
        1 for u in destination.directory.people.users if u.role in ("agent", "admin")
    )
    assert "created in the destination" not in second.stderr


def test_a_dry_run_lists_what_it_would_create_and_writes_nothing(move, tmp_path):
    source, destination = move
    config = target_config(tmp_path, destination, **settings(dryRun=True))
    result = run_target(config, copy_input(source, structure=True))
    assert result.returncode == 0, result.stderr
    assert "would be created" in result.stderr
    assert destination.imported_tickets() == []
    assert len(destination.directory.structure.groups) == 1  # the default group only


def structure_counts(destination) -> dict[str, int]:
    counts = {
        kind: len(getattr(destination.directory.structure, kind))
        for kind in ("groups", "organizations", "forms", "fields")
    }
    counts["agents"] = sum(
        1 for u in destination.directory.people.users if u.role in ("agent", "admin")
    )
    return counts


@pytest.mark.parametrize("seed", [1, 2])
def test_a_killed_move_resumed_creates_nothing_twice(move, tmp_path, seed):
    source, destination = move
    ids = source.visible_ticket_ids(exclude_deleted=True)
    lines = copy_input(source, ids, structure=True, state_every=20)
    config = target_config(tmp_path, destination, **settings(bufferSize=20))
    through = killed_after(config, lines, random.Random(seed).uniform(0.3, 1.5))
    rest = copy_input(source, ids[through:], structure=True, state_every=20, first_position=through)
    again = run_target(
        target_config(tmp_path, destination, name="again.json", **settings(bufferSize=20)), rest
    )
    assert again.returncode == 0, again.stderr
    links = [t["external_id"] for t in destination.imported_tickets()]
    assert sorted(links) == sorted(source_link(source.exported_ticket(i)) for i in ids)
    resumed = structure_counts(destination)
    # A clean move into another empty account makes exactly as many of each.
    _, clean_config = pair_configs(
        tickets=TICKETS, overlap=0.8, job_delay=0.05, rate_limits={}, search_delay=0.0
    )
    clean_config = dataclasses.replace(clean_config, empty=True, agent_seats=200)
    with Sandbox(clean_config) as clean:
        whole = run_target(
            target_config(tmp_path, clean, name="clean.json", **settings(bufferSize=20)),
            copy_input(source, ids, structure=True),
        )
        assert whole.returncode == 0, whole.stderr
        assert resumed == structure_counts(clean)


def test_a_merge_uses_the_name_map_and_creates_the_rest(tmp_path):
    source_config, destination_config = pair_configs(
        tickets=TICKETS, overlap=0.8, job_delay=0.05, rate_limits={}, search_delay=0.0
    )
    with Sandbox(source_config) as source, Sandbox(destination_config) as destination:
        theirs = {g.name for g in source.directory.structure.groups}
        ours = {g.name: g.id for g in destination.directory.structure.groups}
        only_theirs = sorted(theirs - set(ours))
        assert only_theirs, "the pair shares every group"
        renamed, target_name = only_theirs[0], sorted(ours)[0]
        name_map = {"groups": {renamed: target_name}}
        before = {g.name for g in destination.directory.structure.groups}
        result = run_target(
            target_config(tmp_path, destination, **settings(nameMap=name_map)),
            copy_input(source, structure=True),
        )
        assert result.returncode == 0, result.stderr
        after = {g.name for g in destination.directory.structure.groups}
        assert renamed not in after  # mapped by the name map, not created
        assert after - before == set(only_theirs[1:])  # the rest created, each once
        copies = {t["external_id"]: t for t in destination.imported_tickets()}
        for ticket_id in source.visible_ticket_ids(exclude_deleted=True):
            ticket = source.exported_ticket(ticket_id)
            if names(source, "groups").get(ticket.get("group_id")) == renamed:
                copy = destination.exported_ticket(copies[source_link(ticket)]["id"])
                assert copy["group_id"] == ours[target_name]


def status_labels(account) -> dict[int, tuple[str, str]]:
    return {s.id: (s.category, s.agent_label) for s in account.directory.custom_statuses()}


def test_a_custom_status_the_destination_lacks_is_created_and_every_status_kept(tmp_path):
    source_config, destination_config = pair_configs(
        tickets=TICKETS, overlap=0.8, job_delay=0.05, rate_limits={}, search_delay=0.0
    )
    # The change below is exported at once (no one-minute window to wait out).
    source_config = dataclasses.replace(source_config, exclusion_window=0)
    destination_config = dataclasses.replace(destination_config, empty=True, agent_seats=200)
    with Sandbox(source_config) as source, Sandbox(destination_config) as destination:
        check_statuses_are_kept(source, destination, tmp_path)


def check_statuses_are_kept(source, destination, tmp_path):
    waiting = next(
        s for s in source.directory.custom_statuses() if s.agent_label == "Waiting on vendor"
    )
    ticket_id = next(
        i
        for i in source.visible_ticket_ids(exclude_deleted=True)
        if source.exported_ticket(i)["status"] in ("new", "open", "pending", "hold")
    )
    with requests.Session() as session:
        session.auth = Credentials().admin_basic
        answer = session.put(
            f"{source.base_url}/api/v2/tickets/{ticket_id}.json",
            json={"ticket": {"status": "pending", "custom_status_id": waiting.id}},
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    result = run_target(
        target_config(tmp_path, destination, **settings()), copy_input(source, structure=True)
    )
    assert result.returncode == 0, result.stderr
    theirs, ours = status_labels(source), status_labels(destination)
    assert waiting.id not in ours, "each account numbers its own statuses"
    copies = {t["external_id"]: t["id"] for t in destination.imported_tickets()}
    live = source.visible_ticket_ids(exclude_deleted=True)
    assert ticket_id in live and len(copies) == len(live)
    for source_id in live:
        ticket = source.exported_ticket(source_id)
        copy = destination.exported_ticket(copies[source_link(ticket)])
        assert ours[copy["custom_status_id"]] == theirs[ticket["custom_status_id"]], source_id
    assert ours[
        destination.exported_ticket(copies[source_link(source.exported_ticket(ticket_id))])[
            "custom_status_id"
        ]
    ] == ("pending", "Waiting on vendor")
    summary = result.stderr[result.stderr.index("Mapping summary") :]
    assert "created in the destination: 1 custom status(s) (Waiting on vendor)" in summary
