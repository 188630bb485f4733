"""Three ways to read every ticket's comments, measured against the sandbox under Zendesk's
rate limits scaled down in time (Enterprise: 700 requests a minute for the account, 10 for
the incremental exports; here the same numbers per ``--window`` seconds):

A. per ticket: ``GET /api/v2/tickets/{id}/comments`` for each exported ticket (deleted ones
   aside), with ``include=users``: what the tap does, run as the real tap;
B. per ticket, but only for tickets whose ``comment_count`` (an export side-load) is more
   than 1; a ticket with one comment gets a comment made from its description;
C. the ticket events export (``/api/v2/incremental/ticket_events?include=comment_events``)
   from the start of the account, every comment held until its ticket comes.

For each: requests on each bucket, requests per ticket, wall time against the least the
limits allow, 429 answers. Then what B loses (fields that differ from the real comment), and
what C cannot give a run that resumes from a bookmark: the comments made before it.

``python benchmarks/bench_comments.py [--quick] [--tickets N] [--window SECONDS]``
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from support import BIN, SandboxProcess, measure, write_config

from tap_zendesk_tickets.api_reads import SupportReader
from tap_zendesk_tickets.bookmarks import ResumePoint, parse_timestamp
from tap_zendesk_tickets.export import TicketExport
from tap_zendesk_tickets.pacing import AccountBudget
from tap_zendesk_tickets.settings import read_tap_settings

TAP = str(BIN / "tap-zendesk-tickets")
USER, TOKEN = "admin@example.com", "sandbox-api-token"
ACCOUNT_LIMIT, EXPORT_LIMIT = 700, 10  # Zendesk Enterprise, per minute
EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
#: Fields of a comment that one made from its ticket cannot know.
COMPARED = ("id", "author_id", "body", "html_body", "public", "created_at", "attachments", "via")


def config(base_url: str) -> dict[str, Any]:
    return {
        "zendesk": {"domain": base_url, "userName": USER, "apiToken": TOKEN},
        "pollingPeriod": "0s",
        "defaultRetryAfter": "1s",
    }


def sandbox(tickets: int, window: float) -> SandboxProcess:
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


def least_seconds(log: list[dict[str, Any]], window: float) -> float:
    """Fixed windows: the k-th batch of ``limit`` requests cannot start before window k."""
    counted = [e for e in log if e["status"] != 429]
    exports = sum(1 for e in counted if e["route"] in ("export", "ticket_events"))
    return max(
        (math.ceil(len(counted) / ACCOUNT_LIMIT) - 1) * window,
        (math.ceil(exports / EXPORT_LIMIT) - 1) * window,
        0.0,
    )


def report(name: str, tickets: int, seconds: float, log: list[dict[str, Any]], window: float):
    routes = Counter(e["route"] for e in log)
    statuses = Counter(e["status"] for e in log)
    least = least_seconds(log, window)
    per_ticket = (len(log) - statuses[429]) / tickets
    print(f"{name}:")
    print("  requests: " + ", ".join(f"{route} {n}" for route, n in sorted(routes.items())))
    print(f"  {per_ticket:.3f} requests per exported ticket; {statuses[429]} answered 429")
    over = f" ({seconds / least - 1:+.1%})" if least else ""
    print(f"  wall time {seconds:6.2f} s; least the limits allow {least:6.2f} s{over}")
    return {"seconds": seconds, "least": least, "per_ticket": per_ticket, "routes": routes}


# -- A: the tap -------------------------------------------------------------------------------


def catalog_selecting(directory: Path, streams: set[str]) -> Path:
    discovered = json.loads(
        subprocess.run([TAP, "--discover"], capture_output=True, text=True, check=True).stdout
    )
    for entry in discovered["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return write_config(directory / "catalog.json", discovered)


def per_ticket_with_the_tap(directory: Path, tickets: int, window: float) -> dict[str, Any]:
    with sandbox(tickets, window) as account:
        tap_config = write_config(directory / "tap.json", config(account.base_url))
        catalog = catalog_selecting(directory, {"tickets", "ticket_comments", "users"})
        output = directory / "a.jsonl"
        result = measure(
            [TAP, "--config", str(tap_config), "--catalog", str(catalog)], stdout=output
        )
        if result.returncode != 0:
            sys.exit(f"the tap failed with exit code {result.returncode}")
        log = request_log(account)
    exported = sum(1 for e in log if e["route"] == "export")
    streams = Counter(
        json.loads(line).get("stream") for line in output.open() if '"RECORD"' in line
    )
    print(f"  (the tap wrote {dict(streams)} records; {exported} export pages)")
    return report("A. per ticket (the tap)", streams["tickets"], result.seconds, log, window)


# -- B and C: readers made of the tap's own parts ------------------------------------------------


def export_pages(export: TicketExport) -> list[dict[str, Any]]:
    start = ResumePoint(cursor=None, start_time=0, skip_through=None)
    return [ticket for page in export.pages(start, first_pass=True) for ticket in page.tickets]


def made_from_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    """The one comment of a ticket as B makes it: what the ticket itself says."""
    return {
        "author_id": ticket.get("submitter_id"),
        "body": ticket.get("description"),
        "public": ticket.get("is_public"),
        "created_at": ticket.get("created_at"),
    }


def skip_description_only(tickets: int, window: float) -> tuple[dict[str, Any], str]:
    with sandbox(tickets, window) as account:
        settings = read_tap_settings(config(account.base_url))
        budget = AccountBudget()
        export = TicketExport(settings, includes=["comment_count"], account=budget)
        reader = SupportReader(settings, account=budget)
        started = time.perf_counter()
        rows = export_pages(export)
        made = {}
        for ticket in rows:
            if ticket.get("status") == "deleted":
                continue
            if ticket.get("comment_count", 0) > 1:
                reader.comments(ticket["id"])
            else:
                made[ticket["id"]] = made_from_ticket(ticket)
        seconds = time.perf_counter() - started
        figures = report(
            "B. per ticket, skipping one-comment tickets",
            len(rows),
            seconds,
            request_log(account),
            window,
        )
        # What the made comments lack: compare with the real ones (not timed).
        differs: Counter[str] = Counter()
        for ticket_id, guess in made.items():
            found = reader.comments(ticket_id)
            (real,) = found.comments if found else [{}]
            for name in COMPARED:
                if guess.get(name) != real.get(name):
                    differs[name] += 1
    skipped = len(made)
    lines = [
        f"  {skipped} of {len(rows)} tickets skipped ({skipped / len(rows):.0%}); of their comments:"
    ]
    for name in COMPARED:
        lines.append(
            f"    {name:<12} differs from the real comment in {differs[name] / skipped:6.1%}"
        )
    return figures, "\n".join(lines)


def events_export(tickets: int, window: float, resume_at: float) -> tuple[dict[str, Any], str]:
    with sandbox(tickets, window) as account:
        settings = read_tap_settings(config(account.base_url))
        budget = AccountBudget()
        export = TicketExport(settings, account=budget)
        started = time.perf_counter()
        comments: dict[int, dict[int, dict[str, Any]]] = {}
        start_time, pages = 0, 0
        while True:
            export.pacer.before_request()  # one pacer: both exports share one bucket
            page = export.client.policy.call(
                lambda s=start_time: export.client.fetch(
                    "GET",
                    EVENTS_PATH,
                    params={"start_time": s, "include": "comment_events", "per_page": 1000},
                ),
                what="GET ticket_events",
                budget=settings.retry,
            )
            pages += 1
            for event in page["ticket_events"]:
                for child in event.get("child_events", []):
                    if child.get("event_type") == "Comment":
                        comments.setdefault(event["ticket_id"], {})[child["id"]] = child
            if page["end_of_stream"]:
                break
            start_time = page["end_time"]
        rows = export_pages(export)
        seconds = time.perf_counter() - started
        figures = report(
            "C. the ticket events export", len(rows), seconds, request_log(account), window
        )
    held = sum(len(json.dumps(c)) for by_id in comments.values() for c in by_id.values())
    count = sum(len(by_id) for by_id in comments.values())
    # A run that resumes from a bookmark reads the events after it only: which of the
    # tickets it exports have comments from before?
    ordered = sorted(rows, key=lambda t: (t["generated_timestamp"], t["id"]))
    bookmark = ordered[int(len(ordered) * resume_at)]["generated_timestamp"]
    later = [t for t in ordered if t["generated_timestamp"] > bookmark and t["status"] != "deleted"]
    older = sum(
        1
        for t in later
        if any(_epoch(c["created_at"]) < bookmark for c in comments.get(t["id"], {}).values())
    )
    lines = [
        f"  {count} comments in {pages} event pages, {count / len(rows):.2f} a ticket; held until "
        f"their ticket comes: {held / 1e6:.1f} MB of JSON",
        f"  resuming at {resume_at:.0%} of the export: {len(later)} tickets to send, "
        f"{older} ({older / max(len(later), 1):.0%}) with comments from before the bookmark, "
        "which the events after it do not hold",
    ]
    return figures, "\n".join(lines)


def _epoch(text: str) -> float:
    return parse_timestamp(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 tickets, for a smoke run")
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--window", type=float, default=3.0, help="seconds for Zendesk's minute")
    args = parser.parse_args()
    tickets = 500 if args.quick else args.tickets
    print(
        f"{tickets:,} tickets; limits: account {ACCOUNT_LIMIT}, incremental exports "
        f"{EXPORT_LIMIT}, per {args.window:g} s (Zendesk Enterprise's minute, scaled)"
    )
    with tempfile.TemporaryDirectory() as scratch:
        a = per_ticket_with_the_tap(Path(scratch), tickets, args.window)
    b, b_loss = skip_description_only(tickets, args.window)
    print(b_loss)
    c, c_gap = events_export(tickets, args.window, resume_at=0.9)
    print(c_gap)
    print("on a real Enterprise account (700 requests a minute, 10 export requests):")
    for name, figures in (("A", a), ("B", b)):
        print(f"  {name}: about {ACCOUNT_LIMIT / figures['per_ticket']:,.0f} tickets a minute")
    events_requests = c["routes"]["ticket_events"] + c["routes"]["export"]
    print(
        f"  C: about {EXPORT_LIMIT / (events_requests / tickets):,.0f} tickets a minute "
        "(at the sandbox's events per ticket)"
    )


if __name__ == "__main__":
    main()
