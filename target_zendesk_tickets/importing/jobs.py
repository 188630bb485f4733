"""Zendesk's job statuses: asking about import jobs, and reading what they did.

A bulk import answers with a ``job_status`` (``queued``, then ``working``, then
``completed`` or ``failed``; older accounts may say ``killed``). A finished import job
lists one result per ticket, by its 0-based ``index`` in the request: ``{"index", "id"}``
when the ticket was created, ``{"index", "success": false, "error", "details"}`` when it
was not. A job is ``failed`` when every ticket failed.

Nothing is taken on trust (:func:`outcome`): a batch is imported only when its job is
``completed`` and the results cover exactly the indexes ``0..size-1``, once each, every
one with a ticket id and no error. A ticket the results leave out, list twice or give no
id is reported as unconfirmed. A status other than the five above is treated as still
running (Zendesk may have added a step), so the job ends at ``jobTimeout`` if it never
becomes one the target knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.importing.batches import Batch
from zendesk_api.advice import read_advice
from zendesk_api.errors import ZendeskAuthError, ZendeskResponseError, describe_details
from zendesk_api.http import ZendeskClient

JOB_PATH = "/api/v2/job_statuses/{id}.json"
SHOW_MANY_PATH = "/api/v2/job_statuses/show_many.json"
LIST_PATH = "/api/v2/job_statuses.json"

QUEUED_OR_WORKING = frozenset({"queued", "working"})
FAILED = frozenset({"failed", "killed"})
FINISHED = frozenset({"completed"}) | FAILED
KNOWN_STATUSES = QUEUED_OR_WORKING | FINISHED


@dataclass(frozen=True)
class JobStatus:
    id: str
    status: str
    results: list[Any] = field(default_factory=list)
    message: str | None = None
    job_type: str | None = None

    @property
    def about_tickets(self) -> bool:
        """Whether it may create or change tickets (its type says so, or says nothing)."""
        return self.job_type is None or "ticket" in self.job_type.lower()

    @property
    def finished(self) -> bool:
        return is_finished(self.status)

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass(frozen=True)
class TicketFailure:
    """A ticket of the batch that the job did not import (``index`` -1: the whole job).

    ``unconfirmed``: Zendesk did not say the ticket failed, only left it unaccounted for
    (missing from the results, listed twice, or without a ticket id), so it may or may
    not be in Zendesk.
    """

    index: int
    reason: str
    unconfirmed: bool = False


@dataclass(frozen=True)
class JobOutcome:
    """What a finished job did with its batch."""

    job: JobStatus
    imported: int
    failures: list[TicketFailure]
    #: Position in the batch -> the ticket id Zendesk gave (imports) or confirmed (updates).
    ids: dict[int, int] = field(default_factory=dict)
    #: Positions of updates refused because the copy is closed (not failures by default).
    closed: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        # An update job whose every ticket was a closed copy may end 'failed'.
        return not self.failures and (self.job.status == "completed" or bool(self.closed))

    @property
    def failed(self) -> int:
        """Tickets Zendesk said it did not import."""
        return len([f for f in self.failures if f.index >= 0 and not f.unconfirmed])

    @property
    def unconfirmed(self) -> int:
        """Tickets the job's results do not account for."""
        return len([f for f in self.failures if f.index >= 0 and f.unconfirmed])


def is_finished(status: str) -> bool:
    """Completed, failed or killed; unknown statuses count as still running."""
    return status in FINISHED


def parse_job_status(document: Any) -> JobStatus:
    """One ``job_status`` object (or a document wrapping it in ``"job_status"``)."""
    if isinstance(document, Mapping) and isinstance(document.get("job_status"), Mapping):
        document = document["job_status"]
    if not isinstance(document, Mapping) or not document.get("id") or not document.get("status"):
        raise ZendeskResponseError(
            f"Zendesk sent a job status without id or status: {document!r:.200}"
        )
    results = document.get("results")
    return JobStatus(
        id=str(document["id"]),
        status=str(document["status"]).lower(),
        results=list(results) if isinstance(results, list) else [],
        message=document.get("message") if isinstance(document.get("message"), str) else None,
        job_type=document.get("job_type") if isinstance(document.get("job_type"), str) else None,
    )


def parse_job_list(document: Any) -> list[JobStatus]:
    """The ``job_statuses`` array of a show_many or list answer."""
    items = document.get("job_statuses") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        raise ZendeskResponseError("Zendesk's answer has no 'job_statuses' array")
    return [parse_job_status(item) for item in items]


def fetch_jobs(client: ZendeskClient, ids: Iterable[str]) -> dict[str, JobStatus]:
    """One request for the statuses of ``ids`` (show_many when there are several).

    One attempt: after a failure the pipeline asks again when the next poll is due.
    """
    wanted = list(ids)
    try:
        if len(wanted) == 1:
            job = parse_job_status(client.fetch("GET", JOB_PATH.format(id=wanted[0])))
            return {job.id: job}
        document = client.fetch("GET", SHOW_MANY_PATH, params={"ids": ",".join(wanted)})
    except ZendeskAuthError as exc:
        raise read_advice(exc, client.connection, operation="read import job statuses") from None
    return {job.id: job for job in parse_job_list(document)}


