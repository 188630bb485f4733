"""After an import call with no clear answer: was the batch imported, or not?

A timeout, a 500/502/504 (or a 503 without Retry-After), a connection that broke after
the request went out, or a 2xx answer with an unreadable body may all hide a job that
Zendesk did create - or will create: after a timeout or a broken connection (and a
502/503/504 from a proxy) the request may still be running inside Zendesk, and its job
may appear only later. Sending
the batch again could import it twice; not sending it could lose it. So, before deciding
(docs/target.md, "Unclear answers"):

1. when the request may still be running, wait a settle period first
   (:func:`settle_period`: ``requestTimeout``, at least 10 s, at most ``jobTimeout``);
2. wait until no import job this run does not know about is queued or working
   (``GET /api/v2/job_statuses.json``), so a job created by the lost call has finished;
3. look every ticket of the batch up by ``external_id``
   (``GET /api/v2/tickets.json?external_id=...``); a ticket counts as imported when one
   with that external_id has the same ``updated_at`` (else ``created_at``);
4. when none is there, read the job list once more just before the batch is sent again:
   a job this run does not know that appeared since step 2 may be the lost call's, so
   steps 2-4 are repeated (within ``jobTimeout``).

All there: the batch is done. None there: it is sent again. Anything else, including
closed tickets imported with ``archiveImmediately`` (archived tickets are not listed by
external_id) that cannot be found, stops the import with the lists of what is where.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.errors import ImportFailedError
from target_zendesk_tickets.importing.batches import Batch
from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.convert import external_id_text
from target_zendesk_tickets.importing.job_list import MAX_JOB_PAGES, ListedJobs, read_job_list
from target_zendesk_tickets.importing.jobs import (
    LIST_PATH,
    SHOW_MANY_PATH,
    JobStatus,
    is_finished,
    parse_job_list,
)
from zendesk_api.advice import read_advice
from zendesk_api.durations import format_duration
from zendesk_api.errors import ZendeskError, ZendeskHTTPError, ZendeskTransportError
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget
from zendesk_api.settings import ZendeskConnection

logger = logging.getLogger(__name__)

TICKETS_PATH = "/api/v2/tickets.json"
_LISTED = 10  # external_ids named per list in a message
#: The shortest settle period: a short requestTimeout is the client's impatience, and says
#: nothing about how long Zendesk may still work on a request it has received.
MIN_SETTLE = 10.0
#: The settle period when requestTimeout is "0s" (no read timeout): its default.
NO_TIMEOUT_SETTLE = 120.0
#: Answers that come from in front of Zendesk's application while it may still be working.
_PROXY_STATUSES = (502, 504)
#: The look-ups are GETs: asked again through any trouble until jobTimeout has passed.
READ_BUDGET = RetryBudget(
    advice="check https://status.zendesk.com, then run again from the last STATE"
)


def settle_period(connection: ZendeskConnection, job_timeout: float) -> float:
    """How long to wait after a lost call before looking: requestTimeout, 10 s to jobTimeout."""
    base = connection.read_timeout or NO_TIMEOUT_SETTLE
    return min(max(base, MIN_SETTLE), job_timeout)


def may_still_be_running(cause: ZendeskError) -> bool:
    """Whether Zendesk may still be working on the call that got ``cause`` for an answer.

    A timeout, a connection that broke after sending, and a 502/504 (or a 503 without
    Retry-After) from a proxy leave the request possibly running; a 500 or an unreadable
    2xx came from Zendesk's application itself, once it was done with the request.
    """
    if isinstance(cause, ZendeskTransportError):
        return cause.sent
    if not isinstance(cause, ZendeskHTTPError):
        return False
    return cause.status in _PROXY_STATUSES or (cause.status == 503 and cause.retry_after is None)


@dataclass
class JobList:
    """The account's recent ticket jobs as listed, and which of them this run started."""

    jobs: list[JobStatus]
    complete: bool  # False: the list went on past MAX_JOB_PAGES
    known: set[str]


@dataclass
class Presence:
    """Indexes of the batch's tickets found in Zendesk, not found, and not checkable."""

    present: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


