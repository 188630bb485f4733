"""Three ways to read every ticket's comments, measured against the sandbox under Zendesk's
rate limits scaled down in time (Enterprise: 700 requests a minute for the account, 10 for
the incremental exports; here the same numbers per ``--window`` seconds):

A. per ticket: ``GET /api/v2/tickets/{id}/comments`` for each exported ticket (deleted ones
   aside), ``include=users``: what the tap does, run as the real tap, with 4 requests in
   flight (its default) and with 1;
B. per ticket, but only for tickets whose ``comment_count`` (an export side-load) is more
   than 1; a ticket with one comment gets one made from its description and submitter;
C. the ticket events export (``/api/v2/incremental/ticket_events?include=comment_events``)
   from the start of the account, every comment held until its ticket comes.

For each: requests on each bucket, requests per ticket, wall time against the least the
limits allow, 429 answers. Then what B's made-up comments lose, what C cannot give an
incremental run (the comments from before its bookmark), and A's time when each answer
takes as long as Zendesk's do (the sandbox answers in milliseconds).

``python benchmarks/bench_comments.py [--quick] [--tickets N] [--window SECONDS]``
"""

from __future__ import annotations

import argparse
import json
import math
import re
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
from zendesk_sandbox.demo import selected_catalog

TAP = str(BIN / "tap-zendesk-tickets")
USER, TOKEN = "admin@example.com", "sandbox-api-token"
ACCOUNT_LIMIT, EXPORT_LIMIT = 700, 10  # Zendesk Enterprise, per minute
EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
EXPORTS = ("export", "ticket_events")  # the routes of the incremental-exports bucket
#: Markup beyond Zendesk's wrapping of plain text (div, p, br): what a comment made from
#: the plain description loses.
RICH_HTML = re.compile(r"<(?!/?(?:div|p|br)\b)[a-z]+", re.IGNORECASE)


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


