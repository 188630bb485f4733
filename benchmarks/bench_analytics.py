"""Ticket analytics against a realistic sandbox account: what each stream costs, how long a
full sync with every stream takes under Zendesk's limits, and the field history read two
ways.

1. Requests per exported ticket of each stream, besides the ticket export: the tap run with
   ``tickets`` and that stream, no rate limit, the sandbox's request log counted.
2. A full sync with every stream (the copy streams, comments and side conversations
   included) under Zendesk Enterprise's limits scaled down in time (700 account requests
   and 10 incremental-export requests per ``--window`` seconds instead of per minute): the
   wall time against the least those limits allow for the requests made, and HTTP 429s.
3. The field history two ways, under the same limits: A. per ticket, every audit
   (``GET /api/v2/tickets/{id}/audits``, 4 in flight, as the tap reads comments); B. the
   ticket events export (the tap's ``ticket_field_history`` stream). Then the next run's
   cost after 25 tickets changed: A reads those tickets' audits again, B the events since.

At Zendesk's own one-minute windows (the default) the full sync's fixed costs (starting
the tap, the last window's requests, which the least counts as nothing) are a few percent;
at windows of a few seconds they are most of the difference, and the tap and the sandbox
sharing two cores become the limit before the rate limits do.

``python benchmarks/bench_analytics.py [--quick] [--tickets N] [--window SECONDS]``
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from support import BIN, SandboxProcess, measure, write_config

from tap_zendesk_tickets.api_reads import SupportReader
from tap_zendesk_tickets.bookmarks import ResumePoint
from tap_zendesk_tickets.export import TicketExport
from tap_zendesk_tickets.pacing import AccountBudget
from tap_zendesk_tickets.settings import read_tap_settings
from tap_zendesk_tickets.ticket_reads import TicketReads
from zendesk_sandbox.demo import selected_catalog

TAP = str(BIN / "tap-zendesk-tickets")
USER, TOKEN = "admin@example.com", "sandbox-api-token"
ACCOUNT_LIMIT, EXPORT_LIMIT = 700, 10  # Zendesk Enterprise, per minute
#: The routes that count against the incremental exports' bucket.
EXPORTS = ("export", "ticket_events", "metric_events")
COPY_STREAMS = (
    "tickets",
    "users",
    "groups",
    "organizations",
    "brands",
    "ticket_forms",
    "ticket_fields",
    "ticket_comments",
)
ANALYTICS_STREAMS = (
    "ticket_metrics",
    "custom_statuses",
    "tags",
    "sla_policies",
    "satisfaction_ratings",
    "ticket_metric_events",
    "ticket_field_history",
    "side_conversations",
)


def config(base_url: str, **settings: Any) -> dict[str, Any]:
    return {
        "zendesk": {"domain": base_url, "userName": USER, "apiToken": TOKEN},
        "pollingPeriod": "0s",
        "defaultRetryAfter": "1s",
        **settings,
    }


def sandbox(tickets: int, window: float | None) -> SandboxProcess:
    if window is None:
        return SandboxProcess("--tickets", str(tickets), "--no-rate-limit")
    return SandboxProcess(
        "--tickets",
        str(tickets),
        "--rate-limit",
        f"account={ACCOUNT_LIMIT}/{window}",
        "--rate-limit",
        f"incremental-exports={EXPORT_LIMIT}/{window}",
    )


def request_log(account: SandboxProcess) -> list[dict[str, Any]]:
    return account.admin("requests")["requests"]


def clear_log(account: SandboxProcess) -> None:
    request = urllib.request.Request(f"{account.base_url}/_sandbox/requests", method="DELETE")
    with urllib.request.urlopen(request):
        pass


def post(account: SandboxProcess, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"{account.base_url}/_sandbox/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def least_seconds(log: list[dict[str, Any]], window: float) -> float:
    """Fixed windows: the k-th batch of ``limit`` requests cannot start before window k."""
    counted = [e for e in log if e["status"] != 429]
    exports = sum(1 for e in counted if e["route"] in EXPORTS)
    return max(
        (math.ceil(len(counted) / ACCOUNT_LIMIT) - 1) * window,
        (math.ceil(exports / EXPORT_LIMIT) - 1) * window,
        0.0,
    )


def catalog_selecting(directory: Path, streams: set[str]) -> Path:
    return write_config(directory / "catalog.json", selected_catalog([TAP], streams))


def run_the_tap(
    directory: Path,
    account: SandboxProcess,
    streams: set[str],
    state: dict | None = None,
    **settings: Any,
) -> tuple[float, Counter[str], list[dict[str, Any]]]:
    """Wall time, records by stream, and the STATEs of one tap run."""
    tap_config = write_config(directory / "tap.json", config(account.base_url, **settings))
    command = [
        TAP,
        "--config",
        str(tap_config),
        "--catalog",
        str(catalog_selecting(directory, streams)),
    ]
    if state is not None:
        command += ["--state", str(write_config(directory / "state.json", state))]
    output = directory / "tap.jsonl"
    result = measure(command, stdout=output)
    if result.returncode != 0:
        sys.exit(f"the tap failed with exit code {result.returncode}")
    records: Counter[str] = Counter()
    states = []
    for line in output.open():
        message = json.loads(line)
        if message["type"] == "RECORD":
            records[message["stream"]] += 1
        elif message["type"] == "STATE":
            states.append(message["value"])
    return result.seconds, records, states


# -- 1. what each stream costs -----------------------------------------------------------------


def costs(directory: Path, tickets: int) -> dict[str, float]:
    print(f"1. requests per exported ticket besides the export, {tickets:,} tickets, no limit:")
    found = {}
    with sandbox(tickets, None) as account:
        _, alone, _ = run_the_tap(directory, account, {"tickets"})
        baseline = Counter(e["route"] for e in request_log(account))
        exported = alone["tickets"]
        print(f"  tickets alone: {dict(baseline)} for {exported:,} tickets")
        for stream in (*ANALYTICS_STREAMS, "ticket_comments"):
            clear_log(account)
            _, records, _ = run_the_tap(directory, account, {"tickets", stream})
            routes = Counter(e["route"] for e in request_log(account))
            extra = sum(routes.values()) - sum(baseline.values())
            found[stream] = extra / exported
            detail = ", ".join(f"{r} {n}" for r, n in sorted(routes.items()) if r != "export")
            exports = routes["export"] - baseline["export"]
            print(
                f"  {stream:22} {extra:6,} requests = {extra / exported:6.3f} a ticket"
                f"  ({detail or 'none'}{f'; export pages {exports:+d}' if exports else ''};"
                f" {records[stream]:,} records)"
            )
    return found


# -- 2. a full sync with every stream ---------------------------------------------------------


def full_sync(directory: Path, tickets: int, window: float) -> None:
    print(
        f"2. a full sync with every stream, {tickets:,} tickets; limits per {window:g} s: "
        f"account {ACCOUNT_LIMIT}, incremental exports {EXPORT_LIMIT}"
    )
    every = {*COPY_STREAMS, *ANALYTICS_STREAMS}
    with sandbox(tickets, window) as account:
        seconds, records, _ = run_the_tap(directory, account, every)
        log = request_log(account)
    routes = Counter(e["route"] for e in log)
    statuses = Counter(e["status"] for e in log)
    least = least_seconds(log, window)
    exports = sum(routes[r] for r in EXPORTS)
    print("  requests: " + ", ".join(f"{r} {n}" for r, n in sorted(routes.items())))
    print(
        f"  {len(log) - statuses[429]:,} answered ({exports} on the export bucket), {statuses[429]} answered 429"
    )
    print(f"  records: {sum(records.values()):,} in {len(records)} streams")
    over = seconds / least - 1 if least else 0.0
    verdict = "ok" if over <= 0.10 and not statuses[429] else "MISSED"
    print(
        f"  wall time {seconds:6.2f} s; least the limits allow {least:6.2f} s ({over:+.1%}; "
        f"goal within 10 %, no 429: {verdict})"
    )


# -- 3. the field history two ways -------------------------------------------------------------


def audits_per_ticket(
    account: SandboxProcess, ticket_ids: list[int], in_flight: int = 4
) -> tuple[float, int]:
    """Every audit of each ticket, 4 tickets in flight; seconds, change events read."""
    settings = read_tap_settings(config(account.base_url))
    reader = SupportReader(settings, account=AccountBudget(), in_flight=in_flight)

    def read(ticket_id: int) -> list[dict[str, Any]]:
        return reader.list_all(f"/api/v2/tickets/{ticket_id}/audits.json", "audits")

    reads = TicketReads(read, in_flight)
    started = time.perf_counter()
    reads.plan(ticket_ids)
    changes = 0
    for ticket_id in ticket_ids:
        for audit in reads.take(ticket_id):
            changes += sum(1 for e in audit["events"] if e.get("type") in ("Create", "Change"))
    reads.close()
    return time.perf_counter() - started, changes


def live_tickets(account: SandboxProcess) -> list[int]:
    settings = read_tap_settings(config(account.base_url))
    export = TicketExport(settings, account=AccountBudget())
    start = ResumePoint(cursor=None, start_time=0, skip_through=None)
    return [
        ticket["id"]
        for page in export.pages(start, first_pass=True)
        for ticket in page.tickets
        if ticket.get("status") != "deleted"
    ]


def field_history(directory: Path, tickets: int, window: float) -> None:
    print(f"3. the field history, {tickets:,} tickets; the same limits per {window:g} s:")
    with sandbox(tickets, window) as account:
        ids = live_tickets(account)
        clear_log(account)
        seconds, changes = audits_per_ticket(account, ids)
        log = request_log(account)
        report("A. per ticket, GET /api/v2/tickets/{id}/audits", seconds, log, window, tickets)
        print(f"     {changes:,} field changes")
    with sandbox(tickets, window) as account:
        seconds, records, states = run_the_tap(directory, account, {"ticket_field_history"})
        log = request_log(account)
        report("B. the ticket events export (the tap)", seconds, log, window, tickets)
        print(f"     {records['ticket_field_history']:,} field changes")
        # The next run, after 25 tickets changed (as in `make`'s second run).
        changed = ids[::7][:25]
        post(account, "tickets/update", {"ids": changed, "changes": {"priority": "urgent"}})
        post(account, "clock", {"advance": 120})
        clear_log(account)
        run_the_tap(directory, account, {"ticket_field_history"}, state=states[-1])
        later_b = len(request_log(account))
        clear_log(account)
        audits_per_ticket(account, changed)
        later_a = len(request_log(account))
    print(
        f"  the next run, {len(changed)} tickets changed: A {later_a} requests (their whole "
        f"histories again), B {later_b} (the events since the bookmark)"
    )


def report(
    name: str, seconds: float, log: list[dict[str, Any]], window: float, tickets: int
) -> None:
    statuses = Counter(e["status"] for e in log)
    answered = len(log) - statuses[429]
    least = least_seconds(log, window)
    over = f" ({seconds / least - 1:+.1%})" if least else ""
    per_minute = ACCOUNT_LIMIT if not all(e["route"] in EXPORTS for e in log) else EXPORT_LIMIT
    rate = per_minute * tickets / answered if answered else float("inf")
    print(
        f"  {name}: {answered:,} requests, {answered / tickets:.4f} a ticket, {statuses[429]} answered 429"
    )
    print(f"     wall time {seconds:6.2f} s; least the limits allow {least:6.2f} s{over}")
    print(f"     on a real account: about {rate:,.0f} tickets a minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 tickets, 3 s windows")
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument(
        "--window", type=float, default=60.0, help="seconds for Zendesk's minute (the full sync)"
    )
    parser.add_argument(
        "--history-window", type=float, default=3.0, help="the same, for the field history"
    )
    args = parser.parse_args()
    tickets = 500 if args.quick else args.tickets
    window = 3.0 if args.quick else args.window
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        costs(directory, tickets)
        full_sync(directory, tickets, window)
        field_history(directory, tickets, args.history_window)


if __name__ == "__main__":
    main()
