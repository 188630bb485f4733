"""Exactly once without idling: the destination's export leaves out its last minute, and the
target finds what hides there instead of waiting it out.

Both accounts run at the sandbox's defaults (the export leaves out the last 60 s, jobs take
0.5 s, Enterprise rate limits) and the target at its own (``destinationExportLag`` 61 s,
upsert). A run that waited the minute out would say so ("reading its end again") and take
a minute: every test here checks the log instead of a clock.
"""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

import requests

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import run_target
from tests.support.copy_input import copy_input
from tests.support.live import LiveProcess
from tests.support.processes import TARGET, clean_env, write_json
from zendesk_sandbox import Credentials, Sandbox
from zendesk_sandbox.config import default_rate_limits

WAITED = "reading its end again"
#: The sandbox as zendesk-sandbox starts it (the fixtures' own defaults are faster).
DEFAULTS: dict[str, Any] = {
    "job_delay": 0.5,
    "rate_limits": default_rate_limits(),
    "search_delay": 60.0,
}
#: Request-log routes that read the destination's tickets.
TICKET_READS = {"tickets", "export", "search", "comments"}


def default_config(tmp_path, destination: Sandbox, name: str = "target.json", **settings: Any):
    """The target's settings as a user leaves them: only the account."""
    config = {
        "zendesk": {
            "domain": destination.base_url,
            "userName": Credentials.admin_email,
            "apiToken": Credentials.admin_token,
        },
        **settings,
    }
    return write_json(tmp_path / name, config)


def copies_by_link(destination: Sandbox) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for ticket in destination.imported_tickets():
        found.setdefault(ticket["external_id"], []).append(ticket)
    return found


def assert_each_once(source: Sandbox, destination: Sandbox, ids: list[int]) -> None:
    copies = copies_by_link(destination)
    links = {source_link(source.exported_ticket(i)) for i in ids}
    assert links <= set(copies), f"not copied: {sorted(links - set(copies))[:5]}"
    twice = {link: len(found) for link, found in copies.items() if len(found) > 1}
    assert not twice, f"copied more than once: {twice}"


def found_hidden(log: str) -> int:
    """How many tickets inside the export's lag the scan found without waiting."""
    found = re.findall(r"\((\d+) changed in the last minute found without waiting\)", log)
    assert found, "the destination's export was not read"
    return int(found[-1])


def live_ids(source: Sandbox) -> list[int]:
    return source.visible_ticket_ids(exclude_deleted=True)


def test_a_first_copy_into_an_empty_account_waits_for_nothing(make_pair, tmp_path):
    source, destination = make_pair(tickets=250, **DEFAULTS)
    result = run_target(default_config(tmp_path, destination), copy_input(source))
    assert result.returncode == 0, result.stderr
    assert_each_once(source, destination, live_ids(source))
    assert WAITED not in result.stderr
    assert "Reading the destination's export to find every copy" in result.stderr


def test_a_copy_into_an_account_with_another_source_s_copies_waits_for_nothing(
    make_pair, make_account, tmp_path
):
    source, destination = make_pair(tickets=120, **DEFAULTS)
    other = make_account(tickets=120, account=2, seed=7, **DEFAULTS)
    # Another source's copies went in just before: all of them inside the export's lag.
    first = run_target(default_config(tmp_path, destination, name="other.json"), copy_input(other))
    assert first.returncode == 0, first.stderr
    result = run_target(default_config(tmp_path, destination), copy_input(source))
    assert result.returncode == 0, result.stderr
    assert_each_once(source, destination, live_ids(source))
    assert_each_once(other, destination, live_ids(other))
    assert WAITED not in first.stderr + result.stderr
    assert found_hidden(result.stderr) >= len(live_ids(other))  # the other copies, all hidden


def test_a_second_run_of_the_same_input_inside_the_lag_copies_nothing_twice(make_pair, tmp_path):
    source, destination = make_pair(tickets=250, **DEFAULTS)
    lines = copy_input(source)
    first = run_target(default_config(tmp_path, destination), lines)
    assert first.returncode == 0, first.stderr
    second = run_target(default_config(tmp_path, destination, name="second.json"), lines)
    assert second.returncode == 0, second.stderr
    assert_each_once(source, destination, live_ids(source))
    assert len(destination.imported_tickets()) == len(live_ids(source))
    assert WAITED not in first.stderr + second.stderr
    assert "0 imported" in second.stderr
    assert found_hidden(second.stderr) > 200  # the first run's copies, inside the lag


