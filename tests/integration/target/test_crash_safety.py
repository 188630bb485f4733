"""A target killed at any moment (SIGKILL) and run again from its last STATE leaves every
ticket in the destination exactly once (upsert), or at least once with nothing before the
last STATE twice (append-only, which reads nothing of the destination)."""

from __future__ import annotations

import random
import subprocess
import time

import pytest

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import target_config
from tests.support.copy_input import copy_input
from tests.support.live import LiveProcess
from tests.support.processes import TARGET, clean_env

TICKETS = 60
STATE_EVERY = 10


def run_until_killed(config, lines, delay):
    """Start the target, kill it with SIGKILL after ``delay`` seconds; the STATEs it printed."""
    with LiveProcess(
        [TARGET, "--config", str(config)], env=clean_env(), stdin=subprocess.PIPE
    ) as target:
        assert target.process.stdin is not None
        target.process.stdin.write("\n".join(lines) + "\n")
        target.process.stdin.close()
        time.sleep(delay)
        target.process.kill()
        target.process.wait(timeout=10)
        target.finish()
        return [m for m in target.messages if "through" in m]


@pytest.mark.parametrize("load_method", ["upsert", "append-only"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_run_resumed_from_its_last_state_copies_every_ticket_once(
    make_pair, tmp_path, load_method, seed
):
    source, destination = make_pair(
        tickets=TICKETS, overlap=0.8, job_delay=0.3, exclusion_window=1.0
    )
    ids = source.visible_ticket_ids(exclude_deleted=True)
    lines = copy_input(source, ids, state_every=STATE_EVERY)
    settings = {
        "load_method": load_method,
        "bufferSize": STATE_EVERY,
        "maxJobsInFlight": 3,
        "destinationExportLag": "1.5s",
    }
    delay = random.Random(seed).uniform(0.3, 3.0)  # before, during or after calls and polls
    states = run_until_killed(target_config(tmp_path, destination, **settings), lines, delay)
    through = states[-1]["through"] if states else 0
    # What the tap sends from that STATE on: the tickets after it (references again).
    rest = copy_input(source, ids[through:], state_every=STATE_EVERY, first_position=through)
    config = target_config(tmp_path, destination, name="again.json", **settings)
    with LiveProcess(
        [TARGET, "--config", str(config)], env=clean_env(), stdin=subprocess.PIPE
    ) as again:
        assert again.process.stdin is not None
        again.process.stdin.write("\n".join(rest) + "\n")
        again.process.stdin.close()
        assert again.finish(timeout=120) == 0, again.stderr
    keys = [t["external_id"] for t in destination.imported_tickets()]
    expected = [
        source_link(source.exported_ticket(i))
        if load_method == "upsert"
        else (source.exported_ticket(i).get("external_id") or str(i))
        for i in ids
    ]
    if load_method == "upsert":
        assert sorted(keys) == sorted(expected), f"killed after {delay:.2f}s at STATE {through}"
        return
    # append-only: every ticket is there; only what came after the last STATE may be twice.
    assert set(keys) == set(expected), f"killed after {delay:.2f}s at STATE {through}"
    twice = {key for key in keys if keys.count(key) > 1}
    assert twice <= set(expected[through:]), f"imported twice before the last STATE: {twice}"
    assert all(keys.count(key) <= 2 for key in twice)
