"""Batches out, job outcomes in, STATE released: all on the target's one thread.

The main thread owns everything here. It submits a batch as soon as the sink fills one
and a job slot is free (:mod:`schedule`), asks Zendesk about the open jobs when they are
due (between two input lines, while the input is quiet, and while it waits for a slot or
a wait asked for by Zendesk), and lets the :class:`StateGate` write each STATE once every
batch before it completed. Nothing here is shared with another thread, so there is no
lock; the only other thread reads input lines into a queue (:mod:`reader`).

The first failure (a job with failing tickets, a rejected call, a job that outlived
``jobTimeout``) is raised where it is found, so it stops the input at once. No further
batch is sent, the jobs already in flight are waited for so that the final message can
say what they did, and no STATE after the failed batch is written.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from target_zendesk_tickets.errors import ImportFailedError, StoppedByFailure, TargetError
from target_zendesk_tickets.importing.batches import UPDATE, Batch
from target_zendesk_tickets.importing.jobs import (
    KNOWN_STATUSES,
    JobOutcome,
    JobStatus,
    TicketFailure,
    outcome,
    update_outcome,
)
from target_zendesk_tickets.importing.report import Progress, final_message, job_failure_message
from target_zendesk_tickets.importing.schedule import MAX_JOBS, MIN_GAP, JobSlots, PollSchedule
from target_zendesk_tickets.importing.state_gate import StateGate
from zendesk_api.durations import format_duration
from zendesk_api.errors import ZendeskError, ZendeskHTTPError, ZendeskNotFoundError
from zendesk_api.retry import RetriesExhaustedError, RetryBudget, RetryPolicy

logger = logging.getLogger(__name__)
T = TypeVar("T")

Poll = Callable[[list[str]], dict[str, JobStatus]]
#: Job polls are GETs: asked again through any trouble, each job until its jobTimeout.
POLL_BUDGET = RetryBudget(advice="check https://status.zendesk.com, then run again")


class Submitter(Protocol):
    def submit(self, batch: Batch) -> str | None:
        """Send one batch; its job id, or None when it proved to be imported already."""


@dataclass
class OpenJob:
    batch: Batch
    deadline: float
    status: str = "queued"
    warned: bool = False  # about a status the target does not know


class ImportPipeline:
    def __init__(
        self,
        importer: Submitter,
        poll: Poll,
        write_state: Callable[[dict[str, Any]], None],
        *,
        slots: JobSlots,
        schedule: PollSchedule,
        policy: RetryPolicy,
        job_timeout: float,
        on_done: Callable[[Batch, JobOutcome], None] | None = None,
        closed_is_failure: bool = False,
        busy_jobs: Callable[[], list[str]] | None = None,
    ) -> None:
        """``on_done`` is told of each batch that completed and what its job did (the copy
        engine keeps its copies); ``closed_is_failure`` (closedCopies: fail) makes an update
        refused because its copy is closed a failure. ``busy_jobs`` lists the account's
        jobs in flight (the job list), for a ``TooManyJobs`` that names none."""
        self.importer = importer
        self._poll = poll
        self._busy_jobs = busy_jobs
        self.slots = slots
        self.schedule = schedule
        self._policy = policy  # its clock and sleep, and its waits after a failed poll
        self.job_timeout = job_timeout
        self.gate = StateGate(write_state)
        self.progress = Progress()
        self.failure: BaseException | None = None
        self._open: dict[str, OpenJob] = {}
        # Jobs this run started and that may still show as queued or working: the open ones
        # and the last few finished (bounded, so memory does not grow with the input).
        self._recent_jobs: deque[str] = deque(maxlen=4 * MAX_JOBS)
        self._submitted = 0
        # The shared policy decides about failed polls; the pipeline waits between lines.
        self._poll_retries = policy.retrying(
            what="GET the import jobs' statuses", budget=POLL_BUDGET
        )
        self._last_poll_error: ZendeskError | None = None
        self.on_close: list[Callable[[], None]] = []
        self.on_done = on_done or _nothing_to_do
        self.closed_is_failure = closed_is_failure

    # What the target asks of the pipeline --------------------------------------------

    def submit(self, batch: Batch) -> None:
        """Send ``batch``; returns once its job is queued (or it is known to be imported)."""
        if batch.submitted:
            raise RuntimeError(f"{batch.describe()} was submitted already")  # never twice
        try:
            self._raise_if_failed()
            while not self.slots.can_start(len(self._open)):
                self._poll_when_due(urgent=True)
        except BaseException:
            self.progress.not_sent.append(batch.contents())  # read, never sent
            raise
        batch.submitted = True
        self._submitted += 1
        batch.number = self._submitted
        self.gate.batch_submitted(batch.number)
        job_id = self._send(batch)
        tickets, batch.tickets = batch.tickets, []  # Zendesk has them; keep only the refs
        if job_id is None:  # found in Zendesk after a lost answer: done as if by its job
            self._completed(batch, len(tickets), None)
            found = JobStatus("found", "completed")
            self.on_done(
                batch, JobOutcome(found, len(tickets), [], dict.fromkeys(range(batch.size), 0))
            )
            self.gate.release()
            return
        self._recent_jobs.append(job_id)
        self.slots.job_started()
        self._open[job_id] = OpenJob(batch, self._policy.clock() + self.job_timeout)
        self.schedule.queued(job_id)
        logger.info("Submitted %s: Zendesk job %s", batch.describe(), job_id)

    def add_state(self, state: dict[str, Any]) -> None:
        """A STATE from the tap, after every record before it was submitted."""
        self.gate.add_state(state)
        self.gate.release()

    def seconds_until_due(self) -> float | None:
        """How long the input may stay quiet before jobs are to be asked about (None: none open)."""
        due = self.schedule.due_at(urgent=False)
        return None if due is None else max(0.0, due - self._policy.clock())

    def tick(self) -> None:
        """Ask about the open jobs if that is due, and release what became safe."""
        due = self.schedule.due_at(urgent=False)
        if due is not None and due <= self._policy.clock():
            self.poll_once()

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass, asking about jobs as they come due.

        A failure found meanwhile is raised as :class:`StoppedByFailure`: the call that
        waits must not take it for one of its own errors.
        """
        end = self._policy.clock() + seconds
        while (now := self._policy.clock()) < end:
            due = self.schedule.due_at(urgent=True)
            if due is None or due >= end:
                self._policy.sleep(end - now)
                return
            if due > now:
                self._policy.sleep(due - now)
            try:
                self.poll_once()
            except BaseException as exc:
                if exc is self.failure:
                    raise StoppedByFailure(exc) from None
                raise

    def wait_for_slot(self, error: ZendeskError, longest: float) -> float:
        """After a 429 without ``Retry-After`` (the retry policy's ``wait_untold``): wait
        at most ``longest`` (defaultRetryAfter), but for ``TooManyJobs`` only until a job
        slot is likely free: one of this run's jobs finished (the polls go on), or one of
        the jobs holding the account's slots did (asked about at growing intervals). The
        seconds waited.
        """
        clock = self._policy.clock
        started = clock()
        if not (isinstance(error, ZendeskHTTPError) and error.code == "TooManyJobs"):
            self.wait(longest)
            return clock() - started
        holders = list(error.current_job_ids)
        self.slots.account_full(len(holders))
        if not holders and self._busy_jobs is not None:
            holders = self._ask(self._busy_jobs, [])  # no list in the answer: the job list
        others = [job_id for job_id in holders if job_id not in self._open]
        own = len(self._open)
        gap = min(self.schedule.interval, max(MIN_GAP, 0.5 * self.schedule.typical()))
        next_look = started + gap
        end = started + longest
        while (now := clock()) < end:
            if len(self._open) < own:
                logger.info("One of this run's jobs finished: a job slot is free, asking again")
                return clock() - started
            if others and now >= next_look:
                finished = self._finished_among(others)
                if finished:
                    self.slots.job_finished()
                    logger.info(
                        "Job %s of another client finished: a job slot is likely free, "
                        "asking again",
                        finished[0],
                    )
                    return clock() - started
                gap = min(2 * gap, self.schedule.interval)
                next_look = clock() + gap
            due = self.schedule.due_at(urgent=True)
            wake = min(end, next_look if others else end, due if due is not None else end)
            self.wait(max(MIN_GAP, wake - clock()))  # polls this run's jobs when due
        return clock() - started

    def _finished_among(self, job_ids: list[str]) -> list[str]:
        """Which of the jobs that held the account's slots finished (or are gone)."""
        statuses = self._ask(lambda: self._poll(job_ids), None)
        if statuses is None:
            return []
        return [job_id for job_id in job_ids if job_id not in statuses or statuses[job_id].finished]

    def _ask(self, question: Callable[[], T], failed: T) -> T:
        """One question about other clients' jobs; when it fails, ``failed`` (the wait goes
        on, and ends at defaultRetryAfter at the latest)."""
        try:
            return question()
        except ZendeskError as exc:
            logger.info("Could not ask about the jobs holding the job slots: %s", exc)
            return failed

    def finish(self) -> None:
        """Wait until every job has finished; raise the failure if there was one."""
        while self._open:
            self._poll_when_due(urgent=True)
        self._raise_if_failed()
        self.gate.release()

    def drain_after_failure(self) -> None:
        """Send nothing more; wait for the jobs in flight, so that the final message can say
        what they did."""
        while self._open:
            try:
                self._poll_when_due(urgent=True)
            except (ZendeskError, TargetError) as exc:
                if exc is not self.failure:
                    logger.error("%s", exc)  # reported as it happens; the first one is raised
        self.gate.release()

    def final_message(self, failure: BaseException, *, unsent: int) -> str:
        """``failure``'s text and where the import stands (see :func:`report.final_message`)."""
        return final_message(
            failure,
            self.progress,
            states=self.gate.written,
            unsent=unsent,
            other_failure=self.failure,
        )

    def close(self) -> None:
        """Release connections; safe to call more than once."""
        while self.on_close:
            self.on_close.pop()()

    def settle(self) -> None:
        """Wait until every job in flight has finished (raises a failure found)."""
        while self._open:
            self._poll_when_due(urgent=True)

    def known_jobs(self) -> set[str]:
        """Jobs this run started that may still be listed as unfinished."""
        return set(self._open) | set(self._recent_jobs)

    # Asking about jobs ----------------------------------------------------------------

    def _poll_when_due(self, *, urgent: bool) -> None:
        due = self.schedule.due_at(urgent=urgent)
        if due is None:
            return
        now = self._policy.clock()
        if due > now:
            self._policy.sleep(due - now)
        self.poll_once()

    def poll_once(self) -> None:
        """Ask about every open job once, act on the finished ones, raise a failure found."""
        ids = list(self._open)
        if not ids:
            return
        try:
            statuses = self._poll(ids)
        except ZendeskError as exc:
            self._poll_failed(exc, ids)
            return
        self._poll_retries.succeeded()
        self._last_poll_error = None
        first_failure = self.failure is None
        failures: list[tuple[BaseException, Batch]] = []
        # A job show_many leaves out is one Zendesk no longer knows, as a 404 says.
        gone = [job_id for job_id in ids if job_id not in statuses]
        if gone:
            failures.append(self._jobs_unknown(gone, "show_many did not list them"))
        running: list[str] = []
        finished: list[str] = []
        completed: list[tuple[Batch, int, str]] = []
        for job_id in sorted(statuses, key=self._batch_number):
            open_job = self._open.get(job_id)
            if open_job is None:
                continue
            job = statuses[job_id]
            self._note_status(job_id, open_job, job)
            if not job.finished:
                running.append(job_id)
                continue
            finished.append(job_id)
            del self._open[job_id]
            self.slots.job_finished()
            batch = open_job.batch
            result = self._outcome(batch, job)
            if result.ok:
                completed.append((open_job.batch, result.imported, job_id))
                self.on_done(batch, result)
            else:
                message = job_failure_message(open_job.batch, result)
                failures.append((ImportFailedError(message), open_job.batch))
        self.schedule.polled(running, finished)
        failures += self._past_deadline()
        # The earliest batch's failure is the run's; then completions know what is after it.
        for failure in sorted(failures, key=lambda item: item[1].number):
            self._record(*failure)
        for batch, created, job_id in completed:
            self._completed(batch, created, job_id)
        self.gate.release()
        if first_failure:
            self._raise_if_failed()

    def _outcome(self, batch: Batch, job: JobStatus) -> JobOutcome:
        if batch.kind != UPDATE:
            return outcome(job, batch.size)
        result = update_outcome(job, [copy.id for copy in batch.copies])
        if result.closed and self.closed_is_failure:
            result.failures.extend(
                TicketFailure(i, "the copy is closed, so it cannot be updated (closedCopies)")
                for i in result.closed
            )
        return result

    def _batch_number(self, job_id: str) -> int:
        open_job = self._open.get(job_id)
        return open_job.batch.number if open_job else 0

    def _note_status(self, job_id: str, open_job: OpenJob, job: JobStatus) -> None:
        open_job.status = job.status
        if job.status not in KNOWN_STATUSES and not open_job.warned:
            open_job.warned = True
            logger.warning(
                "Zendesk's import job %s for %s has the status %r, which the target does "
                "not know: it is treated as still running (for at most %s, jobTimeout)",
                job_id,
                open_job.batch.describe(),
                job.status,
                format_duration(self.job_timeout),
            )

    def _poll_failed(self, exc: ZendeskError, ids: list[str]) -> None:
        try:
            wait = self._poll_retries.next_wait(exc)  # the shared policy decides
        except ZendeskError as final:
            # Fatal, or TLS and proxy failures a few times in a row: asking again would
            # fail the same way.
            error = final.error if isinstance(final, RetriesExhaustedError) else final
            if isinstance(error, ZendeskNotFoundError):
                self._raise_first([self._jobs_unknown(ids, str(error))])
                return
            first = min((self._open[job_id].batch for job_id in ids), key=lambda b: b.number)
            for job_id in ids:
                self.progress.abandoned.append(self._open.pop(job_id).batch.describe())
                self.schedule.forget(job_id)
            self._raise_first([(error, first)])
            return
        self._last_poll_error = exc
        self.schedule.poll_failed(max(wait, self.schedule.interval))
        self._raise_first(self._past_deadline())

    def _jobs_unknown(self, job_ids: list[str], reason: str) -> tuple[BaseException, Batch]:
        """Zendesk answers as if these jobs never existed: their outcome cannot be known."""
        batches = []
        for job_id in job_ids:
            batch = self._open.pop(job_id).batch
            self.schedule.forget(job_id)
            self.progress.abandoned.append(batch.describe())
            batches.append(batch)
        which = ", ".join(
            f"{job_id} ({batch.describe()})" for job_id, batch in zip(job_ids, batches, strict=True)
        )
        error = ImportFailedError(
            f"Zendesk does not know the import job(s) {which} any more ({reason}). Job "
            "statuses are kept for a day; check in Zendesk which tickets of these batches "
            "were imported"
        )
        return error, min(batches, key=lambda batch: batch.number)

    def _past_deadline(self) -> list[tuple[BaseException, Batch]]:
        now = self._policy.clock()
        failures: list[tuple[BaseException, Batch]] = []
        for job_id, open_job in list(self._open.items()):
            if now < open_job.deadline:
                continue
            del self._open[job_id]
            self.schedule.forget(job_id)
            batch = open_job.batch
            self.progress.abandoned.append(batch.describe())
            last = (
                f" The last poll failed: {self._last_poll_error}." if self._last_poll_error else ""
            )
            failures.append(
                (
                    ImportFailedError(
                        f"Zendesk's import job {job_id} for {batch.describe()} did not finish "
                        f"within {format_duration(self.job_timeout)} (jobTimeout); it was last "
                        f"'{open_job.status}'.{last} Check the job in Zendesk before running "
                        "again: its tickets may be imported later"
                    ),
                    batch,
                )
            )
        return failures

    # Sending --------------------------------------------------------------------------

    def _send(self, batch: Batch) -> str | None:
        try:
            return self.importer.submit(batch)
        except StoppedByFailure:  # another batch failed while this one waited
            if batch.in_doubt:  # while its lost answer was being checked
                self.progress.in_doubt.append(batch.describe())
            else:  # while it waited to be sent again
                self.progress.not_sent.append(batch.describe())
            raise
        except (ZendeskError, TargetError) as exc:
            self._raise_first([(exc, batch)])  # its own failure: the run's first
            raise
        except Exception as exc:  # a bug: must not pass for bad input upstream
            logger.exception("Internal error while sending %s", batch.describe())
            error = TargetError(f"Internal error while sending {batch.describe()}: {exc!r}")
            self._raise_first([(error, batch)])
            raise error from exc  # reached only while stopping after another failure

    def _completed(self, batch: Batch, created: int, job_id: str | None) -> None:
        self.gate.batch_completed(batch.number)
        failed = self.progress.failed_batch
        if failed is not None and batch.number > failed:
            self.progress.after_failure.append(batch.describe())
        else:
            self.progress.batches += 1
            self.progress.tickets += created
            if batch.kind != UPDATE:
                self.progress.tickets_imported += created
        done = ("Updated", "updated") if batch.kind == UPDATE else ("Imported", "created")
        logger.info(
            "%s %s%s: %d tickets %s",
            done[0],
            batch.describe(),
            f" (job {job_id})" if job_id else " (found in Zendesk)",
            created,
            done[1],
        )

    # Failures -------------------------------------------------------------------------

    def _raise_first(self, failures: Sequence[tuple[BaseException, Batch]]) -> None:
        """Record ``failures``; raise the run's first failure if it is among them."""
        first_failure = self.failure is None
        for exc, batch in failures:
            self._record(exc, batch)
        if first_failure:
            self._raise_if_failed()

    def _record(self, exc: BaseException, batch: Batch) -> None:
        """The first failure of the run is kept (and raised by the caller); later ones logged."""
        if self.failure is None:
            self.failure = exc
            self.progress.failed_batch = batch.number
        elif exc is not self.failure:
            logger.error("%s", exc)

    def _raise_if_failed(self) -> None:
        if self.failure is not None:
            raise self.failure


def _nothing_to_do(batch: Batch, result: JobOutcome) -> None:
    """The default ``on_done``: nothing depends on what the jobs did."""
