"""Exactly one copy: a second run updates copies in place (load_method upsert, the default).

Two realistic accounts; the input is what the tap sends with the copy streams selected.
"""

from __future__ import annotations

import requests

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import run_target, target_config
from tests.support.copy_input import copy_input
from zendesk_sandbox import Credentials

TICKETS = 40


def api(account):
    session = requests.Session()
    session.auth = Credentials().admin_basic
    return session


def put(account, ticket_id, ticket):
    with api(account) as session:
        answer = session.put(
            f"{account.base_url}/api/v2/tickets/{ticket_id}.json",
            json={"ticket": ticket},
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["ticket"]


def copies_by_link(destination):
    found: dict[str, list[dict]] = {}
    for ticket in destination.imported_tickets():
        found.setdefault(ticket["external_id"], []).append(ticket)
    return found


def current(destination, ticket_id):
    return destination.exported_ticket(ticket_id)


def upsert_config(tmp_path, destination, **overrides):
    return target_config(tmp_path, destination, load_method="upsert", **overrides)


def live_ids(source):
    return source.visible_ticket_ids(exclude_deleted=True)


def test_a_second_run_updates_copies_in_place_and_adds_only_new_tickets(make_pair, tmp_path):
    source, destination = make_pair(tickets=TICKETS, overlap=0.8)
    first = run_target(upsert_config(tmp_path, destination), copy_input(source))
    assert first.returncode == 0, first.stderr
    links = {source_link(source.exported_ticket(i)): i for i in live_ids(source)}
    assert set(copies_by_link(destination)) == set(links)

    # Changes in the source: an update, a new comment, new tickets, a deletion; and a copy
    # closed in the destination meanwhile.
    open_ids = [
        i
        for i in live_ids(source)
        if source.exported_ticket(i)["status"] in ("open", "new", "pending")
    ]
    changed, commented, closed_copy, deleted = open_ids[:4]
    put(source, changed, {"subject": "Changed in the source", "tags": ["moved"]})
    author = source.exported_ticket(commented)["requester_id"]
    put(
        source,
        commented,
        {"comment": {"body": "A late reply", "public": True, "author_id": author}},
    )
    put(source, closed_copy, {"priority": "urgent"})
    new_ids = source.add_tickets(3)
    source.delete_tickets([deleted])
    copy_of_closed = copies_by_link(destination)[source_link(source.exported_ticket(closed_copy))][
        0
    ]
    put(destination, copy_of_closed["id"], {"status": "closed"})
    source.advance_clock(120)  # the export shows changes a minute old

    second_input = copy_input(source, [changed, commented, closed_copy, deleted, *new_ids])
    second = run_target(upsert_config(tmp_path, destination, name="second.json"), second_input)
    assert second.returncode == 0, second.stderr

    copies = copies_by_link(destination)
    assert all(len(found) == 1 for found in copies.values()), "a ticket copied twice"
    expected = {source_link(source.exported_ticket(i)) for i in live_ids(source)} | {
        source_link(source.exported_ticket(deleted))  # its copy stays (deletedTickets: keep)
    }
    assert set(copies) == expected
    changed_copy = current(
        destination, copies[source_link(source.exported_ticket(changed))][0]["id"]
    )
    assert changed_copy["subject"] == "Changed in the source"
    assert changed_copy["tags"] == ["moved"]
    commented_copy = copies[source_link(source.exported_ticket(commented))][0]
    bodies = [c["body"] for c in destination.comments(commented_copy["id"])]
    assert len(bodies) == len(source.comments(commented))
    assert "A late reply" in bodies[-1] and "in the source account" in bodies[-1]
    assert current(destination, copy_of_closed["id"])["priority"] != "urgent"
    text = second.stderr
    assert "left closed (a closed copy cannot change)" in text
    assert "deleted in the source, copy kept" in text
    assert "3 imported" in text


def test_a_deleted_source_ticket_can_delete_its_copy(make_pair, tmp_path):
    source, destination = make_pair(tickets=10, overlap=0.8)
    assert run_target(upsert_config(tmp_path, destination), copy_input(source)).returncode == 0
    victim = live_ids(source)[0]
    link = source_link(source.exported_ticket(victim))
    copy = copies_by_link(destination)[link][0]
    source.delete_tickets([victim])
    config = upsert_config(tmp_path, destination, name="second.json", deletedTickets="delete")
    result = run_target(config, copy_input(source, [victim]))
    assert result.returncode == 0, result.stderr
    assert destination.account.ticket_state(copy["id"]) == "deleted"
    assert "deleted in the source, copy deleted" in result.stderr


def test_closed_copies_fail_the_run_when_asked(make_pair, tmp_path):
    source, destination = make_pair(tickets=10, overlap=0.8)
    assert run_target(upsert_config(tmp_path, destination), copy_input(source)).returncode == 0
    ticket_id = next(
        i for i in live_ids(source) if source.exported_ticket(i)["status"] in ("open", "new")
    )
    copy = copies_by_link(destination)[source_link(source.exported_ticket(ticket_id))][0]
    put(destination, copy["id"], {"status": "closed"})
    put(source, ticket_id, {"subject": "changed"})
    config = upsert_config(tmp_path, destination, name="second.json", closedCopies="fail")
    result = run_target(config, copy_input(source, [ticket_id]))
    assert result.returncode == 1
    assert (
        "is closed in the destination and cannot be updated (closedCopies: fail)"
        in result.errors()[-1]
    )


def test_the_source_s_own_external_id_is_kept_beside_the_link(make_pair, tmp_path):
    source, destination = make_pair(tickets=30, overlap=0.8)
    assert run_target(upsert_config(tmp_path, destination), copy_input(source)).returncode == 0
    fields = {f.title: f.id for f in destination.directory.structure.fields}
    field_id = fields["Source external ID"]
    with_own = [i for i in live_ids(source) if source.exported_ticket(i).get("external_id")]
    assert with_own
    copies = copies_by_link(destination)
    for ticket_id in with_own:
        ticket = source.exported_ticket(ticket_id)
        copy = copies[source_link(ticket)][0]
        values = {e["id"]: e["value"] for e in copy["custom_fields"]}
        assert values[field_id] == ticket["external_id"]
