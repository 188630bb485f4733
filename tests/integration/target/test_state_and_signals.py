"""When STATE comes out, a quiet or failing tap, and termination signals: live runs."""

import itertools
import signal
import subprocess
import time

import pytest

from tests.integration.target.harness import (
    expected_external_id,
    exported_tickets,
    imported_by_external_id,
    record_line,
    schema_line,
    singer_input,
    state_line,
    target_config,
)
from tests.support.live import LiveProcess
from tests.support.processes import TARGET, clean_env

JOB_DELAY = 0.4


@pytest.fixture
def source(make_sandbox):
    return make_sandbox(tickets=400, rate_limits={})


@pytest.fixture
def destination(make_sandbox):
    return make_sandbox(tickets=0, job_delay=JOB_DELAY, rate_limits={})


def start(config, **env):
    return LiveProcess(
        [TARGET, "--config", str(config)], env=clean_env(**env), stdin=subprocess.PIPE
    )


def send(target, lines):
    target.process.stdin.write("".join(line + "\n" for line in lines))
    target.process.stdin.flush()


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_each_state_comes_out_only_after_its_records_jobs_completed_in_order(
    source, destination, tmp_path
):
    tickets = exported_tickets(source, 60)
    config = target_config(tmp_path, destination, maxJobsInFlight=4)
    with start(config) as target:
        send(target, singer_input(tickets, state_every=10))
        target.process.stdin.close()
        for count in range(1, 7):
            target.read_until(lambda messages, n=count: len(messages) >= n)
            seen_at = destination.now()
            assert target.messages[-1] == {"through": 10 * count}  # in input order
            # Every batch before this STATE was imported, and its job had had its full time.
            imported = imported_by_external_id(destination)
            assert {expected_external_id(t) for t in tickets[: 10 * count]} <= set(imported)
            requests = destination.import_requests()
            assert seen_at - requests[count - 1]["time"] >= JOB_DELAY
        assert target.finish() == 0
    assert target.messages == [{"through": n} for n in (10, 20, 30, 40, 50, 60)]
    # Several jobs were in flight at once: imports were not serialised behind their jobs.
    times = [r["time"] for r in destination.import_requests()]
    assert any(b - a < JOB_DELAY for a, b in itertools.pairwise(times))


def test_no_state_after_a_failed_batch_even_when_later_batches_complete(
    source, destination, tmp_path
):
    tickets = exported_tickets(source, 50)
    tickets[25]["type"] = "complaint"  # batch 3 fails inside its job
    config = target_config(tmp_path, destination, bufferSize=10, maxJobsInFlight=5)
    with start(config) as target:
        send(target, singer_input(tickets, state_every=10))
        target.process.stdin.close()
        assert target.finish() == 1
    assert target.messages == [{"through": 10}, {"through": 20}]
    assert "Type: complaint is not valid" in target.stderr


def test_a_quiet_tap_still_gets_its_states(source, destination, tmp_path):
    tickets = exported_tickets(source, 8)
    with start(target_config(tmp_path, destination)) as target:
        send(target, [schema_line(), *map(record_line, tickets[:5]), state_line({"page": 1})])
        target.read_until(lambda messages: messages == [{"page": 1}])  # stdin still open
        send(target, [*map(record_line, tickets[5:]), state_line({"page": 2})])
        target.read_until(lambda messages: messages[-1:] == [{"page": 2}])
        assert target.process.poll() is None
        target.process.stdin.close()
        assert target.finish() == 0
    assert len(imported_by_external_id(destination)) == 8


def test_a_failed_job_stops_a_target_waiting_on_a_quiet_tap(source, destination, tmp_path):
    tickets = exported_tickets(source, 3)
    tickets[1]["status"] = "archived-ish"
    with start(target_config(tmp_path, destination)) as target:
        send(target, [schema_line(), *map(record_line, tickets), state_line({"page": 1})])
        # stdin stays open: the main thread is blocked reading it when the job fails
        returncode = target.process.wait(timeout=15)
        assert returncode == 1
        target.finish()
    assert target.messages == []
    assert "Status: archived-ish is not valid" in target.stderr
    assert "Traceback" not in target.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_termination_signal_finishes_what_was_read_and_exits_0(
    source, destination, tmp_path, signum
):
    tickets = exported_tickets(source, 250)
    config = target_config(tmp_path, destination)
    with start(config, TARGET_ZENDESK_TICKETS_LOGLEVEL="DEBUG") as target:
        send(
            target, [schema_line(), *map(record_line, tickets[:200]), state_line({"through": 200})]
        )
        send(target, list(map(record_line, tickets[200:])))  # 50 more, no STATE yet
        wait_for(lambda: len(destination.import_requests()) == 2)
        # The SDK logs each record it has processed at DEBUG: wait until all 250 are read.
        wait_for(lambda: target.stderr.count("Processed record") == 250)
        target.process.send_signal(signum)
        assert target.finish() == 0
    assert target.messages == [{"through": 200}]
    assert [len(r["tickets"]) for r in destination.import_requests()] == [100, 100, 50]
    assert len(imported_by_external_id(destination)) == 250  # every record read, once
    assert "Received termination signal" in target.stderr


def test_a_termination_signal_while_jobs_are_in_flight_waits_for_them(
    source, make_sandbox, tmp_path
):
    destination = make_sandbox(tickets=0, job_delay=1.5, rate_limits={})
    tickets = exported_tickets(source, 30)
    with start(target_config(tmp_path, destination)) as target:
        send(target, singer_input(tickets, state_every=10))
        # Each STATE sends the batch before it, so a third import means all three were read.
        wait_for(lambda: len(destination.import_requests()) == 3)
        target.process.send_signal(signal.SIGTERM)
        assert target.finish() == 0
    assert target.messages == [{"through": 10}, {"through": 20}, {"through": 30}]
    assert len(imported_by_external_id(destination)) == 30


def test_a_second_signal_stops_at_once(source, make_sandbox, tmp_path):
    destination = make_sandbox(tickets=0, job_delay=30, rate_limits={})
    tickets = exported_tickets(source, 10)
    with start(target_config(tmp_path, destination)) as target:
        send(target, singer_input(tickets))
        wait_for(lambda: len(destination.import_requests()) == 1)
        target.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        target.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert target.process.wait(timeout=10) == 1
        assert time.monotonic() - started < 5
        target.finish()
    assert target.messages == []
    assert "Stopped by a second termination signal" in target.stderr
