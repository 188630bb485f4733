"""target-zendesk-tickets against the local sandbox: throughput with jobs in flight, polls, memory.

    python benchmarks/bench_target.py            # 20,000 tickets; memory at 20,000 and 200,000
    python benchmarks/bench_target.py --quick    # 2,000 tickets; memory at 2,000 and 20,000

1. Throughput against a minimal pipelined client (``minimal_importer.py``: the same input,
   the same import bodies, the same jobs in flight, a show_many every 10 ms while it
   waits), on fresh sandbox accounts whose jobs take 0.2 s, then 2 s. Goal: the target at
   least 0.8x the minimal client with 0.2 s jobs. "Import phase" runs from the first import
   request the sandbox receives to the process's exit, so start-up is left out.
2. The speed-up of the default jobs in flight over one job at a time (2 s jobs).
3. Job-status calls per second of import phase (goal: at most one a second on average).
4. Memory. Peak RSS (``ru_maxrss`` of the target process alone) for N and 10N tickets; memory
   must be bounded by the buffers and jobs in flight, not by the input, so the two should be
   within 20 %. Jobs take 0.05 s here and 30 may be in flight, which only makes it faster.

The sandbox runs in this process with its rate limits off (the point is the target's own
throughput); the target is the real console script, reading a Singer file on stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from target_zendesk_tickets.settings import DEFAULTS  # noqa: E402
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig  # noqa: E402

TARGET = str(Path(sys.executable).parent / "target-zendesk-tickets")
MINIMAL = str(ROOT / "benchmarks" / "minimal_importer.py")
SCHEMA = json.loads((ROOT / "tap_zendesk_tickets/schemas/tickets.json").read_text())
STATE_EVERY = 1000  # as tap-zendesk-tickets does: one STATE per export page
# Runs the target as its only child and prints the child's peak RSS (KiB). Measuring from a
# small process matters: a child forked from this one (which holds the sandboxes) would
# count this process's pages as its own until it execs.
MEASURE = (
    "import resource, subprocess, sys; "
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


@dataclass
class Run:
    tickets: int
    wall: float
    import_phase: float
    max_rss_mb: float
    returncode: int
    job_status_calls: int

    @property
    def rate(self) -> float:
        return self.tickets / self.import_phase

    @property
    def polls_per_second(self) -> float:
        return self.job_status_calls / self.import_phase


def write_input(path: Path, count: int) -> int:
    """A tap-like Singer file of ``count`` exported tickets (deleted ones left out)."""
    written = 0
    with Sandbox(SandboxConfig(tickets=int(count * 1.05) + 10, rate_limits={})) as source:
        ids = source.visible_ticket_ids(exclude_deleted=True)[:count]
        with path.open("w") as out:
            out.write(
                json.dumps(
                    {
                        "type": "SCHEMA",
                        "stream": "tickets",
                        "schema": SCHEMA,
                        "key_properties": ["id"],
                    }
                )
                + "\n"
            )
            for ticket_id in ids:
                record = {
                    "type": "RECORD",
                    "stream": "tickets",
                    "record": source.exported_ticket(ticket_id),
                }
                out.write(json.dumps(record) + "\n")
                written += 1
                if written % STATE_EVERY == 0:
                    out.write(json.dumps({"type": "STATE", "value": {"through": written}}) + "\n")
            out.write(json.dumps({"type": "STATE", "value": {"through": written}}) + "\n")
    return written


def run_target(input_path: Path, tickets: int, *, job_delay: float, **settings: object) -> Run:
    """The real target; ``minimal=N`` in settings runs the minimal client with N jobs instead."""
    minimal = settings.pop("minimal", None)
    # people=False: the idealised destination, until the target maps references (#11).
    destination_config = SandboxConfig(tickets=0, job_delay=job_delay, rate_limits={}, people=False)
    with Sandbox(destination_config) as destination:
        config = {
            "zendesk": {
                "domain": destination.base_url,
                "userName": Credentials.admin_email,
                "apiToken": Credentials.admin_token,
            },
            # A fresh destination only this run writes to: its export's lag is no risk.
            "destinationExportLag": "1s",
            **settings,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(config, handle)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_ZENDESK_TICKETS_")}
        if minimal is None:
            command = [TARGET, "--config", handle.name]
        else:
            command = [sys.executable, MINIMAL, destination.base_url, str(minimal)]
        started = time.time()
        with input_path.open() as stdin:
            measured = subprocess.run(
                [sys.executable, "-c", MEASURE, *command],
                stdin=stdin,
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
        ended = time.time()
        os.unlink(handle.name)
        log = destination.request_log()
        imports = [e["time"] for e in log if e["route"] == "import"]
        polls = sum(1 for e in log if e["route"] == "job_status")
        imported = destination.stats()["imported"]
    if measured.returncode != 0 or imported != tickets:
        raise SystemExit(
            f"run failed: exit {measured.returncode}, {imported} of {tickets} imported"
        )
    return Run(
        tickets=tickets,
        wall=ended - started,
        import_phase=ended - min(imports),
        max_rss_mb=int(measured.stdout.split()[-1]) / 1024,
        returncode=measured.returncode,
        job_status_calls=polls,
    )


def show(label: str, run: Run) -> None:
    print(
        f"  {label:<34} {run.rate:8.0f} tickets/s  (import phase {run.import_phase:5.1f} s, "
        f"wall {run.wall:5.1f} s, {run.job_status_calls} job-status calls = "
        f"{run.polls_per_second:.2f}/s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ten times fewer tickets")
    args = parser.parse_args()
    small = 2_000 if args.quick else 20_000
    large = small * 10

    with tempfile.TemporaryDirectory() as tmp:
        small_input, large_input = Path(tmp) / "small.singer", Path(tmp) / "large.singer"
        print(f"Writing {small:,} and {large:,} tickets as Singer input...", flush=True)
        write_input(small_input, small)
        write_input(large_input, large)

        default = DEFAULTS["maxJobsInFlight"]
        target_runs = {}
        for job_delay in (0.2, 2.0):
            print(f"\nThroughput: {small:,} tickets, jobs take {job_delay} s, {default} in flight")
            floor = run_target(small_input, small, job_delay=job_delay, minimal=default)
            show("minimal pipelined client", floor)
            target = run_target(small_input, small, job_delay=job_delay)
            show(f"target (defaults: {default} in flight)", target)
            target_runs[job_delay] = target
            ratio = target.rate / floor.rate
            goal = " (goal >= 0.8x: " + ("ok)" if ratio >= 0.8 else "MISSED)")
            print(f"  target / minimal client: {ratio:.2f}x{goal if job_delay == 0.2 else ''}")

        few = min(small, 2_000)  # one job of 2 s at a time is slow: fewer tickets
        few_input = Path(tmp) / "few.singer"
        write_input(few_input, few)
        print(f"\nSpeed-up over one job at a time ({few:,} tickets, jobs take 2.0 s)")
        one = run_target(few_input, few, job_delay=2.0, maxJobsInFlight=1)
        show("target, maxJobsInFlight=1", one)
        many = run_target(few_input, few, job_delay=2.0)
        show(f"target, maxJobsInFlight={default}", many)
        print(f"  speed-up of the default: {many.rate / one.rate:.2f}x")
        worst = max(run.polls_per_second for run in [*target_runs.values(), one])
        print(
            f"\nJob-status calls per second of import, at most: {worst:.2f} "
            f"(goal <= 1: {'ok' if worst <= 1 else 'MISSED'})",
            flush=True,
        )

        print("\nPeak memory (ru_maxrss of the target process)")
        fast = {"maxJobsInFlight": 30, "jobPollInterval": "50ms"}
        small_run = run_target(small_input, small, job_delay=0.05, **fast)
        print(
            f"  {small:>9,} tickets: {small_run.max_rss_mb:6.1f} MB  ({small_run.wall:.1f} s)",
            flush=True,
        )
        large_run = run_target(large_input, large, job_delay=0.05, **fast)
        print(f"  {large:>9,} tickets: {large_run.max_rss_mb:6.1f} MB  ({large_run.wall:.1f} s)")
        growth = large_run.max_rss_mb / small_run.max_rss_mb - 1
        print(
            f"  growth for 10x the input: {growth:+.1%} "
            f"(goal within 20 %: {'ok' if abs(growth) <= 0.2 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