class LostAnswerCheck:
    """Finds out whether a batch whose import call got no clear answer is in Zendesk.

    Its waits are the client policy's (``pause`` and ``clock``): in the target they keep
    the other jobs in flight polled meanwhile.
    """

    def __init__(
        self,
        client: ZendeskClient,
        counter: CommentCounter,
        *,
        known_jobs: Callable[[], set[str]],
        poll_interval: float,
        timeout: float,
        settle: float,
        archive_immediately: bool,
    ) -> None:
        self.client = client
        self.counter = counter  # the copies' comments, counted exactly
        self._known_jobs = known_jobs
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.settle = settle
        self.archive_immediately = archive_immediately
        self._pause = client.policy.sleep
        self._clock = client.policy.clock

    def _get(
        self, path: str, params: dict[str, Any], *, deadline: float, what: str, operation: str
    ) -> Any:
        try:
            return self.client.get_json(
                path, params, budget=READ_BUDGET, what=what, deadline=deadline
            )
        except ZendeskHTTPError as exc:  # not to be retried: say what to check
            raise read_advice(exc, self.client.connection, operation=operation) from None

    def prepare_updates_again(self, batch: Batch, cause: ZendeskError) -> None:
        """After an update call with no clear answer: make sending it again safe.

        Setting fields again changes nothing; a comment could be added twice. So once the
        lost call's job (if any) has finished, each copy's comments are counted again, and
        a comment the lost call already added is taken out of the batch.
        """
        logger.warning(
            "No clear answer to %s (%s): checking which comments it added before sending it again",
            batch.describe(),
            cause,
        )
        if self.settle > 0 and may_still_be_running(cause):
            self._pause(self.settle)
        deadline = self._clock() + self.timeout
        self.wait_for_unknown_jobs(deadline)
        ids = [entry["id"] for entry in batch.tickets]
        shown = self.counter.show_many(ids, budget=READ_BUDGET, deadline=deadline)
        counts = {ticket_id: ticket.get("comment_count") for ticket_id, ticket in shown.items()}
        for entry, before in zip(batch.tickets, batch.comment_counts, strict=True):
            now = counts.get(entry["id"])
            if "comment" in entry and isinstance(now, int) and before is not None and now > before:
                del entry["comment"]  # the lost call added it

    def already_imported(self, batch: Batch, cause: ZendeskError) -> bool:
        """True when every ticket is in Zendesk, False when none is; raises otherwise."""
        logger.warning(
            "No clear answer to the import of %s (%s): checking whether Zendesk imported "
            "it before deciding to send it again",
            batch.describe(),
            cause,
        )
        if self.settle > 0 and may_still_be_running(cause):
            logger.info(
                "Zendesk may still be working on that call: waiting %s before looking, so "
                "that a job it creates late shows up",
                format_duration(self.settle),
            )
            self._pause(self.settle)
        started = self._clock()
        deadline = started + self.timeout
        while True:
            seen = self.wait_for_unknown_jobs(deadline)
            presence = self.look_up(batch, deadline)
            if not presence.missing and not presence.unknown:
                return True
            if presence.present or presence.unknown:
                raise ImportFailedError(_mixed_message(batch, cause, presence))
            # None there, so the batch goes out again - unless a job appeared meanwhile.
            appeared = sorted(set(self.unknown_jobs(deadline)) - seen)
            if not appeared:
                return False
            if self._clock() + self.poll_interval > deadline:
                raise ImportFailedError(
                    f"Could not tell whether {batch.describe()} was imported: Zendesk "
                    f"answered the import call with {cause}. Jobs this run did not start "
                    f"kept appearing for {format_duration(self._clock() - started)} "
                    f"(jobTimeout): {', '.join(appeared[:_LISTED])}. The batch was not sent "
                    "again, so that no ticket is imported twice. Check its tickets in "
                    "Zendesk, and run again from the last STATE"
                )
            logger.warning(
                "While %s was looked up, job(s) this run did not start appeared (%s): one "
                "may be the unanswered call's, so it is looked up again",
                batch.describe(),
                ", ".join(appeared[:_LISTED]),
            )
            self._pause(self.poll_interval)

    def ticket_jobs(self, deadline: float, budget: RetryBudget = READ_BUDGET) -> JobList:
        """The account's recent ticket jobs (every client's, this run's too), every page.

        Jobs of other kinds (users, organizations...) cannot create or change tickets.
        The list is read to its end (:mod:`job_list`), up to :data:`MAX_JOB_PAGES`.
        """
        listed = self._job_list(deadline, budget)
        jobs = [job for job in listed.jobs if job.about_tickets]
        if not listed.complete:
            logger.warning(
                "The list of recent jobs goes on past %d pages (%d jobs); the rest was not "
                "read, so a job further down is neither waited for nor looked at",
                MAX_JOB_PAGES,
                len(listed.jobs),
            )
        return JobList(jobs, complete=listed.complete, known=self._known_jobs())

    def _job_list(self, deadline: float, budget: RetryBudget = READ_BUDGET) -> ListedJobs:
        page = iter(range(1, MAX_JOB_PAGES + 1))
        try:
            return read_job_list(
                lambda query: self.client.get_json(
                    LIST_PATH,
                    query,
                    budget=budget,
                    what=f"page {next(page)} of the list of recent jobs",
                    deadline=deadline,
                )
            )
        except ZendeskHTTPError as exc:  # not to be retried: say what to check
            raise read_advice(exc, self.client.connection, operation="read job statuses") from None

    def unknown_jobs(self, deadline: float, budget: RetryBudget = READ_BUDGET) -> dict[str, str]:
        """The recent ticket jobs this run did not start: id -> status."""
        listed = self.ticket_jobs(deadline, budget)
        return {job.id: job.status for job in listed.jobs if job.id not in listed.known}

    def wait_for_unknown_jobs(self, deadline: float, budget: RetryBudget = READ_BUDGET) -> set[str]:
        """Wait until no job this run did not start is unfinished; the ids of those listed."""
        started = self._clock()
        listed = self.unknown_jobs(deadline, budget)
        busy = sorted(job_id for job_id, status in listed.items() if not is_finished(status))
        while busy:
            if self._clock() + self.poll_interval > deadline:
                raise ImportFailedError(
                    f"Jobs this run did not start are still queued or working after "
                    f"{format_duration(self._clock() - started)} (jobTimeout): "
                    f"{', '.join(busy[:_LISTED])}. The target waits for them before it can "
                    "tell whether an unanswered import call created one of them. Run again "
                    "when other imports on this account have finished, or raise jobTimeout"
                )
            logger.info(
                "Waiting for %d job(s) this run did not start to finish (%s) before checking "
                "the batch",
                len(busy),
                ", ".join(busy[:_LISTED]),
            )
            self._pause(self.poll_interval)
            busy = self._still_busy(busy, deadline, budget)
        return set(listed)

    def _still_busy(self, ids: list[str], deadline: float, budget: RetryBudget) -> list[str]:
        """Which of ``ids`` are still queued or working: show_many, then the job list for
        those it does not find (single look-ups may stop finding jobs the list shows)."""
        document = self._get(
            SHOW_MANY_PATH,
            {"ids": ",".join(ids)},
            deadline=deadline,
            what="the jobs this run did not start",
            operation="read job statuses",
        )
        found = {job.id: job for job in parse_job_list(document)}
        if any(job_id not in found for job_id in ids):
            listed = self._job_list(deadline, budget).jobs
            found.update({job.id: job for job in listed if job.id in ids})
        # A job in neither has expired: it is not running any more.
        return sorted(job_id for job_id, job in found.items() if not job.finished)

    def look_up(self, batch: Batch, deadline: float) -> Presence:
        presence = Presence()
        for index, ticket in enumerate(batch.tickets):
            external_id = external_id_text(ticket.get("external_id"))
            if not external_id:
                presence.unknown.append(index)
                continue
            document = self._get(
                TICKETS_PATH,
                {"external_id": external_id},
                deadline=deadline,
                what=f"the tickets with external_id {external_id!r}",
                operation="look up tickets",
            )
            found = document.get("tickets") if isinstance(document, Mapping) else None
            if any(_same_version(ticket, other) for other in found or []):
                presence.present.append(index)
            elif self.archive_immediately and ticket.get("status") == "closed":
                presence.unknown.append(index)
            else:
                presence.missing.append(index)
        return presence


