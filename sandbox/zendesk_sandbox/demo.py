"""The demo pipeline behind ``make``: tap-zendesk-tickets | target-zendesk-tickets between
two sandbox accounts, with progress while it runs and a summary at the end.

The two accounts overlap like two real ones (``pair_configs``): the source holds a few
thousand generated tickets with their people and conversations, the destination starts
with no tickets. Both keep their state in ``.demo/`` (``source/``, ``destination/``), and
the target's last STATE is kept in ``.demo/state.json``: the next ``make`` first changes
some tickets in the source, then resumes from that state, so it moves only what changed,
into the destination as the last run left it. ``make demo-fresh`` starts over.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import IO

import requests

from zendesk_sandbox import Credentials, Sandbox, SandboxConfig, pair_configs
from zendesk_sandbox.account.store import StateMismatchError

BIN = Path(sys.executable).parent
WORKDIR = Path(".demo")
# The destination is as strict as Zendesk (people, structure, the import's rules): the
# target maps every reference of the source into it.
DESTINATION_PEOPLE = True
#: The accounts' export leaves out this much of the most recent activity: Zendesk's minute.
#: The target finds what hides there without waiting (destinationExportLag left at 61 s).
EXCLUSION_WINDOW = 60.0
#: Files not copied named in the summary (the target's log names every one).
FILES_SHOWN = 5


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
                if line.startswith(b'{"type":"RECORD","stream":"tickets"'):
                    self.records += 1  # tickets only: people, comments... are records too
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
    """Simulate a day of activity: edit 25 tickets, reply on 5 (one reply with a file),
    delete 5, add 20."""
    ids = [
        ticket_id
        for ticket_id in source.visible_ticket_ids(exclude_deleted=True)
        if source.exported_ticket(ticket_id)["status"] != "closed"  # Zendesk keeps those
    ]
    changed = source.update_tickets(ids[::37][:25], {"priority": "urgent"})
    with requests.Session() as session:
        session.auth = Credentials().admin_basic
        for number, ticket_id in enumerate(ids[10:15]):
            requester = source.exported_ticket(ticket_id)["requester_id"]
            comment = {"body": "Any news?", "author_id": requester}
            if number == 0:  # a reply with a file: the copy's new comment brings it
                upload = session.post(
                    f"{source.base_url}/api/v2/uploads.json",
                    params={"filename": "error-message.txt"},
                    data=b"Error 500 when I sign in, every time since Monday.\n",
                    headers={"Content-Type": "text/plain"},
                    timeout=30,
                )
                comment["uploads"] = [upload.json()["upload"]["token"]]
            session.put(
                f"{source.base_url}/api/v2/tickets/{ticket_id}.json",
                json={"ticket": {"comment": comment}},
                timeout=30,
            )
    deleted = source.delete_tickets(ids[50:55])
    added = source.add_tickets(20)
    source.advance_clock(120)  # past the export's exclusion window
    return len(changed) + 5 + len(deleted) + len(added)


#: The tap's streams a move needs: the tickets, what they refer to, their comments, and
#: what creating the source's structure and keeping problem links takes (its analytics
#: streams are for a warehouse; the target leaves them out).
COPY_STREAMS = frozenset(
    {
        "tickets",
        "users",
        "groups",
        "organizations",
        "brands",
        "ticket_forms",
        "ticket_fields",
        "ticket_comments",
        "custom_statuses",
        "group_memberships",
        "organization_memberships",
        "user_fields",
        "organization_fields",
        "custom_roles",
        "ticket_incidents",
    }
)


def selected_catalog(tap: list[str], streams: Collection[str] | None = None) -> dict:
    """The tap's discovered catalog (``tap --discover``) with exactly ``streams`` selected
    (None: every stream)."""
    found = subprocess.run([*tap, "--discover"], capture_output=True, check=True)
    catalog = json.loads(found.stdout)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                chosen = streams is None or entry["tap_stream_id"] in streams
                item["metadata"]["selected"] = chosen
    return catalog


def copy_catalog(tap: list[str]) -> dict:
    """The tap's catalog with the streams a copy needs selected."""
    return selected_catalog(tap, COPY_STREAMS)


def run_pipeline(
    source: Sandbox, destination: Sandbox, state_path: Path
) -> tuple[Relay, StateReader, int, int]:
    tap_config = WORKDIR / "tap.json"
    target_config = WORKDIR / "target.json"
    tap_config.write_text(
        json.dumps(plugin_config(source.base_url, pollingPeriod="1s", pageSize=500))
    )
    target_config.write_text(
        json.dumps(
            plugin_config(
                destination.base_url,
                jobPollInterval="100ms",
                createMissing=True,
                createAgents=True,
            )
        )
    )
    tap_args = [str(BIN / "tap-zendesk-tickets"), "--config", str(tap_config)]
    catalog = WORKDIR / "catalog.json"
    catalog.write_text(json.dumps(copy_catalog(tap_args)))
    tap_args += ["--catalog", str(catalog)]
    if state_path.exists():
        tap_args += ["--state", str(state_path)]
    target_args = [str(BIN / "target-zendesk-tickets"), "--config", str(target_config)]
    print("$ " + " ".join(tap_args) + " \\\n    | " + " ".join(target_args))

    with (WORKDIR / "pipeline.log").open("wb") as log:
        tap = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=log)
        target = subprocess.Popen(
            target_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
        )
        # All three are pipes (stdout=PIPE, stdin=PIPE).
        assert tap.stdout is not None
        assert target.stdin is not None
        assert target.stdout is not None
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


