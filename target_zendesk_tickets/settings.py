"""The target's settings: their schema (shown by ``--about``) and their checked values.

Ranges are JSON-schema ``minimum``/``maximum``, so the SDK's own validation names the
setting and the value (``0 is less than the minimum of 1 in config['bufferSize']``)
before anything else runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from singer_sdk import typing as th

from target_zendesk_tickets.copying.files.settings import (
    FILE_PROPERTIES,
    FileSettings,
    read_file_settings,
)
from target_zendesk_tickets.copying.settings import (
    COPY_PROPERTIES,
    CopySettings,
    read_copy_settings,
)
from target_zendesk_tickets.importing.batches import MAX_BATCH
from target_zendesk_tickets.importing.schedule import MAX_JOBS
from zendesk_api.settings import (
    COMMON_PROPERTIES,
    SettingsReader,
    ZendeskConnection,
    zendesk_property,
)

#: The OAuth scopes the client settings ask for by default: imports write, job reads read.
OAUTH_SCOPES = "read write"


DEFAULTS: dict[str, Any] = {
    "bufferSize": MAX_BATCH,
    "maxRetries": 3,
    "archiveImmediately": False,
    "maxJobsInFlight": 10,
    "jobPollInterval": "1s",
    "jobTimeout": "30m",
}

CONFIG_SCHEMA = th.PropertiesList(
    zendesk_property(OAUTH_SCOPES),
    th.Property(
        "bufferSize",
        th.IntegerType(minimum=1, maximum=MAX_BATCH),
        default=DEFAULTS["bufferSize"],
        title="Buffer size",
        description=(
            "Tickets per bulk import call, 1 to 100 (Zendesk's limit). The rest of the "
            "input is imported at its end, and partial buffers are sent whenever a STATE "
            "message arrives, so that the STATE can be confirmed."
        ),
    ),
    th.Property(
        "maxRetries",
        th.IntegerType(minimum=0),
        default=DEFAULTS["maxRetries"],
        title="Max retries",
        description=(
            "Retries of one import call after HTTP 429 (also `TooManyJobs`), a 503 with "
            "`Retry-After`, a refused connection, or a lost answer proved not imported; "
            "counted afresh for every call. `0` means no retry."
        ),
    ),
    th.Property(
        "archiveImmediately",
        th.BooleanType,
        default=DEFAULTS["archiveImmediately"],
        title="Archive immediately",
        description=(
            "Send `archive_immediately=true`: closed tickets go straight to Zendesk's "
            "archive (suggested for very large historical imports)."
        ),
    ),
    th.Property(
        "maxJobsInFlight",
        th.IntegerType(minimum=1, maximum=MAX_JOBS),
        default=DEFAULTS["maxJobsInFlight"],
        title="Max jobs in flight",
        description=(
            "Import jobs of this target that may be queued or running at once, 1 to 30. "
            "Zendesk allows 30 per account, shared with every other client; the default "
            "takes a third. An account found to have fewer slots (in "
            "`zendesk-ratelimit-inflight-jobs`, or a `TooManyJobs` answer) gets the same "
            "share of its own, at least one, and the target never starts more than the "
            "account has free (that header, else learned from `TooManyJobs` answers and "
            "finished jobs). More jobs in flight make a large import faster; STATE still "
            "follows input order."
        ),
    ),
    th.Property(
        "jobPollInterval",
        th.StringType,
        default=DEFAULTS["jobPollInterval"],
        title="Job poll interval",
        description=(
            "The longest wait between two questions to Zendesk about a running import job "
            "(a Go duration such as `1s` or `500ms`). A job is first asked about when this "
            "run's jobs typically finish, then less and less often up to this interval; "
            "one call asks about every job in flight."
        ),
    ),
    th.Property(
        "jobTimeout",
        th.StringType,
        default=DEFAULTS["jobTimeout"],
        title="Job timeout",
        description=(
            "How long to wait for one import job to finish before giving up (a Go "
            "duration). Also bounds the checks after an import call with no clear answer."
        ),
    ),
    *COPY_PROPERTIES,
    *FILE_PROPERTIES,
    *COMMON_PROPERTIES,
)


@dataclass(frozen=True)
class TargetSettings:
    connection: ZendeskConnection
    buffer_size: int
    max_retries: int
    archive_immediately: bool
    max_jobs_in_flight: int
    job_poll_interval: float
    job_timeout: float
    copy: CopySettings
    files: FileSettings = field(default_factory=FileSettings)


def read_target_settings(config: Mapping[str, Any]) -> TargetSettings:
    """Check every setting; one ConfigValidationError lists all that are wrong."""
    reader = SettingsReader(config, default_scopes=OAUTH_SCOPES)
    connection = reader.connection()
    poll_interval = reader.duration(
        "jobPollInterval",
        DEFAULTS["jobPollInterval"],
        above_zero="0s would ask Zendesk about jobs without pause",
    )
    job_timeout = reader.duration(
        "jobTimeout", DEFAULTS["jobTimeout"], above_zero="how long to wait for one import job"
    )
    export_lag = reader.duration("destinationExportLag", "61s")
    copy = reader.check(lambda: read_copy_settings(config, export_lag))
    reader.raise_if_invalid("target-zendesk-tickets")
    return TargetSettings(
        connection=cast(ZendeskConnection, connection),  # set: raise_if_invalid passed
        buffer_size=_integer(config, "bufferSize"),
        max_retries=_integer(config, "maxRetries"),
        archive_immediately=bool(_value(config, "archiveImmediately")),
        max_jobs_in_flight=_integer(config, "maxJobsInFlight"),
        job_poll_interval=poll_interval,
        job_timeout=job_timeout,
        copy=cast(CopySettings, copy),  # set: raise_if_invalid passed
        files=read_file_settings(config),
    )


def _value(config: Mapping[str, Any], name: str) -> Any:
    value = config.get(name)
    return DEFAULTS[name] if value is None else value


def _integer(config: Mapping[str, Any], name: str) -> int:
    # The JSON schema has already checked type and range when validation is on.
    return int(_value(config, name))
