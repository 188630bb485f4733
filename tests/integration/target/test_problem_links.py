"""Problem and incident links kept whichever comes first (issue 20): an incident copied
before its problem gets the link once the problem's copy exists, in the same run or in a
run resumed from the last STATE."""

from __future__ import annotations

import json
import random
import re
import subprocess
import time

import pytest

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import killed_after, run_target, target_config
from tests.support.copy_input import copy_input
from tests.support.live import LiveProcess
from tests.support.processes import TARGET, clean_env


def problems_and_incidents(source, *, closed: bool = False):
    """{problem id: [incident ids]} of the source's live tickets (the closed incidents with
    ``closed``, else the others), and the live ids."""
    live = source.visible_ticket_ids(exclude_deleted=True)
    tickets = {i: source.exported_ticket(i) for i in live}
    found: dict[int, list[int]] = {}
    for ticket_id, ticket in tickets.items():
        problem = ticket.get("problem_id")
        is_closed = ticket["status"] == "closed"
        if ticket.get("type") == "incident" and problem in tickets and is_closed == closed:
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


def closed_incidents(source):
    return problems_and_incidents(source, closed=True)


def states_of(stdout: str) -> list[int]:
    return [json.loads(line)["through"] for line in stdout.splitlines() if line.strip()]


def test_closed_incidents_wait_for_their_problem_and_no_state_passes_them(make_pair, tmp_path):
    """A closed copy cannot take its link later: a closed incident that comes before its
    problem is held until the problem's copy exists, and no STATE is passed on meanwhile."""
    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = closed_incidents(source)
    assert pairs, "the sandbox account has no closed incidents of live problems"
    held = [i for incidents in pairs.values() for i in incidents]
    rest = [i for i in live if i not in pairs and i not in held]
    order = held + rest[:40] + sorted(pairs) + rest[40:]  # incidents first, problems later
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    result = run_target(config, copy_input(source, order, state_every=10))
    assert result.returncode == 0, result.stderr
    assert_linked(source, destination, pairs)
    sent = re.findall(r"Sending (\d+) closed incident\(s\) held for their problem", result.stderr)
    assert sum(map(int, sent)) == len(held)
    summary = result.stderr[result.stderr.index("Mapping summary") :]
    problem_line = next(line for line in summary.splitlines() if "problem ticket:" in line)
    assert "left out" not in problem_line, problem_line
    # Positions (1-based) of the problems: no STATE before the last of them was passed on.
    last_problem = max(order.index(p) + 1 for p in pairs)
    states = states_of(result.stdout)
    assert states and states[-1] == len(order)
    assert all(through >= last_problem for through in states), states


def test_a_closed_incident_whose_problem_never_comes_goes_in_at_the_end_counted(
    make_pair, tmp_path
):
    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = closed_incidents(source)
    held = [i for incidents in pairs.values() for i in incidents]
    others = [i for i in live if i not in pairs and i not in held]
    order = held + others[:30]  # the problems are not in the input
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    result = run_target(config, copy_input(source, order, state_every=10))
    assert result.returncode == 0, result.stderr
    for incident in held:
        copy = destination.exported_ticket(copy_of(source, destination, incident)["id"])
        assert copy["status"] == "closed" and copy.get("problem_id") is None
    assert f"problem ticket: {len(held)} left out" in result.stderr
    assert "closed, and its problem is not copied" in result.stderr
    assert states_of(result.stdout) == [len(order)]  # held from the first ticket to the end


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_run_holding_closed_incidents_resumes_without_losing_a_link(
    make_pair, tmp_path, seed
):
    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = closed_incidents(source)
    held = [i for incidents in pairs.values() for i in incidents]
    rest = [i for i in live if i not in pairs and i not in held]
    order = held + rest[:40] + sorted(pairs) + rest[40:120]
    lines = copy_input(source, order, state_every=10)
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    through = killed_after(config, lines, random.Random(seed).uniform(0.2, 1.5))
    again = run_target(
        target_config(
            tmp_path, destination, name="again.json", load_method="upsert", bufferSize=10
        ),
        copy_input(source, order[through:], state_every=10, first_position=through),
    )
    assert again.returncode == 0, again.stderr
    links = [t["external_id"] for t in destination.imported_tickets()]
    assert sorted(links) == sorted(source_link(source.exported_ticket(i)) for i in order)
    assert_linked(source, destination, pairs)


