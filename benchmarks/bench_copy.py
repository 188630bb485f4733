"""A whole copy with conversations, tap | target between two realistic sandbox accounts, under
Zendesk's rate limits scaled down in time.

    python benchmarks/bench_copy.py [--quick] [--window SECONDS]
    python benchmarks/bench_copy.py --idle
    python benchmarks/bench_copy.py --move [--quick]

Both accounts allow what Zendesk Enterprise allows in a minute (700 requests; 10 export
requests on the source) per ``--window`` seconds (3 by default). Printed: the requests per
ticket on each side, by kind, and the wall time against the least those limits allow for the
requests made: the sandbox's limits are fixed windows, so n requests of a bucket that allows
L a window need at least ceil(n / L) - 1 whole windows. Goal: within 10 %. The fixed costs
(starting two processes, the destination export's lag) weigh more the shorter the window;
at Zendesk's real one-minute windows (``--window 60``, about two minutes for 2,000 tickets)
they are a few seconds in minutes.

``--move``: the destination is a new account (``--empty``, seats for every agent) and the
target creates what it lacks (``createMissing``, ``createAgents``): its requests per ticket
next to a copy into an account that has the structure.

``--idle``: the seed's plain job at the defaults a user gets (tap | target, 250 tickets into
an account that holds no ticket, the export leaving out its last minute as Zendesk's does,
``destinationExportLag`` left at 61 s), against the same with the lag set to 0 s: the
ratio of the wall times (goal: within 1.3x) and the seconds the target sat idle waiting
for the destination's export.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zendesk_sandbox import Credentials, Sandbox, SandboxConfig, pair_configs  # noqa: E402
from zendesk_sandbox.demo import copy_catalog  # noqa: E402

BIN = Path(sys.executable).parent
ACCOUNT_LIMIT, EXPORT_LIMIT = 700, 10


def settings(base_url: str, **extra: object) -> dict:
    return {
        "zendesk": {
            "domain": base_url,
            "userName": Credentials.admin_email,
            "apiToken": Credentials.admin_token,
        },
        **extra,
    }


IDLE = re.compile(r"reading its end again in (\S+) \(destinationExportLag\)")


def plain_pipe(target_settings: dict) -> tuple[float, float]:
    """tap | target, 250 tickets into an empty account, both at their defaults but
    ``target_settings``: (wall seconds, seconds the target announced it would sit idle)."""
    source_config, _ = pair_configs(tickets=250)
    destination_config = SandboxConfig(tickets=0, people=False, account=1)
    with (
        Sandbox(source_config) as source,
        Sandbox(destination_config) as destination,
        tempfile.TemporaryDirectory() as tmp,
    ):
        tap_config, target_config = Path(tmp) / "tap.json", Path(tmp) / "target.json"
        tap_config.write_text(json.dumps(settings(source.base_url)))
        target_config.write_text(json.dumps(settings(destination.base_url, **target_settings)))
        started = time.monotonic()
        producer = subprocess.Popen(
            [str(BIN / "tap-zendesk-tickets"), "--config", str(tap_config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        consumer = subprocess.run(
            [str(BIN / "target-zendesk-tickets"), "--config", str(target_config)],
            stdin=producer.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        producer.wait()
        wall = time.monotonic() - started
        if producer.returncode or consumer.returncode:
            raise SystemExit(f"the pipeline failed:\n{consumer.stderr[-3000:]}")
        imported = len(destination.imported_tickets())
        if imported != len(source.visible_ticket_ids(exclude_deleted=True)):
            raise SystemExit(f"{imported} tickets imported: not every ticket once")
    idle = sum(_seconds(found) for found in IDLE.findall(consumer.stderr))
    return wall, idle


def _seconds(duration: str) -> float:
    """A Go duration as the target prints it (``1m1s``, ``1.5s``, ``100ms``)."""
    total = 0.0
    for number, unit in re.findall(r"([0-9.]+)(ms|h|m|s)", duration):
        total += float(number) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
    return total


def idle_comparison() -> None:
    at_defaults, idle = plain_pipe({})
    without_lag, idle_without = plain_pipe({"destinationExportLag": "0s"})
    ratio = at_defaults / without_lag
    print("250 tickets, tap | target into an empty account (the seed's plain job)")
    print(f"  at the defaults (destinationExportLag 61 s): {at_defaults:.1f} s, idle {idle:.0f} s")
    print(
        f"  destinationExportLag 0 s:                    {without_lag:.1f} s, idle {idle_without:.0f} s"
    )
    print(f"  ratio {ratio:.2f} (goal within 1.3x: {'ok' if ratio <= 1.3 else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 tickets instead of 2,000")
    parser.add_argument("--window", type=float, default=3.0)
    parser.add_argument("--idle", action="store_true", help="the idle comparison only")
    parser.add_argument(
        "--bulk-user-import",
        action="store_true",
        help="a destination that allows bulk user imports (Zendesk enables them on request)",
    )
    parser.add_argument(
        "--move",
        action="store_true",
        help="into a new account, creating what it lacks (createMissing, createAgents)",
    )
    args = parser.parse_args()
    if args.idle:
        idle_comparison()
        return
    tickets, window = (500 if args.quick else 2_000), args.window
    limits = {"incremental-exports": (EXPORT_LIMIT, window), "account": (ACCOUNT_LIMIT, window)}
    source_config, destination_config = pair_configs(
        tickets=tickets, overlap=0.8, rate_limits=limits, job_delay=0.3, exclusion_window=1.0
    )
    destination_config.bulk_user_import = args.bulk_user_import
    move: dict[str, object] = {}
    if args.move:
        destination_config.empty, destination_config.agent_seats = True, 200
        move = {"createMissing": True, "createAgents": True}
    with (
        Sandbox(source_config) as source,
        Sandbox(destination_config) as destination,
        tempfile.TemporaryDirectory() as tmp,
    ):
        tap_config, target_config = Path(tmp) / "tap.json", Path(tmp) / "target.json"
        tap_config.write_text(json.dumps(settings(source.base_url, pollingPeriod="0s")))
        target_config.write_text(
            json.dumps(settings(destination.base_url, destinationExportLag="1.5s", **move))
        )
        tap = [str(BIN / "tap-zendesk-tickets"), "--config", str(tap_config)]
        catalog_path = Path(tmp) / "catalog.json"
        catalog_path.write_text(json.dumps(copy_catalog(tap)))
        started = time.monotonic()
        producer = subprocess.Popen(
            [*tap, "--catalog", str(catalog_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        consumer = subprocess.run(
            [str(BIN / "target-zendesk-tickets"), "--config", str(target_config)],
            stdin=producer.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        producer.wait()
        wall = time.monotonic() - started
        if producer.returncode or consumer.returncode:
            raise SystemExit(f"the pipeline failed:\n{consumer.stderr[-3000:]}")
        copied = len(destination.imported_tickets())
        sides = {"source": source.request_log(), "destination": destination.request_log()}
        least = 0.0
        for name, log in sides.items():
            routes = Counter(entry["route"] for entry in log)
            exports = routes["export"] + routes.get("ticket_events", 0)
            # Fixed windows: n requests need at least ceil(n / limit) - 1 whole windows.
            windows = max(
                math.ceil(len(log) / ACCOUNT_LIMIT) - 1,
                math.ceil(exports / EXPORT_LIMIT) - 1 if name == "source" else 0,
            )
            least = max(least, windows * window)
            per_ticket = len(log) / copied
            print(f"{name}: {len(log):,} requests, {per_ticket:.2f} per ticket copied")
            print(f"  by kind: {dict(sorted(routes.items()))}")
            files = routes.get("uploads", 0) + routes.get("downloads", 0)
            print(f"  without file transfers: {(len(log) - files) / copied:.2f} per ticket")
            print(f"  429 answers: {sum(1 for e in log if e['status'] == 429)}")
        ratio = wall / least if least else float("inf")
        print(f"\n{copied:,} tickets copied with their conversations in {wall:.1f} s")
        print(
            f"least the limits allow for these requests: {least:.1f} s; ratio {ratio:.2f} "
            f"(goal within 10 %: {'ok' if ratio <= 1.1 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