def post(account: SandboxProcess, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"{account.base_url}/_sandbox/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def request_log(account: SandboxProcess) -> list[dict[str, Any]]:
    return account.admin("requests")["requests"]


def least_seconds(log: list[dict[str, Any]], window: float) -> float:
    """Fixed windows: the k-th batch of ``limit`` requests cannot start before window k."""
    counted = [e for e in log if e["status"] != 429]
    exports = sum(1 for e in counted if e["route"] in EXPORTS)
    return max(
        (math.ceil(len(counted) / ACCOUNT_LIMIT) - 1) * window,
        (math.ceil(exports / EXPORT_LIMIT) - 1) * window,
        0.0,
    )


def report(
    name: str, tickets: int, seconds: float, log: list[dict[str, Any]], window: float
) -> dict[str, Any]:
    routes = Counter(e["route"] for e in log)
    statuses = Counter(e["status"] for e in log)
    least = least_seconds(log, window)
    answered = len(log) - statuses[429]
    print(f"{name}:")
    print("  requests: " + ", ".join(f"{route} {n}" for route, n in sorted(routes.items())))
    print(f"  {answered / tickets:.3f} requests per exported ticket; {statuses[429]} answered 429")
    over = f" ({seconds / least - 1:+.1%})" if least else ""
    print(f"  wall time {seconds:6.2f} s; least the limits allow {least:6.2f} s{over}")
    return {
        "seconds": seconds,
        "least": least,
        "requests": answered,
        "exports": sum(routes[r] for r in EXPORTS),
        "tickets": tickets,
    }


# -- A: the tap -------------------------------------------------------------------------------


def catalog_selecting(directory: Path, streams: set[str]) -> Path:
    return write_config(directory / "catalog.json", selected_catalog([TAP], streams))


def run_the_tap(
    directory: Path, account: SandboxProcess, **settings: Any
) -> tuple[float, Counter[str]]:
    tap_config = write_config(directory / "tap.json", config(account.base_url, **settings))
    catalog = catalog_selecting(directory, {"tickets", "ticket_comments", "users"})
    output = directory / "tap.jsonl"
    result = measure([TAP, "--config", str(tap_config), "--catalog", str(catalog)], stdout=output)
    if result.returncode != 0:
        sys.exit(f"the tap failed with exit code {result.returncode}")
    streams = Counter(
        json.loads(line).get("stream") for line in output.open() if '"RECORD"' in line
    )
    return result.seconds, streams


def per_ticket(directory: Path, tickets: int, window: float, in_flight: int) -> dict[str, Any]:
    with sandbox(tickets, window) as account:
        seconds, streams = run_the_tap(directory, account, commentRequestsInFlight=in_flight)
        log = request_log(account)
    name = f"A. per ticket, the tap, {in_flight} request{'s' if in_flight > 1 else ''} in flight"
    figures = report(name, streams["tickets"], seconds, log, window)
    print(f"  records: {dict(streams)}")
    return figures


def latency_bound(directory: Path, tickets: int, delay: float) -> None:
    """A with every comments answer taking ``delay`` (no rate limit): the time per ticket."""
    print(f"A when each comments answer takes {delay * 1000:.0f} ms (no rate limit):")
    for in_flight in (1, 4):
        with sandbox(tickets, None) as account:
            post(
                account,
                "faults",
                {"kind": "slow", "route": "comments", "count": tickets, "delay": delay},
            )
            seconds, streams = run_the_tap(directory, account, commentRequestsInFlight=in_flight)
        rate = streams["tickets"] / seconds * 60
        print(f"  {in_flight} in flight: {seconds:6.2f} s, {rate:,.0f} tickets a minute")


# -- B and C: readers made of the tap's own parts ------------------------------------------------


def export_all(export: TicketExport, start: ResumePoint | None = None) -> list[dict[str, Any]]:
    start = start or ResumePoint(cursor=None, start_time=0, skip_through=None)
    return [ticket for page in export.pages(start, first_pass=True) for ticket in page.tickets]


def skip_description_only(tickets: int, window: float) -> dict[str, Any]:
    with sandbox(tickets, window) as account:
        settings = read_tap_settings(config(account.base_url))
        budget = AccountBudget()
        export = TicketExport(settings, includes=["comment_count"], account=budget)
        reader = SupportReader(settings, account=budget)
        started = time.perf_counter()
        rows = export_all(export)
        made = {}
        for ticket in rows:
            if ticket.get("status") == "deleted":
                continue
            if ticket.get("comment_count", 0) > 1:
                reader.comments(ticket["id"])
            else:  # what the ticket itself says of its one comment
                made[ticket["id"]] = {
                    "author_id": ticket.get("submitter_id"),
                    "body": ticket.get("description"),
                    "public": ticket.get("is_public"),
                    "created_at": ticket.get("created_at"),
                }
        seconds = time.perf_counter() - started
        figures = report(
            "B. per ticket, one-comment tickets made from their description",
            len(rows),
            seconds,
            request_log(account),
            window,
        )
        # What the made comments miss, against the real ones (not timed).
        lost: Counter[str] = Counter()
        for ticket_id, guess in made.items():
            found = reader.comments(ticket_id)
            (real,) = found.comments if found else [{}]
            for name in ("author_id", "body", "public", "created_at"):
                lost[name] += guess[name] != real.get(name)
            lost["attachments"] += bool(real.get("attachments"))
            lost["html"] += bool(RICH_HTML.search(real.get("html_body") or ""))
    share = len(made) / len(rows)
    print(f"  {len(made)} of {len(rows)} tickets ({share:.0%}) have one comment; made up, it")
    print(
        f"  has no id, audit_id, via or metadata; loses its attachments in "
        f"{lost['attachments'] / len(made):.1%}, its HTML formatting in "
        f"{lost['html'] / len(made):.1%}; differs in author {lost['author_id']}, body "
        f"{lost['body']}, public {lost['public']}, time {lost['created_at']}"
    )
    return figures


def read_events(export: TicketExport, start_time: int, retry: Any) -> tuple[dict, int]:
    """Every comment of the events export from ``start_time``, by ticket; pages read."""
    comments: dict[int, dict[int, dict[str, Any]]] = {}
    pages = 0
    while True:
        export.pacer.before_request()  # one pacer: both exports share one bucket
        page = export.client.policy.call(
            lambda s=start_time: export.client.fetch(
                "GET",
                EVENTS_PATH,
                params={"start_time": s, "include": "comment_events", "per_page": 1000},
            ),
            what="GET ticket_events",
            budget=retry,
        )
        pages += 1
        for event in page["ticket_events"]:
            for child in event.get("child_events", []):
                if child.get("event_type") == "Comment":
                    comments.setdefault(event["ticket_id"], {})[child["id"]] = child
        if page["end_of_stream"]:
            return comments, pages
        start_time = page["end_time"]


def events_export(tickets: int, window: float) -> dict[str, Any]:
    with sandbox(tickets, window) as account:
        settings = read_tap_settings(config(account.base_url))
        export = TicketExport(settings, account=AccountBudget())
        started = time.perf_counter()
        comments, pages = read_events(export, 0, settings.retry)
        rows = export_all(export)
        seconds = time.perf_counter() - started
        figures = report(
            "C. the ticket events export", len(rows), seconds, request_log(account), window
        )
        held = sum(len(json.dumps(c)) for by_id in comments.values() for c in by_id.values())
        count = sum(len(by_id) for by_id in comments.values())
        print(
            f"  {count} comments in {pages} event pages ({count / len(rows):.2f} a ticket), "
            f"held until their ticket comes: {held / 1e6:.1f} MB of JSON"
        )
        # The next run, after 25 tickets changed and 20 were added (as in `make`'s second
        # run): the events since the bookmark hold only what happened since.
        bookmark = max(t["generated_timestamp"] for t in rows)
        old = [t["id"] for t in rows if t["status"] not in ("deleted", "closed")][::7][:25]
        post(account, "tickets/update", {"ids": old})
        post(account, "tickets/add", {"count": 20})
        post(account, "clock", {"advance": 120})
        since, _ = read_events(export, bookmark, settings.retry)
        resume = ResumePoint(cursor=None, start_time=bookmark, skip_through=None)
        changed = [
            t for t in export_all(export, resume) if t["id"] in set(old) or t["id"] > tickets
        ]
        reader = SupportReader(settings)
        complete = 0
        for ticket in changed:
            found = reader.comments(ticket["id"])
            complete += len(since.get(ticket["id"], {})) == len(found.comments if found else [])
    print(
        f"  the next run ({len(changed)} tickets changed or new): the events since the "
        f"bookmark hold every comment of {complete} of them; the other "
        f"{len(changed) - complete} need their older comments read another way"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 tickets, for a smoke run")
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--window", type=float, default=3.0, help="seconds for Zendesk's minute")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per comments answer")
    args = parser.parse_args()
    tickets = 500 if args.quick else args.tickets
    print(
        f"{tickets:,} tickets; limits: account {ACCOUNT_LIMIT}, incremental exports "
        f"{EXPORT_LIMIT}, per {args.window:g} s (Zendesk Enterprise's minute, scaled)"
    )
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        a4 = per_ticket(directory, tickets, args.window, 4)
        per_ticket(directory, tickets, args.window, 1)
        b = skip_description_only(tickets, args.window)
        c = events_export(tickets, args.window)
        latency_bound(directory, 100 if args.quick else 300, args.latency)
    print("tickets a minute on a real Enterprise account, from the requests counted above:")
    for name, figures in (("A", a4), ("B", b)):
        print(f"  {name}: {ACCOUNT_LIMIT * figures['tickets'] / figures['requests']:,.0f}")
    print(
        f"  C: {EXPORT_LIMIT * c['tickets'] / c['exports']:,.0f} (at the sandbox's events per "
        "ticket: one audit per comment; real tickets have more audits than comments)"
    )


if __name__ == "__main__":
    main()
