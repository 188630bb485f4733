"""A run interrupted anywhere and resumed from the last STATE it printed misses no ticket
and repeats only tickets emitted after that STATE.

The account is a realistic one and the runs select the tap's default streams: the
records of what tickets refer to (users, groups, ...) go out among the tickets, and the
tickets and their STATE are the same as without them."""

import json
import random
import signal
import subprocess

import pytest

from tap_zendesk_tickets.bookmarks import format_timestamp
from tests.support.configs import tap_config
from tests.support.processes import TAP, clean_env, parse_lines, run_tap

PAGE = 50


@pytest.fixture(scope="module")
def account():
    """1,500 tickets with a cluster of more than 1,000 sharing one second (22 pages of 50)."""
    from zendesk_sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(tickets=1500, rate_limits={})) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def reference(account, tmp_path_factory):
    run = run_tap(tap_config(tmp_path_factory.mktemp("ref"), account.base_url, pageSize=PAGE))
    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in run.tickets] == account.visible_ticket_ids()
    return run


def _records_before_each_state(run):
    """(number of tickets emitted before it, state) for every STATE of a run."""
    emitted, result = 0, []
    for message in run.messages:
        if message["type"] == "RECORD" and message["stream"] == "tickets":
            emitted += 1
        elif message["type"] == "STATE" and message["value"]["bookmarks"].get("tickets"):
            result.append((emitted, message["value"]))
    return result


def _largest_cluster(records):
    by_second = {}
    for index, record in enumerate(records):
        by_second.setdefault(record["generated_timestamp"], []).append(index)
    return max(by_second.values(), key=len)


def test_the_account_has_a_cluster_bigger_than_a_page(reference):
    assert len(_largest_cluster(reference.tickets)) > 1000 > PAGE


def test_resume_from_every_kind_of_page_boundary(account, reference, tmp_path):
    checkpoints = _records_before_each_state(reference)
    cluster = _largest_cluster(reference.tickets)
    inside_cluster = [c for c in checkpoints if cluster[0] < c[0] < cluster[-1]]
    chosen = [
        checkpoints[0],
        checkpoints[len(checkpoints) // 3],
        inside_cluster[len(inside_cluster) // 2],
        checkpoints[-2],
        checkpoints[-1],
    ]
    for emitted, state in chosen:
        resumed = run_tap(tap_config(tmp_path, account.base_url, pageSize=PAGE), state=state)
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.tickets == reference.tickets[emitted:], f"resume after {emitted} records"


@pytest.mark.parametrize("where", ["mid_page", "inside_cluster", "cluster_start", "last_ticket"])
def test_resume_from_a_position_without_cursor(account, reference, tmp_path, where):
    records = reference.tickets
    cluster = _largest_cluster(records)
    index = {
        "mid_page": PAGE * 3 + PAGE // 2,
        "inside_cluster": cluster[len(cluster) // 2] + 7,
        "cluster_start": cluster[0],
        "last_ticket": len(records) - 1,
    }[where]
    last = records[index]
    # The seed's position format, here with a +02:00 offset.
    offset = format_timestamp(last["generated_timestamp"] + 7200).replace("Z", "+02:00")
    state = {"bookmarks": {"tickets": {"last_modified_time": offset, "id": last["id"]}}}
    resumed = run_tap(tap_config(tmp_path, account.base_url, pageSize=PAGE), state=state)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.tickets == records[index + 1 :]


def _killed_run(base_url, tmp_path, kill_after_records):
    config = tap_config(tmp_path, base_url, name="kill.json", pageSize=PAGE, pollingPeriod="5ms")
    process = subprocess.Popen(
        [TAP, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_env(),
    )
    lines, records = [], 0
    for line in process.stdout:
        lines.append(line)
        if '"type":"RECORD","stream":"tickets"' in line.replace(" ", ""):
            records += 1
            if records >= kill_after_records:
                process.send_signal(signal.SIGKILL)
                break
    lines.extend(process.stdout.read().splitlines(keepends=True))
    process.wait(timeout=30)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    # The last line may have been cut by the kill; a reader of the pipe drops it.
    complete = [line for line in lines if line.endswith("\n")]
    return parse_lines("".join(complete))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_anywhere_then_resume_from_the_last_state_printed(
    account, reference, tmp_path, seed
):
    total = len(reference.tickets)
    kill_after = random.Random(seed).randrange(PAGE // 2, total - PAGE // 2)
    messages = _killed_run(account.base_url, tmp_path, kill_after)
    emitted = [
        m["record"]["id"] for m in messages if m.get("stream") == "tickets" and "record" in m
    ]
    assert len(emitted) >= kill_after

    last_state_at = max(i for i, m in enumerate(messages) if m["type"] == "STATE")
    last_state = messages[last_state_at]["value"]
    before_state = [
        m["record"]["id"]
        for m in messages[:last_state_at]
        if m["type"] == "RECORD" and m["stream"] == "tickets"
    ]
    after_state = emitted[len(before_state) :]

    resumed = run_tap(tap_config(tmp_path, account.base_url, pageSize=PAGE), state=last_state)
    assert resumed.returncode == 0, resumed.stderr
    resumed_ids = [r["id"] for r in resumed.tickets]

    all_ids = [r["id"] for r in reference.tickets]
    assert sorted(set(before_state) | set(resumed_ids)) == sorted(all_ids)  # nothing missed
    assert not set(before_state) & set(resumed_ids)  # nothing before the STATE repeated
    assert set(emitted) & set(resumed_ids) <= set(after_state)
    assert before_state + resumed_ids == all_ids
    json.dumps(last_state)  # the state is plain JSON, as Meltano stores it
