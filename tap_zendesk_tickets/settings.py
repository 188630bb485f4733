"""The tap's settings: their schema (shown by ``--about``) and their checked values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from singer_sdk import typing as th

from tap_zendesk_tickets.bookmarks import parse_start_time
from tap_zendesk_tickets.file_spool import DEFAULT_ROOT
from zendesk_api.retry import RetryBudget
from zendesk_api.settings import (
    COMMON_PROPERTIES,
    SettingsReader,
    ZendeskConnection,
    zendesk_property,
)

#: The OAuth scopes the client settings ask for by default: the incremental export reads.
OAUTH_SCOPES = "read"

MAX_PAGE_SIZE = 1000
MAX_COMMENT_REQUESTS = 10
#: Ends the message of a request given up on.
RETRY_ADVICE = "check https://status.zendesk.com and run again: the tap resumes from its last STATE"

CONFIG_SCHEMA = th.PropertiesList(
    zendesk_property(OAUTH_SCOPES),
    th.Property(
        "pollingPeriod",
        th.StringType,
        default="6s",
        title="Polling period",
        description=(
            "Least time between two export requests, as a Go duration (`6s`, `1m30s`, "
            "`1.5s`, `250ms`). `6s` is Zendesk's 10 export requests a minute; `0s` means "
            "no pacing (the rate-limit headers still are). In follow mode it is also the "
            "wait between two polls."
        ),
    ),
    th.Property(
        "startTime",
        th.CustomType({"type": ["string", "integer"]}),
        default=0,
        title="Start time",
        description=(
            "Where the first run starts (later runs resume from STATE): an ISO-8601 "
            "date-time (`2024-01-31T00:00:00Z`) or Unix seconds. `0` is the account's "
            "beginning."
        ),
    ),
    th.Property(
        "pageSize",
        th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
        default=MAX_PAGE_SIZE,
        title="Page size",
        description=(
            "Tickets per export page (`per_page`), 1 to 1000. After an HTTP 504 the tap "
            "halves it for the next tries, then grows it back."
        ),
    ),
    th.Property(
        "excludeDeleted",
        th.BooleanType,
        default=False,
        title="Exclude deleted tickets",
        description=(
            "Leave deleted tickets out (Zendesk's `exclude_deleted`). Otherwise they come "
            'through with `status: "deleted"` and `_sdc_deleted_at` set. With this on, a '
            "deletion is never seen: a warehouse keeps the deleted ticket's last row for good."
        ),
    ),
    th.Property(
        "follow",
        th.BooleanType,
        default=False,
        title="Follow",
        description=(
            "Keep polling after the end of the export, every `pollingPeriod`, emitting "
            "new and changed tickets as they come, until SIGTERM or SIGINT (exit 0)."
        ),
    ),
    th.Property(
        "commentRequestsInFlight",
        th.IntegerType(minimum=1, maximum=MAX_COMMENT_REQUESTS),
        default=4,
        title="Comment requests in flight",
        description=(
            "With the `ticket_comments` stream selected: how many tickets' comments are "
            "read at once (one request each). Zendesk answers in a few hundred "
            "milliseconds, so one at a time would use a fraction of the account's rate "
            "limit; the tap never goes past what the rate-limit headers say is left. `1` "
            "reads one at a time."
        ),
    ),
    th.Property(
        "files",
        th.BooleanType,
        default=True,
        title="Files",
        description=(
            "With the `ticket_comments` stream selected: download each comment's "
            "attachments (inline images too) into `fileSpool`, and say in the comment "
            "record's `attachment_files` where each one is, so that "
            "target-zendesk-tickets, on the same machine, copies them. `false`: comments "
            "keep their attachment metadata only; choose this when no target removes the "
            "files (a warehouse)."
        ),
    ),
    th.Property(
        "fileSpool",
        th.StringType,
        title="File spool",
        description=(
            "The directory downloaded files wait in, under a folder named after the "
            "account's host; the target's `fileSpool` must be the same. Default: "
            "`zendesk-tickets-files` in the system's temporary directory (`$TMPDIR`, "
            "`/tmp`)."
        ),
    ),
    th.Property(
        "maxErrorRetries",
        th.IntegerType(minimum=0),
        default=6,
        title="Max error retries",
        description=(
            "Retries of one request after a 5xx, a timeout, a broken connection or a "
            "malformed answer, with exponential backoff (`retryBackoff`)."
        ),
    ),
    th.Property(
        "maxRateLimitWait",
        th.StringType,
        default="30m",
        title="Max rate-limit wait",
        description=(
            "How long one request may keep waiting out HTTP 429 answers (and 503 answers "
            "with `Retry-After`) in total before the tap gives up (a Go duration)."
        ),
    ),
    *COMMON_PROPERTIES,
)


@dataclass(frozen=True)
class TapSettings:
    connection: ZendeskConnection
    polling_period: float
    start_time: float
    page_size: int
    exclude_deleted: bool
    follow: bool
    comment_requests_in_flight: int
    #: Whether attachments are downloaded, and the spool's root directory.
    files: bool
    file_spool: Path
    #: What one export request may spend on retries (the shared policy does the waiting).
    retry: RetryBudget


def read_tap_settings(config: Mapping[str, Any]) -> TapSettings:
    """Check every setting; one ConfigValidationError lists all that are wrong."""
    reader = SettingsReader(config, default_scopes=OAUTH_SCOPES)
    connection = reader.connection()
    polling_period = reader.duration("pollingPeriod", "6s")
    max_wait = reader.duration("maxRateLimitWait", "30m")
    start_time = reader.check(lambda: _read_start_time(config.get("startTime")))
    reader.errors.extend(unsupported_settings(config))
    reader.raise_if_invalid("tap-zendesk-tickets")
    connection = cast(ZendeskConnection, connection)  # set: raise_if_invalid passed
    return TapSettings(
        connection=connection,
        polling_period=polling_period,
        start_time=cast(float, start_time),
        page_size=int(config.get("pageSize") or MAX_PAGE_SIZE),
        exclude_deleted=bool(config.get("excludeDeleted", False)),
        follow=bool(config.get("follow", False)),
        comment_requests_in_flight=int(config.get("commentRequestsInFlight") or 4),
        files=bool(config.get("files", True)),
        file_spool=Path(config.get("fileSpool") or DEFAULT_ROOT).expanduser(),
        retry=RetryBudget(
            error_retries=int(config.get("maxErrorRetries", 6)),
            wait_limit=max_wait,
            advice=RETRY_ADVICE,
        ),
    )


#: singer-sdk settings the tap refuses when they are turned on, and why.
UNSUPPORTED_SETTINGS = {
    "emit_activate_version_messages": (
        "the tickets stream is INCREMENTAL (a run sends only the tickets changed since its "
        "STATE), so the tap never sends ACTIVATE_VERSION: a target would delete every row "
        "the run did not send. Remove the setting"
    ),
    "batch_config": ("the tap sends RECORD messages only, not BATCH files. Remove the setting"),
}


def unsupported_settings(config: Mapping[str, Any]) -> list[str]:
    """One problem for each refused setting that the config turns on."""
    return [
        f"{name}: not supported: {why}"
        for name, why in UNSUPPORTED_SETTINGS.items()
        if config.get(name)
    ]


def _read_start_time(value: Any) -> float:
    try:
        return parse_start_time(value)
    except ValueError:
        raise ValueError(
            f"startTime: {value!r} is neither Unix seconds nor an ISO-8601 date-time "
            "such as 2024-01-31T00:00:00Z"
        ) from None