def outcome(job: JobStatus, batch_size: int) -> JobOutcome:
    """Which tickets of a finished job were created, failed, or are not accounted for."""
    failures: list[TicketFailure] = []
    created: set[int] = set()
    ids: dict[int, int] = {}
    seen: set[int] = set()
    for position, entry in enumerate(job.results):
        index = entry.get("index") if isinstance(entry, Mapping) else None
        if not isinstance(index, int) or isinstance(index, bool):
            failures.append(
                TicketFailure(-1, f"result {position + 1} has no index: {entry!r:.200}", True)
            )
            continue
        if index in seen:
            created.discard(index)
            failures.append(
                TicketFailure(index, "listed more than once in the job's results", True)
            )
            continue
        seen.add(index)
        if not 0 <= index < batch_size:
            failures.append(TicketFailure(index, "not a position of this batch", True))
            continue
        assert isinstance(entry, Mapping)
        reason = _failure_reason(entry)
        if reason is not None:
            failures.append(TicketFailure(index, reason))
        elif not isinstance(entry.get("id"), int):
            failures.append(TicketFailure(index, "the job's result gives no ticket id", True))
        else:
            created.add(index)
            ids[index] = entry["id"]
    if job.failed:
        if not any(f.index >= 0 and not f.unconfirmed for f in failures):
            failures.insert(0, TicketFailure(-1, job.message or f"the job ended '{job.status}'"))
    elif not job.results:
        failures.append(
            TicketFailure(
                -1,
                f"the job is '{job.status}' but lists no results, so Zendesk did not say "
                "which tickets it created",
                True,
            )
        )
    else:
        missing = [i for i in range(batch_size) if i not in seen]
        failures += [TicketFailure(i, "not in the job's results", True) for i in missing]
    failures.sort(key=lambda failure: failure.index)
    return JobOutcome(job, len(created), failures, {i: ids[i] for i in sorted(created)})


CLOSED_TEXT = "closed prevents ticket update"


def update_outcome(job: JobStatus, ticket_ids: list[int]) -> JobOutcome:
    """What a finished ``update_many`` job did: results are by ticket ``id``, not index.

    An update refused because the copy is closed is reported in ``closed``, not as a
    failure; a ticket the results leave out is unconfirmed.
    """
    positions = {ticket_id: index for index, ticket_id in enumerate(ticket_ids)}
    failures: list[TicketFailure] = []
    ids: dict[int, int] = {}
    closed: list[int] = []
    for entry in job.results:
        ticket_id = entry.get("id") if isinstance(entry, Mapping) else None
        index = positions.get(ticket_id) if isinstance(ticket_id, int) else None
        if index is None or index in ids or index in closed:
            failures.append(TicketFailure(-1, f"an unexpected result: {entry!r:.200}", True))
            continue
        assert isinstance(entry, Mapping)
        reason = _failure_reason(entry)
        if reason is None:
            ids[index] = ticket_ids[index]
        elif CLOSED_TEXT in reason.lower():
            closed.append(index)
        else:
            failures.append(TicketFailure(index, reason))
    if job.failed and not failures and not closed:
        failures.append(TicketFailure(-1, job.message or f"the job ended '{job.status}'"))
    accounted = set(ids) | set(closed) | {f.index for f in failures}
    failures += [
        TicketFailure(i, "not in the job's results", True)
        for i in range(len(ticket_ids))
        if i not in accounted
    ]
    failures.sort(key=lambda failure: failure.index)
    return JobOutcome(job, len(ids), failures, ids, sorted(closed))


def describe_failures(result: JobOutcome, batch: Batch, *, limit: int = 20) -> list[str]:
    """One line per failing ticket: who it is and what Zendesk said."""
    lines = []
    for failure in result.failures[:limit]:
        if failure.index < 0:
            lines.append(
                failure.reason if failure.unconfirmed else f"the whole job: {failure.reason}"
            )
        else:
            lines.append(f"{batch.describe_ticket(failure.index)}: {failure.reason}")
    if len(result.failures) > limit:
        lines.append(f"... and {len(result.failures) - limit} more")
    return lines


def _failure_reason(entry: Mapping[str, Any]) -> str | None:
    status = entry.get("status")
    failed = (
        entry.get("success") is False
        or entry.get("error")
        or entry.get("errors")
        or (isinstance(status, str) and status.lower() == "failed")
    )
    if not failed:
        return None
    parts: list[str] = []
    for key in ("error", "errors", "status"):
        value = entry.get(key)
        if value and (key != "status" or not parts):
            parts.append(value if isinstance(value, str) else str(value))
    details = describe_details(entry.get("details"))
    if details:
        parts.append("; ".join(details))
    return ": ".join(parts) or "Zendesk gave no reason"