def test_a_run_right_after_a_killed_run_s_jobs_completed_finds_every_copy(make_pair, tmp_path):
    source, destination = make_pair(tickets=250, **DEFAULTS)
    ids = live_ids(source)
    lines = copy_input(source, ids, state_every=50)
    config = default_config(tmp_path, destination)
    with LiveProcess([TARGET, "--config", str(config)], clean_env(), subprocess.PIPE) as killed:
        assert killed.process.stdin is not None
        killed.process.stdin.write("\n".join(lines) + "\n")
        killed.process.stdin.close()
        deadline = time.monotonic() + 60
        while len(destination.jobs()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # until its second job is queued
        killed.process.kill()
        killed.process.wait(timeout=10)
        killed.finish()
        states = [m for m in killed.messages if "through" in m]
    while destination.account.inflight_jobs()[0]:
        time.sleep(0.05)  # its jobs complete: their tickets are in, inside the export's lag
    through = states[-1]["through"] if states else 0
    assert len(destination.imported_tickets()) > through  # it imported past its last STATE
    rest = copy_input(source, ids[through:], state_every=50, first_position=through)
    again = run_target(default_config(tmp_path, destination, name="again.json"), rest)
    assert again.returncode == 0, again.stderr
    assert_each_once(source, destination, ids)
    assert WAITED not in again.stderr
    assert found_hidden(again.stderr) > 0


def test_append_only_reads_nothing_of_the_destination_s_tickets(make_pair, tmp_path):
    source, destination = make_pair(tickets=120, **DEFAULTS)
    config = default_config(tmp_path, destination, load_method="append-only")
    result = run_target(config, copy_input(source))
    assert result.returncode == 0, result.stderr
    reads = [e for e in destination.request_log() if e["route"] in TICKET_READS]
    assert reads == []
    assert len(destination.imported_tickets()) == len(live_ids(source))


# Values the destination cannot hold -------------------------------------------------------


def session_for(account: Sandbox) -> requests.Session:
    session = requests.Session()
    session.auth = Credentials().admin_basic
    return session


def put(account: Sandbox, ticket_id: int, ticket: dict) -> None:
    with session_for(account) as session:
        answer = session.put(
            f"{account.base_url}/api/v2/tickets/{ticket_id}.json",
            json={"ticket": ticket},
            timeout=30,
        )
    assert answer.status_code == 200, answer.text


def shared_fields(source: Sandbox, destination: Sandbox) -> dict[str, tuple[Any, Any]]:
    """Custom fields both accounts have (same title and type): title -> (theirs, ours)."""
    ours = {(f.title, f.type): f for f in destination.directory.structure.fields}
    return {
        f.title: (f, ours[(f.title, f.type)])
        for f in source.directory.structure.fields
        if (f.title, f.type) in ours and f.custom
    }


def test_an_update_clears_what_the_destination_cannot_hold(make_pair, tmp_path):
    source, destination = make_pair(tickets=40, **DEFAULTS)
    fields = shared_fields(source, destination)
    dropdown = next(pair for pair in fields.values() if pair[0].type == "tagger")
    multiselect = next(pair for pair in fields.values() if pair[0].type == "multiselect")
    text = next(pair for pair in fields.values() if pair[0].type == "text")

    def common(field_pair):  # an option both accounts have
        theirs, ours = field_pair
        return next(o.value for o in theirs.options if o.value in ours.option_values)

    def only_theirs(field_pair):  # an option the destination lacks
        theirs, ours = field_pair
        return next(o.value for o in theirs.options if o.value not in ours.option_values)

    ticket_id = next(
        i for i in live_ids(source) if source.exported_ticket(i)["status"] in ("open", "new")
    )
    put(
        source,
        ticket_id,
        {
            "custom_fields": [
                {"id": dropdown[0].id, "value": common(dropdown)},
                {"id": multiselect[0].id, "value": [common(multiselect)]},
                {"id": text[0].id, "value": "kept until cleared"},
            ]
        },
    )
    source.advance_clock(120)
    first = run_target(default_config(tmp_path, destination), copy_input(source))
    assert first.returncode == 0, first.stderr
    copy_id = copies_by_link(destination)[source_link(source.exported_ticket(ticket_id))][0]["id"]

    def values() -> dict[int, Any]:
        return {e["id"]: e["value"] for e in destination.exported_ticket(copy_id)["custom_fields"]}

    assert values()[dropdown[1].id] == common(dropdown)
    assert values()[multiselect[1].id] == [common(multiselect)]
    assert values()[text[1].id] == "kept until cleared"

    put(
        source,
        ticket_id,
        {
            "custom_fields": [
                {"id": dropdown[0].id, "value": only_theirs(dropdown)},
                {"id": multiselect[0].id, "value": [only_theirs(multiselect)]},
                {"id": text[0].id, "value": None},
            ]
        },
    )
    source.advance_clock(120)
    second = run_target(
        default_config(tmp_path, destination, name="second.json"), copy_input(source, [ticket_id])
    )
    assert second.returncode == 0, second.stderr
    now = values()
    assert now.get(dropdown[1].id) in (None, "")
    assert now.get(multiselect[1].id) in (None, [])
    assert now.get(text[1].id) in (None, "")
    assert "custom field option" in second.stderr  # named in the summary as left out


def test_new_replies_reach_their_copies_when_lists_carry_no_comment_count(make_pair, tmp_path):
    source, destination = make_pair(tickets=30, **DEFAULTS, comment_count_outside_export=False)
    first = run_target(default_config(tmp_path, destination), copy_input(source))
    assert first.returncode == 0, first.stderr
    replied = [
        i
        for i in live_ids(source)
        if source.exported_ticket(i)["status"] in ("open", "new", "pending")
    ][:8]
    assert replied
    for number, ticket_id in enumerate(replied):
        author = source.exported_ticket(ticket_id)["requester_id"]
        for reply in range(1 + number % 2):  # one or two new replies
            put(
                source,
                ticket_id,
                {"comment": {"body": f"Reply {reply} to {ticket_id}", "author_id": author}},
            )
    source.advance_clock(120)
    second = run_target(
        default_config(tmp_path, destination, name="second.json"), copy_input(source, replied)
    )
    assert second.returncode == 0, second.stderr
    assert "carry no comment_count" in second.stderr
    copies = copies_by_link(destination)
    for ticket_id in replied:
        copy = copies[source_link(source.exported_ticket(ticket_id))][0]
        bodies = [c["body"] for c in destination.comments(copy["id"])]
        assert len(bodies) == len(source.comments(ticket_id)), ticket_id
        for reply in range(1 + replied.index(ticket_id) % 2):
            assert sum(f"Reply {reply} to {ticket_id}" in body for body in bodies) == 1
