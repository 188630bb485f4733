"""Closed incidents held for their problem: one version of a ticket at a time, taken out
when their problem is ready, counted without walking the lists."""

from __future__ import annotations

from target_zendesk_tickets.copying.held_incidents import HeldIncident, HeldIncidents
from target_zendesk_tickets.copying.source import SourceTicket
from target_zendesk_tickets.importing.batches import TicketRef

HOST = "zendesk:a.zendesk.com"


def incident(source_id: int, version: str = "v1") -> HeldIncident:
    link = f"{HOST}:{source_id}"
    ticket = SourceTicket({"status": "closed", "subject": version}, TicketRef(source_id, link, 1))
    return HeldIncident("tickets", ticket, [{"id": source_id * 10}])


def test_incidents_are_taken_when_their_problem_is_ready_in_the_order_held():
    held = HeldIncidents()
    held.hold(f"{HOST}:1", incident(5))
    held.hold(f"{HOST}:2", incident(6))
    held.hold(f"{HOST}:1", incident(7))
    assert len(held) == 3 and sorted(held.problems) == [f"{HOST}:1", f"{HOST}:2"]
    taken = list(held.take(lambda problem: problem == f"{HOST}:1"))
    assert [h.ticket.ref.source_id for h in taken] == [5, 7]
    assert len(held) == 1 and held.problems == [f"{HOST}:2"]
    assert [h.ticket.ref.source_id for h in held.take_all()] == [6]
    assert len(held) == 0 and held.drop(f"{HOST}:6") == []


def test_a_newer_version_replaces_the_held_one_and_a_drop_takes_it_out():
    held = HeldIncidents()
    held.hold(f"{HOST}:1", incident(5, "old"))
    held.hold(f"{HOST}:1", incident(5, "new"))
    assert len(held) == 1
    [dropped] = held.drop(f"{HOST}:5")
    assert dropped.ticket.body == {"status": "closed", "subject": "new"}
    assert len(held) == 0 and held.problems == []


def test_the_limit_says_when_no_more_are_held():
    held = HeldIncidents(limit=2)
    held.hold(f"{HOST}:1", incident(5))
    assert not held.full
    held.hold(f"{HOST}:1", incident(6))
    assert held.full
    held.drop(f"{HOST}:5")
    assert not held.full


def test_a_problem_waited_for_across_max_states_states_is_given_up():
    from target_zendesk_tickets.copying.held_incidents import MAX_STATES

    held = HeldIncidents()
    held.states = 3
    held.hold(f"{HOST}:1", incident(5))
    held.states += MAX_STATES - 1
    assert not held.waited_too_long(f"{HOST}:1")
    held.states += 1
    assert held.waited_too_long(f"{HOST}:1")
    assert [h.ticket.ref.source_id for h in held.take(held.waited_too_long)] == [5]
