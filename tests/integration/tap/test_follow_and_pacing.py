"""follow mode with SIGTERM, pacing under the sandbox's rate limit, recent bookmarks."""

import itertools
import signal
import time

from tap_zendesk_tickets.bookmarks import format_timestamp
from tests.support.configs import tap_config
from tests.support.live import LiveProcess
from tests.support.processes import TAP, clean_env, run_tap


def _last_is_state_after(ids):
    def done(messages):
        seen = {
            m["record"]["id"]
            for m in messages
            if m["type"] == "RECORD" and m["stream"] == "tickets"
        }
        return ids <= seen and messages[-1]["type"] == "STATE"

    return done


def test_follow_mode_emits_changes_as_they_come_and_stops_cleanly_on_sigterm(
    make_sandbox, tmp_path
):
    sandbox = make_sandbox(tickets=100, rate_limits={})
    config = tap_config(tmp_path, sandbox.base_url, follow=True, pollingPeriod="50ms")
    with LiveProcess([TAP, "--config", str(config)], env=clean_env()) as tap:
        tap.read_until(_last_is_state_after(set(sandbox.visible_ticket_ids())))
        first_pass = len(tap.records())

        updated = sandbox.update_tickets([5, 6], {"subject": "changed while following"})
        added = sandbox.add_tickets(3)
        sandbox.advance_clock(120)  # past the export's one-minute exclusion window
        tap.read_until(_last_is_state_after(set(updated) | set(added)))
        assert tap.process.poll() is None  # still following

        tap.process.send_signal(signal.SIGTERM)
        assert tap.finish() == 0

    new = tap.records()[first_pass:]
    assert sorted(r["id"] for r in new) == sorted(updated + added)
    assert all(r["subject"] == "changed while following" for r in new if r["id"] in updated)
    assert tap.messages[-1]["type"] == "STATE"
    final = tap.messages[-1]["value"]["bookmarks"]["tickets"]
    assert final["id"] == tap.records()[-1]["id"]

    # Resuming from the state printed at shutdown finds nothing new.
    resumed = run_tap(
        tap_config(tmp_path, sandbox.base_url, name="again.json"), state=tap.messages[-1]["value"]
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.tickets == []


def test_sigterm_while_waiting_keeps_the_last_state(make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=60, rate_limits={})
    config = tap_config(tmp_path, sandbox.base_url, follow=True, pollingPeriod="1m")
    with LiveProcess([TAP, "--config", str(config)], env=clean_env()) as tap:
        tap.read_until(_last_is_state_after(set(sandbox.visible_ticket_ids())))
        time.sleep(0.2)  # now inside the one-minute wait between polls
        tap.process.send_signal(signal.SIGINT)
        assert tap.finish(timeout=10) == 0
    assert tap.messages[-1]["type"] == "STATE"
    assert tap.messages[-1]["value"]["bookmarks"]["tickets"]["id"] == tap.records()[-1]["id"]


def test_pacing_by_rate_limit_headers_avoids_429(make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=300, rate_limits={"incremental-exports": (4, 0.5)})
    run = run_tap(
        tap_config(tmp_path, sandbox.base_url, pageSize=25)
    )  # 12+ pages, no pollingPeriod
    assert run.returncode == 0, run.stderr
    statuses = [e["status"] for e in sandbox.request_log() if e["route"] == "export"]
    assert len(statuses) >= 12
    assert 429 not in statuses
    assert "no requests left in this rate-limit window" in run.stderr
    assert [r["id"] for r in run.tickets] == sandbox.visible_ticket_ids()


def test_polling_period_spaces_requests(make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=100, rate_limits={})
    run = run_tap(tap_config(tmp_path, sandbox.base_url, pageSize=25, pollingPeriod="150ms"))
    assert run.returncode == 0, run.stderr
    times = [e["time"] for e in sandbox.request_log() if e["route"] == "export"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) >= 3
    # Measured where the requests arrive: the first one also opened the connection, so
    # single gaps jitter by a few tens of milliseconds; their mean cannot fall short.
    assert sum(gaps) / len(gaps) >= 0.14


def test_a_bookmark_from_the_last_minute_is_resumed_without_a_rejected_start_time(
    make_sandbox, tmp_path
):
    sandbox = make_sandbox(tickets=40, rate_limits={})
    updated = sandbox.update_tickets([1, 2])  # changed now: inside the excluded last minute
    # A position without cursor, ten seconds old: asking from that second would be refused
    # (422 "Too recent start_time"); the tap asks from more than a minute back instead.
    state = {
        "bookmarks": {
            "tickets": {"last_modified_time": format_timestamp(sandbox.now() - 10), "id": 1}
        }
    }
    resumed = run_tap(tap_config(tmp_path, sandbox.base_url), state=state)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.tickets == []
    statuses = [e["status"] for e in sandbox.request_log() if e["route"] == "export"]
    assert statuses == [200]

    sandbox.advance_clock(120)  # the changes leave the excluded minute
    later = run_tap(
        tap_config(tmp_path, sandbox.base_url, name="later.json"), state=resumed.states[-1]
    )
    assert later.returncode == 0, later.stderr
    assert sorted(r["id"] for r in later.tickets) == sorted(updated)
