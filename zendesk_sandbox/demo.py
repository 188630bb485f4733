"""The demo pipeline behind ``make``: tap-zendesk-tickets | target-zendesk-tickets between
two sandbox accounts, with progress while it runs and a summary at the end.

The source account holds a few thousand generated tickets (the same ones every time); the
destination starts empty. The target's last STATE is kept in ``.demo/state.json``: the next
``make`` first changes some tickets in the source, then resumes from that state, so it moves
only what changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from zendesk_sandbox import Credentials, Sandbox, SandboxConfig

BIN = Path(sys.executable).parent
WORKDIR = Path(".demo")


def plugin_config(base_url: str, **settings: object) -> dict:
    return {
        "zendesk": {
            "domain": base_url,
            "userName": Credentials.admin_email,
            "apiToken": Credentials.admin_token,
        },
        **settings,
    }


class Relay(threading.Thread):
    """Copies the tap's output into the target's input, counting RECORD messages."""

    def __init__(self, source: IO[bytes], sink: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.source, self.sink = source, sink
        self.records = 0

    def run(self) -> None:
        try:
            for line in self.source:
                if line.startswith(b'{"type":"RECORD"'):
                    self.records += 1
                self.sink.write(line)
        finally:
            self.sink.close()


class StateReader(threading.Thread):
    """Keeps the last STATE line the target printed."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.source = source
        self.states = 0
        self.last: dict | None = None

    def run(self) -> None:
        for line in self.source:
            if line.strip():
                self.last = json.loads(line)
                self.states += 1


def change_some_tickets(source: Sandbox) -> int:
    """Simulate a day of activity: edit 25 tickets, delete 5, add 20."""
    ids = source.visible_ticket_ids()
    changed = source.update_tickets(ids[::97][:25], {"priority": "urgent"})
    deleted = source.delete_tickets(ids[50:55])
    added = source.add_tickets(20)
    source.advance_clock(120)  # past the export's one-minute exclusion window
    return len(changed) + len(deleted) + len(added)


def run_pipeline(
    source: Sandbox, destination: Sandbox, state_path: Path
) -> tuple[Relay, StateReader, int, int]:
    tap_config = WORKDIR / "tap.json"
    target_config = WORKDIR / "target.json"
    tap_config.write_text(
        json.dumps(plugin_config(source.base_url, pollingPeriod="1s", pageSize=500))
    )
    target_config.write_text(
        json.dumps(plugin_config(destination.base_url, jobPollInterval="100ms", maxJobsInFlight=4))
    )
    tap_args = [str(BIN / "tap-zendesk-tickets"), "--config", str(tap_config)]
    if state_path.exists():
        tap_args += ["--state", str(state_path)]
    target_args = [str(BIN / "target-zendesk-tickets"), "--config", str(target_config)]
    print("$ " + " ".join(tap_args) + " \\\n    | " + " ".join(target_args))

    with (WORKDIR / "pipeline.log").open("wb") as log:
        tap = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=log)
        target = subprocess.Popen(
            target_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
        )
        relay, states = Relay(tap.stdout, target.stdin), StateReader(target.stdout)
        relay.start()
        states.start()
        while target.poll() is None or tap.poll() is None:
            show_progress(relay, destination, states)
            time.sleep(0.25)
        relay.join()
        states.join()
        show_progress(relay, destination, states, final=True)
    return relay, states, tap.returncode, target.returncode


def show_progress(
    relay: Relay, destination: Sandbox, states: StateReader, *, final: bool = False
) -> None:
    stats = destination.stats()
    line = (
        f"  exported {relay.records:>6,} | imported {stats['imported']:>6,} | "
        f"import jobs {stats['jobs']:>4} ({stats['active_jobs']} running) | "
        f"STATE {states.states:>3}"
    )
    if sys.stdout.isatty():
        print("\r" + line, end="\n" if final else "", flush=True)
    elif final:
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--fresh", action="store_true", help="forget the saved state first")
    args = parser.parse_args()
    WORKDIR.mkdir(exist_ok=True)
    state_path = WORKDIR / "state.json"
    if args.fresh:
        state_path.unlink(missing_ok=True)

    source_config = SandboxConfig(
        tickets=args.tickets, rate_limits={"incremental-exports": (10, 10.0)}
    )
    with (
        Sandbox(source_config) as source,
        Sandbox(SandboxConfig(tickets=0, job_delay=0.3)) as destination,
    ):
        print(f"Source account:      {source.base_url} ({args.tickets:,} tickets)")
        print(f"Destination account: {destination.base_url} (empty)")
        if state_path.exists():
            changes = change_some_tickets(source)
            print(
                f"Saved state found in {state_path}: {changes} tickets changed since; "
                "moving only those."
            )
        started = time.monotonic()
        relay, states, tap_code, target_code = run_pipeline(source, destination, state_path)
        elapsed = time.monotonic() - started
        imported = destination.stats()

    if tap_code or target_code:
        print(
            f"\nThe pipeline failed (tap exit {tap_code}, target exit {target_code}); "
            f"see {WORKDIR / 'pipeline.log'}",
            file=sys.stderr,
        )
        return 1
    if states.last is not None:
        state_path.write_text(json.dumps(states.last))
    bookmark = (states.last or {}).get("bookmarks", {}).get("tickets", {})
    print("\nSummary")
    print(f"  tickets exported:   {relay.records:,}")
    print(f"  tickets imported:   {imported['imported']:,} (deleted tickets are skipped)")
    print(f"  import jobs:        {imported['jobs']}")
    print(f"  time taken:         {elapsed:.1f} s")
    print(f"  final bookmark:     {json.dumps(bookmark)}")
    print(f"  logs:               {WORKDIR / 'pipeline.log'}; state saved to {state_path}")
    print("Run `make` again to move only what changed, or `make demo-fresh` to start over.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