def test_a_termination_signal_keeps_held_incidents_for_the_next_run(make_pair, tmp_path):
    """SIGTERM is not the end of the input: the held closed incidents are not sent without
    their link, no STATE passes them, and the next run (from the last STATE) links them."""
    import signal

    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = closed_incidents(source)
    held = [i for incidents in pairs.values() for i in incidents]
    rest = [i for i in live if i not in pairs and i not in held]
    first = held + rest[:30]  # the problems come after the signal
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    env = clean_env(TARGET_ZENDESK_TICKETS_LOGLEVEL="DEBUG")
    with LiveProcess([TARGET, "--config", str(config)], env, subprocess.PIPE) as target:
        assert target.process.stdin is not None
        target.process.stdin.write("\n".join(copy_input(source, first, state_every=10)) + "\n")
        target.process.stdin.flush()  # stdin stays open: the input has not ended
        deadline = time.monotonic() + 30
        while target.stderr.count("Holding the closed") < len(held) or not any(
            r for r in destination.import_requests()
        ):
            assert time.monotonic() < deadline, "the target did not read its input"
            time.sleep(0.05)
        time.sleep(0.5)  # the last STATE of the input read, and kept back
        target.process.send_signal(signal.SIGTERM)
        assert target.finish() == 0
    assert target.messages == []  # no STATE past the held incidents
    copied = {t["external_id"] for t in destination.imported_tickets()}
    assert not copied & {source_link(source.exported_ticket(i)) for i in held}
    assert "closed incident(s) held for their problem ticket, not sent" in target.stderr
    order = first + sorted(pairs)
    again = run_target(
        target_config(tmp_path, destination, name="again.json", load_method="upsert"),
        copy_input(source, order, state_every=10),
    )
    assert again.returncode == 0, again.stderr
    assert_linked(source, destination, pairs)


def problem_line(stderr: str) -> str:
    summary = stderr[stderr.index("Mapping summary") :]
    return next(line for line in summary.splitlines() if "problem ticket:" in line)


def assert_unlinked(source, destination, incidents):
    for incident in incidents:
        copy = destination.exported_ticket(copy_of(source, destination, incident)["id"])
        assert copy.get("problem_id") is None, incident


def test_incidents_of_a_problem_deleted_in_the_source_are_left_out_named(make_pair, tmp_path):
    """A problem deleted in the source is never copied: its incidents, open or closed, that
    came before the deletion go in without the link, named in the summary, not left
    "waiting"; the closed ones are held only until the deletion comes, not to the end."""
    source, destination = make_pair(tickets=600, overlap=0.8)
    open_pairs, live = problems_and_incidents(source)
    closed_pairs, _ = closed_incidents(source)
    open_problem, closed_problem = sorted(open_pairs)[0], sorted(closed_pairs)[0]
    open_incidents, closed = open_pairs[open_problem], closed_pairs[closed_problem]
    incidents = open_incidents + closed
    source.delete_tickets([open_problem, closed_problem])
    rest = [i for i in live if i not in incidents and i not in (open_problem, closed_problem)]
    order = incidents + rest[:20] + [open_problem, closed_problem] + rest[20:60]
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    result = run_target(config, copy_input(source, order, state_every=10))
    assert result.returncode == 0, result.stderr
    assert_unlinked(source, destination, incidents)
    line = problem_line(result.stderr)
    assert f"{len(incidents)} left out" in line and "is deleted in the source" in line, line
    assert "waiting" not in line, line
    deletion = order.index(closed_problem) + 1
    states = states_of(result.stdout)
    assert any(through < len(order) for through in states), states  # not held to the end
    assert all(through >= deletion for through in states), states