def source_port(saved: Path) -> int:
    """The source account's port: the one of the first run, saved beside the accounts."""
    if saved.exists():
        return int(saved.read_text())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    saved.write_text(str(port))
    return port


def target_summary(log: Path) -> list[str]:
    """The target's own summary lines: the copies, and what the mapping did."""
    lines = log.read_text(errors="replace").splitlines()
    wanted = []
    for number, line in enumerate(lines):
        text = line.split("| ", 3)[-1].strip() if "| " in line else line
        if text.startswith("Copies ("):
            how, _, what = text.partition("): ")
            wanted += [f"{how}):", *(f"  {part}" for part in what.split("; "))]
        elif text.startswith("Files:"):
            # What the files did, and a few of those not copied (all are in the log).
            wanted.append(text)
            shown = [
                "  " + follow.split("| ", 3)[-1].strip()
                for follow in lines[number + 1 :]
                if "|   not copied:" in follow
            ]
            wanted += [line for line in shown if " ... and " not in line][:FILES_SHOWN]
            found = re.search(r"(\d+) not copied", text)
            more = (int(found.group(1)) if found else len(shown)) - FILES_SHOWN
            if more > 0:
                wanted.append(f"  ... and {more} more, each in {log}")
        elif text.startswith("Mapping summary"):
            wanted.append(text)
            wanted += [
                "  " + follow.split("| ", 3)[-1].strip()
                for follow in lines[number + 1 :]
                if "|   " in follow and "|   not copied:" not in follow
            ]
    return wanted


def demo_configs(tickets: int) -> tuple[SandboxConfig, SandboxConfig]:
    """The demo's source and destination: a realistic account and a new one to move it to."""
    source_config, destination_config = pair_configs(
        tickets=tickets, state_dir=WORKDIR, overlap=0.8
    )
    source_config.rate_limits = {"incremental-exports": (10, 10.0)}
    # The copies link to their source by its address (zendesk:<host>:<id>): the source keeps
    # its port from run to run, as a Zendesk account keeps its subdomain.
    source_config.port = source_port(WORKDIR / "source-port")
    destination_config.job_delay = 0.3
    # Files cost one upload each on the destination: give it the High Volume add-on's budget
    # (2,500 requests a minute), so that the demo does not sit out Enterprise's minutes.
    destination_config.rate_limits = {**destination_config.rate_limits, "account": (2500, 60.0)}
    destination_config.people = DESTINATION_PEOPLE
    # A move into a new account: it has only what Zendesk creates with an account, and the
    # target creates the rest (createMissing, createAgents), with seats for every agent.
    destination_config.empty = True
    destination_config.agent_seats = 200
    for config in (source_config, destination_config):
        config.exclusion_window = EXCLUSION_WINDOW
    return source_config, destination_config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--fresh", action="store_true", help="forget the saved state first")
    args = parser.parse_args()
    WORKDIR.mkdir(exist_ok=True)
    state_path = WORKDIR / "state.json"
    if args.fresh:
        state_path.unlink(missing_ok=True)
        (WORKDIR / "source-port").unlink(missing_ok=True)
        for account in ("source", "destination"):
            shutil.rmtree(WORKDIR / account, ignore_errors=True)

    source_config, destination_config = demo_configs(args.tickets)
    try:
        source, destination = Sandbox(source_config), Sandbox(destination_config)
    except StateMismatchError as error:
        print(f"{error}\nRun `make demo-fresh` to start over.", file=sys.stderr)
        return 1
    with source, destination:
        before = destination.stats()["imported"]
        people = len(source.directory.people.users)
        print(
            f"Source account:      {source.base_url} ({args.tickets:,} tickets, {people:,} people)"
        )
        kept = (
            f"{before:,} tickets from earlier runs"
            if before
            else "a new account: no tickets, none of the source's structure yet"
        )
        print(f"Destination account: {destination.base_url} ({kept})")
        if state_path.exists():
            changes = change_some_tickets(source)
            print(
                f"Saved state found in {state_path}: {changes} changes since; copying "
                "only those (updating the copies in place)."
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
    print(
        f"  tickets imported:   {imported['imported'] - before:,} this run, "
        f"{imported['imported']:,} in all (deleted tickets are skipped)"
    )
    print(f"  jobs:               {imported['jobs']}")
    for line in target_summary(WORKDIR / "pipeline.log"):
        print(f"  {line}")
    print(f"  time taken:         {elapsed:.1f} s")
    print(f"  final bookmark:     {json.dumps(bookmark)}")
    print(f"  logs:               {WORKDIR / 'pipeline.log'}; state saved to {state_path}")
    print(f"  accounts kept in:   {WORKDIR / 'source'} and {WORKDIR / 'destination'}")
    print("Run `make` again to copy only what changed, or `make demo-fresh` to start over.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
