"""tap-zendesk-tickets against the sandbox: throughput, memory, pacing under a rate limit.

Each figure is compared with a baseline measured in the same run:

1. throughput on 50,000 tickets, no rate limit, vs ``floor_export.py`` (requests + json
   printing RECORD lines): the tap should reach at least the floor's rate, with the
   ``tickets`` stream alone against the plain export, and with its default streams
   (tickets, users, groups, organizations, ticket_metrics, the account's lists) against the
   export with those side-loads;
2. peak memory for 10,000 vs 100,000 tickets: within 20 %;
3. with the sandbox allowing 10 export requests per 10 s window, the tap's wall time vs
   the least that limit allows (within 10 %), and no HTTP 429. The sandbox says when a
   window resets in whole seconds, rounded up, as Zendesk does: each wait may be up to a
   second longer than the window's true end, which a 10 s window keeps near Zendesk's
   proportion (a 60 s window) better than a 3 s one, where rounding alone is a fifth.

``python benchmarks/bench_tap.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from support import BIN, Measured, SandboxProcess, measure, write_config

TAP = str(BIN / "tap-zendesk-tickets")
USER, TOKEN = "admin@example.com", "sandbox-api-token"
FLOOR = str(Path(__file__).with_name("floor_export.py"))
SIDE_LOADS = "groups,organizations,users,metric_sets"  # those of the tap's default streams


def tap_config(directory: Path, base_url: str, **settings: object) -> Path:
    config = {
        "zendesk": {"domain": base_url, "userName": USER, "apiToken": TOKEN},
        "pollingPeriod": "0s",
        **settings,
    }
    return write_config(directory / "tap.json", config)


def tickets_only(directory: Path) -> Path:
    """A catalog selecting the tickets stream alone."""
    catalog = json.loads(
        subprocess.run([TAP, "--discover"], capture_output=True, text=True, check=True).stdout
    )
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] == "tickets"
    return write_config(directory / "tickets-only.json", catalog)


def run_tap(
    directory: Path, base_url: str, catalog: Path | None = None, **settings: object
) -> Measured:
    command = [TAP, "--config", str(tap_config(directory, base_url, **settings))]
    if catalog is not None:
        command += ["--catalog", str(catalog)]
    result = measure(command)
    if result.returncode != 0:
        sys.exit(f"tap failed with exit code {result.returncode}")
    return result


def throughput(directory: Path, tickets: int) -> None:
    catalog = tickets_only(directory)
    with SandboxProcess("--tickets", str(tickets), "--no-rate-limit") as sandbox:
        floor = min(
            (measure([sys.executable, FLOOR, sandbox.base_url, USER, TOKEN]) for _ in range(2)),
            key=lambda m: m.seconds,
        )
        tap = min(
            (run_tap(directory, sandbox.base_url, catalog) for _ in range(2)),
            key=lambda m: m.seconds,
        )
        side_loads = [sys.executable, FLOOR, sandbox.base_url, USER, TOKEN, SIDE_LOADS]
        floor_all = min((measure(side_loads) for _ in range(2)), key=lambda m: m.seconds)
        tap_all = min(
            (run_tap(directory, sandbox.base_url) for _ in range(2)), key=lambda m: m.seconds
        )
    ratio = floor.seconds / tap.seconds
    ratio_all = floor_all.seconds / tap_all.seconds
    print(f"throughput, {tickets:,} tickets (best of 2), the tickets stream alone:")
    print(
        f"  floor (requests + json): {floor.seconds:6.2f} s  {tickets / floor.seconds:9,.0f} tickets/s"
    )
    print(
        f"  tap-zendesk-tickets:     {tap.seconds:6.2f} s  {tickets / tap.seconds:9,.0f} tickets/s"
    )
    print(
        f"  tap / floor throughput:  {ratio:.2f}  (goal >= 1.00: {'ok' if ratio >= 1.0 else 'MISSED'})"
    )
    print("the tap's default streams, against the floor with the same side-loads:")
    print(f"  floor (requests + json): {floor_all.seconds:6.2f} s")
    print(f"  tap-zendesk-tickets:     {tap_all.seconds:6.2f} s")
    print(
        f"  tap / floor throughput:  {ratio_all:.2f}  "
        f"(goal >= 1.00: {'ok' if ratio_all >= 1.0 else 'MISSED'})"
    )


def memory(directory: Path, small: int, large: int) -> None:
    peaks = {}
    for tickets in (small, large):
        with SandboxProcess("--tickets", str(tickets), "--no-rate-limit") as sandbox:
            peaks[tickets] = run_tap(directory, sandbox.base_url).max_rss_mb
    growth = peaks[large] / peaks[small] - 1
    print("peak memory of the tap process:")
    for tickets, peak in peaks.items():
        print(f"  {tickets:>7,} tickets: {peak:6.1f} MB")
    print(
        f"  growth: {growth:+.1%}  (goal within 20 %: {'ok' if abs(growth) <= 0.2 else 'MISSED'})"
    )


def pacing(directory: Path, pages: int, window: float) -> None:
    limit = 10
    page_size = 100
    with SandboxProcess(
        "--tickets",
        str(pages * page_size - 1),
        "--rate-limit",
        f"incremental-exports={limit}/{window}",
        "--rate-limit",
        "account=0/60",
    ) as sandbox:
        result = run_tap(directory, sandbox.base_url, pageSize=page_size)
        statuses = [
            e["status"] for e in sandbox.admin("requests")["requests"] if e["route"] == "export"
        ]
    requests_made = len(statuses)
    # Fixed windows: the k-th batch of `limit` requests cannot start before window k.
    least = (math.ceil(requests_made / limit) - 1) * window
    over = result.seconds / least - 1
    print(f"pacing under {limit} export requests per {window:g} s window:")
    print(f"  {requests_made} requests, {statuses.count(429)} answered 429")
    print(
        f"  least time the limit allows: {least:6.2f} s; tap: {result.seconds:6.2f} s ({over:+.1%})"
    )
    print(
        f"  goal within 10 % and no 429: {'ok' if over <= 0.10 and 429 not in statuses else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        if args.quick:
            throughput(directory, 10_000)
            memory(directory, 2_000, 20_000)
            pacing(directory, pages=31, window=2.0)
        else:
            throughput(directory, 50_000)
            memory(directory, 10_000, 100_000)
            pacing(directory, pages=41, window=10.0)


if __name__ == "__main__":
    main()
