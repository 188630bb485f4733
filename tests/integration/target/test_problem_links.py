"""Problem and incident links kept whichever comes first (issue 20): an incident copied
before its problem gets the link once the problem's copy exists, in the same run or in a
run resumed from the last STATE."""

from __future__ import annotations

import json

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import run_target, target_config
from tests.support.copy_input import copy_input


def problems_and_incidents(source):
    """{problem id: [open incident ids]} of the source's live tickets."""
    live = source.visible_ticket_ids(exclude_deleted=True)
    tickets = {i: source.exported_ticket(i) for i in live}
    found: dict[int, list[int]] = {}
    for ticket_id, ticket in tickets.items():
        problem = ticket.get("problem_id")
        if ticket.get("type") == "incident" and problem in tickets and ticket["status"] != "closed":
            found.setdefault(problem, []).append(ticket_id)
    return found, live


def incident_lines(pairs: dict[int, list[int]]) -> list[str]:
    """The tap's ticket_incidents stream: a problem's incidents, before the problem."""
    lines = [
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": "ticket_incidents",
                "schema": {
                    "type": "object",
                    "properties": {
                        "problem_id": {"type": "integer"},
                        "incident_id": {"type": "integer"},
                    },
                },
                "key_properties": ["problem_id", "incident_id"],
            }
        )
    ]
    for problem, incidents in pairs.items():
        for incident in incidents:
            record = {"problem_id": problem, "incident_id": incident}
            lines.append(
                json.dumps({"type": "RECORD", "stream": "ticket_incidents", "record": record})
            )
    return lines


def copy_of(source, destination, ticket_id):
    link = source_link(source.exported_ticket(ticket_id))
    return next(t for t in destination.imported_tickets() if t["external_id"] == link)


def assert_linked(source, destination, pairs):
    checked = 0
    for problem, incidents in pairs.items():
        problem_copy = copy_of(source, destination, problem)
        for incident in incidents:
            incident_copy = destination.exported_ticket(
                copy_of(source, destination, incident)["id"]
            )
            assert incident_copy["problem_id"] == problem_copy["id"], (problem, incident)
            checked += 1
    assert checked


def test_incidents_before_their_problem_are_linked_in_the_same_run(make_pair, tmp_path):
    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = problems_and_incidents(source)
    assert pairs, "the sandbox account has no open incidents of live problems"
    problems = set(pairs)
    order = [i for i in live if i not in problems] + sorted(problems)  # every problem last
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    result = run_target(config, copy_input(source, order, state_every=10))
    assert result.returncode == 0, result.stderr
    assert_linked(source, destination, pairs)
    assert "incidents linked to their problem's copy" in result.stderr


def test_a_run_resumed_after_the_incidents_links_them_when_the_problem_comes(make_pair, tmp_path):
    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = problems_and_incidents(source)
    problems = set(pairs)
    first = [i for i in live if i not in problems]
    config = target_config(tmp_path, destination, load_method="upsert")
    # A run that ends (as a crash would) after the incidents, before any problem.
    assert run_target(config, copy_input(source, first)).returncode == 0
    # The next run brings the problems, with the tap's list of their incidents.
    rest = copy_input(source, sorted(problems))
    again = run_target(
        target_config(tmp_path, destination, name="again.json", load_method="upsert"),
        incident_lines(pairs) + rest,
    )
    assert again.returncode == 0, again.stderr
    assert_linked(source, destination, pairs)
