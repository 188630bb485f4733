"""``zendesk-sandbox``: run a sandbox account until SIGINT or SIGTERM.

The first line on stdout is the base URL (flushed at once, so a parent process can read it);
everything else, including the optional request log, goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from zendesk_sandbox.config import KNOWN_BUCKETS, FileRules, SandboxConfig, default_rate_limits
from zendesk_sandbox.http.server import Sandbox


def parse_rate_limit(text: str) -> tuple[str, tuple[int, float]]:
    """``BUCKET=N/SECONDS`` (e.g. ``incremental-exports=10/60``) -> (bucket, (n, seconds))."""
    bucket, _, rule = text.partition("=")
    count, _, seconds = rule.partition("/")
    try:
        limit, window = int(count), float(seconds or "60")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected BUCKET=N/SECONDS, got {text!r}") from None
    if bucket not in KNOWN_BUCKETS:
        raise argparse.ArgumentTypeError(f"unknown bucket {bucket!r}; use one of {KNOWN_BUCKETS}")
    if limit < 0 or window <= 0:
        raise argparse.ArgumentTypeError(f"N must be >= 0 and SECONDS > 0 in {text!r}")
    return bucket, (limit, window)


def parse_oauth_client(text: str) -> tuple[str, str, str]:
    """``ID:SECRET[:SCOPES]`` (scopes separated by commas) -> (id, secret, "read write")."""
    identifier, _, rest = text.partition(":")
    secret, _, scopes = rest.partition(":")
    if not identifier or not secret:
        raise argparse.ArgumentTypeError(f"expected ID:SECRET[:SCOPES], got {identifier!r}:...")
    return identifier, secret, " ".join(scopes.split(",")) if scopes else "read write"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zendesk-sandbox",
        description="Serve a fake Zendesk account (people, tickets, conversations) on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument(
        "--tickets", type=int, default=None, help="tickets to generate (5000; 0 with --empty)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    parser.add_argument(
        "--job-delay", type=float, default=0.5, help="seconds an import job takes (0.5)"
    )
    parser.add_argument(
        "--exclusion-window",
        type=float,
        default=60.0,
        help="seconds of recent changes the export leaves out (60)",
    )
    parser.add_argument(
        "--rate-limit",
        type=parse_rate_limit,
        action="append",
        default=[],
        metavar="BUCKET=N/SECONDS",
        help=f"override a bucket ({', '.join(KNOWN_BUCKETS)}); N=0 means unlimited",
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="turn rate limits off")
    parser.add_argument("--max-jobs", type=int, default=30, help="jobs in flight at once (30)")
    parser.add_argument(
        "--no-people",
        action="store_true",
        help="the idealised account: no people or structure, imports take any id",
    )
    parser.add_argument(
        "--account", type=int, default=0, help="account number 0..99: where its ids lie (0)"
    )
    parser.add_argument(
        "--universe", type=int, default=0, help="seed of what overlapping accounts share (0)"
    )
    parser.add_argument(
        "--overlap",
        type=float,
        default=0.8,
        help="share of people and structure also in other accounts of the universe (0.8)",
    )
    parser.add_argument(
        "--search-delay",
        type=float,
        default=60.0,
        help="seconds before a ticket change shows in search (60)",
    )
    parser.add_argument(
        "--state-dir", default=None, help="keep the account's changes in this directory"
    )
    parser.add_argument(
        "--oauth-client",
        type=parse_oauth_client,
        action="append",
        default=[],
        metavar="ID:SECRET[:SCOPES]",
        help="add a confidential OAuth client (scopes comma-separated; default read,write)",
    )
    parser.add_argument(
        "--access-token-lifetime",
        type=float,
        default=1800.0,
        help="seconds an OAuth access token lives (1800)",
    )
    parser.add_argument(
        "--refresh-token-lifetime",
        type=float,
        default=2_592_000.0,
        help="seconds an OAuth refresh token lives (2592000, 30 days)",
    )
    parser.add_argument(
        "--no-comment-count-outside-export",
        action="store_true",
        help="honour include=comment_count on the export only, not on ticket lists",
    )
    parser.add_argument(
        "--no-collaboration",
        action="store_true",
        help="an account without the Collaboration add-on: no side conversations",
    )
    parser.add_argument(
        "--bulk-user-import",
        action="store_true",
        help="allow users/create_or_update_many (Zendesk's support enables it on request)",
    )
    switches = parser.add_argument_group("variations real accounts show (docs/sandbox.md)")
    switches.add_argument(
        "--no-rate-limit-headers",
        action="store_true",
        help="send no rate-limit headers at all (429s keep Retry-After)",
    )
    switches.add_argument(
        "--no-too-many-jobs-retry-after",
        action="store_true",
        help="answer TooManyJobs without Retry-After",
    )
    switches.add_argument(
        "--no-job-types", action="store_true", help="job statuses without job_type (2023)"
    )
    switches.add_argument(
        "--job-queue-time",
        type=float,
        default=0.0,
        help="seconds a job stays queued before it starts working (0)",
    )
    switches.add_argument(
        "--failing-job-lookups",
        action="store_true",
        help="job_statuses/{id} and show_many find no job; the job list still shows them",
    )
    switches.add_argument(
        "--foreign-jobs",
        type=int,
        default=0,
        help="other clients' jobs in flight at start, holding job slots (0)",
    )
    switches.add_argument(
        "--foreign-job-time",
        type=float,
        default=3.0,
        help="seconds until the last of those finishes; they end one after another (3)",
    )
    parser.add_argument(
        "--empty",
        action="store_true",
        help="a new account as Zendesk creates it (admin, default group, brand, form, fields)",
    )
    parser.add_argument(
        "--agent-seats",
        type=int,
        default=None,
        help="agents and admins the account may have (5 with --empty; else its own plus 10)",
    )
    parser.add_argument(
        "--private-attachments",
        action="store_true",
        help="files answer 302 to signed URLs on another port (Zendesk's secure downloads)",
    )
    parser.add_argument(
        "--max-upload-size",
        type=int,
        default=FileRules.max_upload_size,
        help="the largest file an upload takes, in bytes (50 MB)",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    rate_limits = {} if args.no_rate_limit else default_rate_limits()
    for bucket, limit in args.rate_limit:
        rate_limits[bucket] = limit
    config = SandboxConfig(
        tickets=args.tickets if args.tickets is not None else (0 if args.empty else 5000),
        seed=args.seed,
        job_delay=args.job_delay,
        exclusion_window=args.exclusion_window,
        rate_limits={name: limit for name, limit in rate_limits.items() if limit[0] > 0},
        host=args.host,
        port=args.port,
        max_jobs=args.max_jobs,
        people=not args.no_people,
        account=args.account,
        universe=args.universe,
        overlap=args.overlap,
        search_delay=args.search_delay,
        state_dir=args.state_dir,
        access_token_lifetime=args.access_token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime,
        comment_count_outside_export=not args.no_comment_count_outside_export,
        bulk_user_import=args.bulk_user_import,
        rate_limit_headers=not args.no_rate_limit_headers,
        too_many_jobs_retry_after=not args.no_too_many_jobs_retry_after,
        job_types=not args.no_job_types,
        job_queue_time=args.job_queue_time,
        failing_job_lookups=args.failing_job_lookups,
        foreign_jobs=args.foreign_jobs,
        foreign_job_time=args.foreign_job_time,
        empty=args.empty,
        agent_seats=args.agent_seats,
        collaboration=not args.no_collaboration,
        files=FileRules(
            private_attachments=args.private_attachments, max_upload_size=args.max_upload_size
        ),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        sandbox = Sandbox(config)
    except ValueError as error:  # another account's state directory, a bad number
        print(f"zendesk-sandbox: {error}", file=sys.stderr)
        return 2
    for identifier, secret, scopes in args.oauth_client:
        sandbox.add_oauth_client(identifier, secret, scopes)
    sandbox.start(poll_interval=0.1)
    try:
        print(sandbox.base_url, flush=True)
        print(
            f"zendesk-sandbox: account {config.account}, {config.tickets} tickets "
            f"(seed {config.seed}{'' if config.people else ', no people'}"
            f"{', new and empty' if config.empty else ''}) at "
            f"{sandbox.base_url}; credentials are listed in docs/sandbox.md",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.2):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
