"""A whole copy's peak memory: tap (every copy stream) | target between two realistic sandbox
accounts, at N and 10N tickets.

    python benchmarks/bench_copy_memory.py            # 20,000 and 200,000 tickets
    python benchmarks/bench_copy_memory.py --quick    # 2,000 and 20,000 tickets

Each plugin's peak RSS (``ru_maxrss`` of its own process) is measured. Memory must be bounded
by what is in flight (a page of the export, a buffer of tickets, their comments, the jobs),
and by the people and structure the accounts have, not by the number of tickets: goal, the
10N run within 20 % of the N run, for each plugin. Each sandbox runs in a process of its own
(``zendesk-sandbox``) without rate limits, so the copy is as fast as the plugins allow.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from support import SandboxProcess, measure_pipe  # noqa: E402

from zendesk_sandbox.demo import copy_catalog  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN = {"userName": "admin@example.com", "apiToken": "sandbox-api-token"}


def settings(base_url: str, **extra: object) -> dict:
    return {"zendesk": {"domain": base_url, **ADMIN}, **extra}


def copy(tickets: int) -> tuple[float, float, float]:
    """(tap MB, target MB, seconds) of one copy of ``tickets`` tickets into an empty account."""
    common = ["--no-rate-limit", "--exclusion-window", "1", "--job-delay", "0.05"]
    with (
        SandboxProcess("--tickets", str(tickets), "--account", "0", *common) as source,
        SandboxProcess("--tickets", "0", "--account", "1", "--seed", "2", *common) as target_box,
        tempfile.TemporaryDirectory() as tmp,
    ):
        time.sleep(1.5)  # past the source's exclusion window: every ticket is exported
        tap_config = Path(tmp) / "tap.json"
        # Files off: their bytes go through disk, not memory (bench_files.py measures them),
        # and 200,000 tickets' files would fill the disk.
        tap_config.write_text(
            json.dumps(settings(source.base_url, pollingPeriod="0s", files=False))
        )
        target_config = Path(tmp) / "target.json"
        target_config.write_text(
            json.dumps(settings(target_box.base_url, destinationExportLag="1.5s", files=False))
        )
        tap = [str(BIN / "tap-zendesk-tickets"), "--config", str(tap_config)]
        catalog = Path(tmp) / "catalog.json"
        catalog.write_text(json.dumps(copy_catalog(tap)))
        target = [str(BIN / "target-zendesk-tickets"), "--config", str(target_config)]
        seconds, tap_mb, target_mb = measure_pipe([*tap, "--catalog", str(catalog)], target)
    return tap_mb, target_mb, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 tickets")
    args = parser.parse_args()
    small = 2_000 if args.quick else 20_000
    runs = {n: copy(n) for n in (small, 10 * small)}
    print("Peak memory of a whole copy with every copy stream (ru_maxrss of each process)")
    for n, (tap_mb, target_mb, seconds) in runs.items():
        print(
            f"  {n:>8,} tickets: tap {tap_mb:6.1f} MB, target {target_mb:6.1f} MB ({seconds:.0f} s)"
        )
    for index, name in enumerate(("tap", "target")):
        low, high = runs[small][index], runs[10 * small][index]
        growth = (high - low) / low
        verdict = "ok" if growth <= 0.2 else "MISSED"
        print(f"  {name}: {growth:+.1%} for 10x the tickets (goal within 20 %: {verdict})")


if __name__ == "__main__":
    main()