def _same_version(ours: Mapping[str, Any], theirs: Any) -> bool:
    # Compared as strings: Zendesk stores external_id as one, whatever was sent.
    if not isinstance(theirs, Mapping) or external_id_text(
        theirs.get("external_id")
    ) != external_id_text(ours.get("external_id")):
        return False
    for name in ("updated_at", "created_at"):
        if ours.get(name) is not None:
            return _same_moment(ours[name], theirs.get(name))
    return True  # nothing to compare but the external_id


def _same_moment(left: Any, right: Any) -> bool:
    """Equal to the second (Zendesk keeps whole seconds)."""
    try:
        return _to_second(left) == _to_second(right)
    except (TypeError, ValueError):
        return left == right


def _to_second(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _mixed_message(batch: Batch, cause: ZendeskError, presence: Presence) -> str:
    def named(indexes: list[int]) -> str:
        shown = [
            external_id_text(batch.tickets[i].get("external_id")) or f"position {i + 1}"
            for i in indexes
        ]
        text = ", ".join(shown[:_LISTED])
        return text + (f" and {len(shown) - _LISTED} more" if len(shown) > _LISTED else "")

    parts = [f"{len(presence.present)} in Zendesk ({named(presence.present) or 'none'})"]
    parts.append(f"{len(presence.missing)} missing ({named(presence.missing) or 'none'})")
    if presence.unknown:
        parts.append(
            f"{len(presence.unknown)} that cannot be checked ({named(presence.unknown)}): "
            "tickets without external_id, or closed tickets imported with "
            "archiveImmediately, which Zendesk archives at once and does not list by "
            "external_id"
        )
    return (
        f"Could not tell whether {batch.describe()} was imported: Zendesk answered the "
        f"import call with {cause}. Checked by external_id: " + "; ".join(parts) + ". "
        "The batch was not sent again, so that no ticket is imported twice. Check these "
        "tickets in Zendesk, remove from the input (or from Zendesk) what was imported, "
        "and run again from the last STATE"
    )