def test_incidents_after_their_problem_was_deleted_are_not_held(make_pair, tmp_path):
    source, destination = make_pair(tickets=600, overlap=0.8)
    closed_pairs, live = closed_incidents(source)
    problem = sorted(closed_pairs)[0]
    closed = closed_pairs[problem]
    source.delete_tickets([problem])
    rest = [i for i in live if i not in closed and i != problem]
    order = [problem, *rest[:20], *closed, *rest[20:40]]
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    debug = clean_env(TARGET_ZENDESK_TICKETS_LOGLEVEL="DEBUG")
    result = run_target(config, copy_input(source, order, state_every=10), env=debug)
    assert result.returncode == 0, result.stderr
    assert_unlinked(source, destination, closed)
    assert "Skipping the deleted" in result.stderr  # the DEBUG lines are there
    assert "Holding the closed" not in result.stderr
    assert states_of(result.stdout) == [
        n for n in range(10, len(order) + 1, 10) if n != len(order)
    ] + [len(order)]
    line = problem_line(result.stderr)
    assert f"{len(closed)} left out" in line and "is deleted in the source" in line, line


def open_problem_with_incidents(source):
    pairs, live = problems_and_incidents(source)
    problem = sorted(pairs)[0]
    return problem, pairs[problem], live


def test_a_problem_copied_then_deleted_keeps_its_incidents_links(make_pair, tmp_path):
    """The problem's copy was made before its deletion came (deletedTickets: keep): the
    incidents that waited for it are linked to that copy, not left out."""
    source, destination = make_pair(tickets=600, overlap=0.8)
    problem, incidents, _ = open_problem_with_incidents(source)
    before = copy_input(source, [*incidents, problem])
    source.delete_tickets([problem])
    lines = before + copy_input(source, [problem])
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=1)
    result = run_target(config, lines)
    assert result.returncode == 0, result.stderr
    assert_linked(source, destination, {problem: incidents})
    line = problem_line(result.stderr)
    assert f"problem ticket: {len(incidents)} mapped" in line, line
    assert "left out" not in line and "waiting" not in line, line


def test_a_problem_deleted_then_restored_in_one_run_gets_its_incidents(make_pair, tmp_path):
    source, destination = make_pair(tickets=600, overlap=0.8)
    problem, incidents, _ = open_problem_with_incidents(source)
    first, *others = incidents
    restored = copy_input(source, [problem])  # as it is again once restored
    head = copy_input(source, [first])
    source.delete_tickets([problem])
    deletion = copy_input(source, [problem])
    # An incident before the deletion, the others between it and the restore.
    lines = head + deletion + copy_input(source, others) + restored
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=1)
    result = run_target(config, lines)
    assert result.returncode == 0, result.stderr
    link = source_link(source.exported_ticket(problem))
    problem_copy = next(t for t in destination.imported_tickets() if t["external_id"] == link)
    for incident in incidents:
        copy = destination.exported_ticket(copy_of(source, destination, incident)["id"])
        assert copy["problem_id"] == problem_copy["id"], incident
    line = problem_line(result.stderr)
    assert f"problem ticket: {len(incidents)} mapped" in line, line


def test_an_incident_sent_twice_before_its_problem_is_counted_linked_each_time(make_pair, tmp_path):
    source, destination = make_pair(tickets=600, overlap=0.8)
    problem, incidents, _ = open_problem_with_incidents(source)
    twice = [incidents[0], *incidents]
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=1)
    result = run_target(config, copy_input(source, [*twice, problem]))
    assert result.returncode == 0, result.stderr
    assert_linked(source, destination, {problem: incidents})
    line = problem_line(result.stderr)
    assert line.endswith(f"problem ticket: {len(twice)} mapped"), line


def test_an_older_version_buffered_before_its_deletion_is_not_imported(make_pair, tmp_path):
    source, destination = make_pair(tickets=600, overlap=0.8)
    pairs, live = problems_and_incidents(source)
    ticket = next(i for i in live if i not in pairs)
    older = [line for line in copy_input(source, [ticket]) if '"STATE"' not in line]
    source.delete_tickets([ticket])
    lines = older + copy_input(source, [ticket])  # no STATE between: one buffer
    config = target_config(tmp_path, destination, load_method="upsert", bufferSize=10)
    result = run_target(config, lines)
    assert result.returncode == 0, result.stderr
    link = source_link(source.exported_ticket(ticket))
    assert all(t["external_id"] != link for t in destination.imported_tickets())
