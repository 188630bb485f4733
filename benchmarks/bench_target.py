"""target-zendesk-tickets against the local sandbox: throughput with jobs in flight, and memory.

    python benchmarks/bench_target.py            # 20,000 tickets; memory at 20,000 and 200,000
    python benchmarks/bench_target.py --quick    # 2,000 tickets; memory at 2,000 and 20,000

1. Throughput. The same tickets are imported twice into fresh sandbox accounts whose jobs take
   0.5 s, once with the default ``maxJobsInFlight`` (6) and once with ``maxJobsInFlight=1``;
   every other setting is the default. "Import phase" runs from the first import request the
   sandbox receives to the target's exit, so start-up (Python, singer-sdk) is left out of the
   ratio; the wall time of the whole process is printed too.
2. Memory. Peak RSS (``ru_maxrss`` of the target process alone) for N and 10N tickets; memory
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

    @property
    def rate(self) -> float:
        return self.tickets / self.import_phase


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
    # people=False: the idealised destination, until the target maps references (#11).
    destination_config = SandboxConfig(tickets=0, job_delay=job_delay, rate_limits={}, people=False)
    with Sandbox(destination_config) as destination:
        config = {
            "zendesk": {
                "domain": destination.base_url,
                "userName": Credentials.admin_email,
                "apiToken": Credentials.admin_token,
            },
            **settings,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(config, handle)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_ZENDESK_TICKETS_")}
        started = time.time()
        with input_path.open() as stdin:
            measured = subprocess.run(
                [sys.executable, "-c", MEASURE, TARGET, "--config", handle.name],
                stdin=stdin,
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
        ended = time.time()
        os.unlink(handle.name)
        imports = [e["time"] for e in destination.request_log() if e["route"] == "import"]
        imported = destination.stats()["imported"]
    if measured.returncode != 0 or imported != tickets:
        raise SystemExit(
            f"run failed: exit {measured.returncode}, {imported} of {tickets} imported"
        )
    return Run(
        tickets=tickets,
        wall=ended - started,
        import_phase=ended - min(imports),
        max_rss_mb=int(measured.stdout) / 1024,
        returncode=measured.returncode,
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

        print(f"\nThroughput: {small:,} tickets, jobs take 0.5 s, default settings otherwise")
        many = run_target(small_input, small, job_delay=0.5)
        default = DEFAULTS["maxJobsInFlight"]
        print(
            f"  maxJobsInFlight={default} (default): {many.rate:8.0f} tickets/s  (import phase {many.import_phase:6.1f} s, wall {many.wall:6.1f} s)",
            flush=True,
        )
        one = run_target(small_input, small, job_delay=0.5, maxJobsInFlight=1)
        print(
            f"  maxJobsInFlight=1:           {one.rate:8.0f} tickets/s  (import phase {one.import_phase:6.1f} s, wall {one.wall:6.1f} s)"
        )
        ratio = many.rate / one.rate
        print(
            f"  ratio: {ratio:.2f}x (import phase); {one.wall / many.wall:.2f}x (wall time)"
            f"  (goal >= 4x: {'ok' if ratio >= 4 else 'MISSED'})",
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
