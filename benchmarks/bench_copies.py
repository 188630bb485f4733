"""What exactly-once costs: the target's extra requests to find copies (load_method upsert).

    python benchmarks/bench_copies.py            # 5,000 tickets, then 40 changed and 10 new
    python benchmarks/bench_copies.py --quick    # 1,000 tickets

1. A first copy into an account that holds none of the source's tickets. Goal: at most 0.1
   extra requests per ticket.
2. A delta run after 40 tickets changed and 10 were added in the source. Goal: at most 1.5
   extra requests per changed ticket.

"Extra" is every request the target makes beyond what importing alone needs (imports and
job-status checks): look-ups of copies, Count Tickets, the destination's export, searches,
the job list. Updates (``update_many``) are counted apart, as the work itself. Both accounts
are sandboxes in this process, rate limits off; the target is the real console script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zendesk_sandbox import Credentials, Sandbox, SandboxConfig  # noqa: E402

TARGET = str(Path(sys.executable).parent / "target-zendesk-tickets")
SCHEMA = json.loads((ROOT / "tap_zendesk_tickets/schemas/tickets.json").read_text())
WORK = ("import", "job_status", "update")  # what importing and updating need anyway


def singer_input(source: Sandbox, ids: list[int]) -> str:
    lines = [
        json.dumps(
            {"type": "SCHEMA", "stream": "tickets", "schema": SCHEMA, "key_properties": ["id"]}
        )
    ]
    for number, ticket_id in enumerate(ids, start=1):
        lines.append(
            json.dumps(
                {"type": "RECORD", "stream": "tickets", "record": source.exported_ticket(ticket_id)}
            )
        )
        if number % 1000 == 0:
            lines.append(json.dumps({"type": "STATE", "value": {"through": number}}))
    lines.append(json.dumps({"type": "STATE", "value": {"through": len(ids)}}))
    return "\n".join(lines) + "\n"


def run(destination: Sandbox, text: str) -> Counter[str]:
    destination.clear_request_log()
    config = {
        "zendesk": {
            "domain": destination.base_url,
            "userName": Credentials.admin_email,
            "apiToken": Credentials.admin_token,
        },
        "load_method": "upsert",
        "destinationExportLag": "2s",
        "jobPollInterval": "200ms",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_ZENDESK_TICKETS_")}
    done = subprocess.run(
        [TARGET, "--config", handle.name],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    os.unlink(handle.name)
    if done.returncode != 0:
        raise SystemExit(f"the target failed:\n{done.stderr[-3000:]}")
    return Counter(entry["route"] for entry in destination.request_log())


def extra(counts: Counter[str]) -> int:
    return sum(number for route, number in counts.items() if route not in WORK)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 tickets")
    tickets = 1_000 if parser.parse_args().quick else 5_000
    quiet = {"rate_limits": {}, "people": False, "job_delay": 0.05, "exclusion_window": 1.0}
    with (
        Sandbox(SandboxConfig(tickets=tickets, **quiet)) as source,
        Sandbox(SandboxConfig(tickets=0, seed=2, **quiet)) as destination,
    ):
        ids = source.visible_ticket_ids(exclude_deleted=True)
        first = run(destination, singer_input(source, ids))
        per_ticket = extra(first) / len(ids)
        print(f"First copy of {len(ids):,} tickets into an account without copies:")
        print(f"  requests by kind: {dict(sorted(first.items()))}")
        print(
            f"  extra requests per ticket: {per_ticket:.3f} (goal <= 0.1: "
            f"{'ok' if per_ticket <= 0.1 else 'MISSED'})"
        )

        changed = source.update_tickets(ids[:40], {"priority": "urgent"})
        added = source.add_tickets(10)
        source.advance_clock(120)
        delta = run(destination, singer_input(source, [*changed, *added]))
        per_changed = extra(delta) / (len(changed) + len(added))
        print(f"\nDelta run: {len(changed)} changed and {len(added)} new tickets:")
        print(f"  requests by kind: {dict(sorted(delta.items()))}")
        print(
            f"  extra requests per changed ticket: {per_changed:.2f} (goal <= 1.5: "
            f"{'ok' if per_changed <= 1.5 else 'MISSED'})"
        )
        keys = Counter(t["external_id"] for t in destination.imported_tickets())
        twice = [key for key, number in keys.items() if number > 1]
        print(f"\nTickets in the destination: {sum(keys.values()):,}, copied twice: {len(twice)}")


if __name__ == "__main__":
    main()
