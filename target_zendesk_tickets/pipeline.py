"""Import jobs in flight, the thread that watches them, and the STATE they release.

The main thread (reading input) submits batches: the call returns as soon as Zendesk has
queued the batch's job, unless ``maxJobsInFlight`` jobs are already open, in which case
it waits for one to finish. A watcher thread asks Zendesk about the open jobs every
``jobPollInterval`` - also while the tap is quiet - records what each finished job did,
and lets the :class:`StateGate` write the STATEs that became safe.

On the first failure (a job with failing tickets, a rejected call, a job that outlived
``jobTimeout``) no further batch is sent: the failure is raised in the main thread (see
:mod:`interrupts`), the jobs already in flight are waited for so the final message can
say what they did, and no STATE after the failed batch is written.

One lock (a Condition) guards the open jobs, the gate and stdout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.batches import Batch
from target_zendesk_tickets.errors import ImportFailedError, TargetError
from target_zendesk_tickets.importer import Importer
from target_zendesk_tickets.jobs import (
    KNOWN_STATUSES,
    JobOutcome,
    JobStatus,
    describe_failures,
    fetch_jobs,
    outcome,
)
from target_zendesk_tickets.reads import SETUP_TRIES, SafeReader, is_retriable
from target_zendesk_tickets.recovery import Recovery, settle_period
from target_zendesk_tickets.settings import MAX_JOBS, TargetSettings
from target_zendesk_tickets.state_gate import StateGate
from zendesk_api.durations import format_duration
from zendesk_api.errors import ZendeskError, ZendeskHTTPError, ZendeskRateLimitError
from zendesk_api.http import ZendeskClient, ZendeskSetupError

logger = logging.getLogger(__name__)

COMPONENT = "target-zendesk-tickets"
Poll = Callable[[list[str]], dict[str, JobStatus]]


@dataclass
class _OpenJob:
    batch: Batch
    deadline: float
    status: str = "queued"
    warned: bool = False  # about a status the target does not know


@dataclass
class Progress:
    """What has been imported so far, for the log and for the final message."""

    batches: int = 0
    tickets: int = 0
    #: Batches that completed after a failed one: imported, but no STATE covers them.
    after_failure: list[str] = field(default_factory=list)
    failed_batch: int | None = None
    #: Batches whose jobs were still open when the target gave up on them.
    abandoned: list[str] = field(default_factory=list)
    #: Batches another failure stopped while an unanswered call of theirs was being
    #: checked: that call may have created a job.
    in_doubt: list[str] = field(default_factory=list)
    #: Batches taken from the buffers but stopped by another failure before any call of
    #: theirs could have imported them.
    not_sent: list[str] = field(default_factory=list)


class ImportPipeline:
    def __init__(
        self,
        importer: Importer | None,
        poll: Poll,
        write_state: Callable[[dict[str, Any]], None],
        *,
        max_in_flight: int,
        poll_interval: float,
        job_timeout: float,
        on_failure: Callable[[BaseException], None] = lambda _exc: None,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.importer = importer  # set after construction when it needs our pause()
        self._poll = poll
        self.on_close: list[Callable[[], None]] = []
        self.max_in_flight = max_in_flight
        self.poll_interval = poll_interval
        self.job_timeout = job_timeout
        self._on_failure = on_failure
        self._wake = wake  # after a failure, every poll: the main thread may have missed it
        self._clock = clock
        self._cond = threading.Condition()
        self._failed = threading.Event()  # ends pauses early
        self._closing = threading.Event()  # wakes the watcher to stop
        self.gate = StateGate(write_state)
        self.progress = Progress()
        self.failure: BaseException | None = None
        self._open: dict[str, _OpenJob] = {}
        # Jobs this run started and that may still show as queued or working: the open ones
        # and the last few finished (bounded, so memory does not grow with the input).
        self._recent_jobs: deque[str] = deque(maxlen=4 * MAX_JOBS)
        self._submitted = 0
        self._watcher: threading.Thread | None = None
        self._poll_not_before = 0.0
        self._last_poll_error: ZendeskError | None = None
        self._setup_failures = 0  # polls in a row that failed on TLS or a proxy

    # Main thread --------------------------------------------------------------------

    def submit(self, batch: Batch) -> None:
        """Send ``batch`` to Zendesk; returns once its job is queued (or it is known done)."""
        if batch.submitted:
            raise RuntimeError(f"{batch.describe()} was submitted already")  # never twice
        with self._cond:
            try:
                self._raise_if_failed()
                while len(self._open) >= self.max_in_flight:
                    self._cond.wait()
                    self._raise_if_failed()
            except BaseException:
                self.progress.not_sent.append(batch.contents())  # read, never sent
                raise
            batch.submitted = True
            self._submitted += 1
            batch.number = self._submitted
            self.gate.batch_submitted(batch.number)
            self._start_watcher()
        assert self.importer is not None
        try:
            job_id = self.importer.submit(batch)
        except (ZendeskError, TargetError) as exc:
            with self._cond:
                if exc is not self.failure:  # its own failure: the message is about it
                    self._fail(exc, batch)
                elif batch.in_doubt:  # stopped while checking an unanswered call
                    self.progress.in_doubt.append(batch.describe())
                else:  # stopped between calls that Zendesk refused
                    self.progress.not_sent.append(batch.describe())
            raise
        except Exception as exc:  # a bug: must not pass for bad input upstream
            logger.exception("Internal error while sending %s", batch.describe())
            error = TargetError(f"Internal error while sending {batch.describe()}: {exc!r}")
            with self._cond:
                self._fail(error, batch)
            raise error from exc
        tickets, batch.tickets = batch.tickets, []  # Zendesk has them; keep only the refs
        with self._cond:
            if job_id is None:
                self._completed(batch, len(tickets), None)
                self.gate.release()
            else:
                self._recent_jobs.append(job_id)
                self._open[job_id] = _OpenJob(batch, self._clock() + self.job_timeout)
                logger.info("Submitted %s: Zendesk job %s", batch.describe(), job_id)

    def add_state(self, state: dict[str, Any]) -> None:
        """A STATE from the tap, after every record before it was submitted."""
        with self._cond:
            self.gate.add_state(state)
            self.gate.release()

    def finish(self) -> None:
        """Wait until every job has finished; raise the failure if there was one."""
        with self._cond:
            while self._open and self.failure is None:
                self._cond.wait()
            self._raise_if_failed()
            self.gate.release()

    def drain_after_failure(self) -> None:
        """Stop sending; wait for the jobs in flight so the final message can say what they did."""
        with self._cond:
            while self._open:
                self._cond.wait()
            self.gate.release()

    def pause(self, seconds: float) -> None:
        """A wait that a failure elsewhere cuts short (by raising it)."""
        if self._failed.wait(seconds):
            self._raise_if_failed()

    def known_jobs(self) -> set[str]:
        with self._cond:
            return set(self._open) | set(self._recent_jobs)

    def close(self) -> None:
        """Stop the watcher and release connections; safe to call more than once."""
        self._closing.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        while self.on_close:
            self.on_close.pop()()

    # Watcher thread -----------------------------------------------------------------

    def _start_watcher(self) -> None:
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="job-watcher", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        while not self._closing.wait(self.poll_interval):
            try:
                self.poll_once()
            except Exception as exc:
                logger.exception("The job watcher failed")
                with self._cond:
                    self._fail(TargetError(f"Internal error while watching import jobs: {exc!r}"))
                    self._give_up_on_open_jobs()
            if self.failure is not None:
                self._wake()  # again and again, until the main thread has taken it up

    def poll_once(self) -> None:
        """Ask about every open job once, and act on the finished ones."""
        with self._cond:
            ids = list(self._open)
        if not ids or self._clock() < self._poll_not_before:
            self._check_deadlines()
            return
        try:
            statuses = self._poll(ids)
        except ZendeskError as exc:
            self._poll_failed(exc, ids)
            return
        with self._cond:
            self._last_poll_error = None
            self._setup_failures = 0
            # A job show_many leaves out is one Zendesk no longer knows, as a 404 says.
            gone = [job_id for job_id in ids if job_id not in statuses and job_id in self._open]
            if gone:
                self._jobs_unknown(gone, "show_many did not list them")
            for job_id, job in statuses.items():
                open_job = self._open.get(job_id)
                if open_job is None:
                    continue
                open_job.status = job.status
                if job.status not in KNOWN_STATUSES and not open_job.warned:
                    open_job.warned = True
                    logger.warning(
                        "Zendesk's import job %s for %s has the status %r, which the target "
                        "does not know: it is treated as still running (for at most %s, "
                        "jobTimeout)",
                        job_id,
                        open_job.batch.describe(),
                        job.status,
                        format_duration(self.job_timeout),
                    )
                if job.finished:
                    del self._open[job_id]
                    self._finished(open_job.batch, outcome(job, open_job.batch.size))
            self._check_deadlines_locked()
            self.gate.release()
            self._cond.notify_all()

    def _poll_failed(self, exc: ZendeskError, ids: list[str]) -> None:
        self._setup_failures = self._setup_failures + 1 if isinstance(exc, ZendeskSetupError) else 0
        if not is_retriable(exc) or self._setup_failures >= SETUP_TRIES:
            with self._cond:
                if isinstance(exc, ZendeskHTTPError) and exc.status == 404:
                    self._jobs_unknown([i for i in ids if i in self._open], str(exc))
                else:
                    self._fail(exc)
                self._give_up_on_open_jobs()  # asking again would fail the same way
            return
        wait = self.poll_interval
        if isinstance(exc, ZendeskRateLimitError) and exc.retry_after is not None:
            wait = max(wait, exc.retry_after)
        self._poll_not_before = self._clock() + wait
        self._last_poll_error = exc
        log = logger.info if isinstance(exc, ZendeskRateLimitError) else logger.warning
        log("%s; asking about the import jobs again in %s", exc, format_duration(wait))
        self._check_deadlines()

    def _jobs_unknown(self, job_ids: list[str], reason: str) -> None:
        """Zendesk answers as if these jobs never existed: their outcome cannot be known."""
        if not job_ids:
            return
        batches = [self._open.pop(job_id).batch for job_id in job_ids]
        for batch in batches:
            self.progress.abandoned.append(batch.describe())
        which = ", ".join(
            f"{job_id} ({batch.describe()})" for job_id, batch in zip(job_ids, batches, strict=True)
        )
        self._fail(
            ImportFailedError(
                f"Zendesk does not know the import job(s) {which} any more ({reason}). Job "
                "statuses are kept for a day; check in Zendesk which tickets of these batches "
                "were imported"
            ),
            min(batches, key=lambda batch: batch.number),
        )
        self._cond.notify_all()

    def _give_up_on_open_jobs(self) -> None:
        for open_job in self._open.values():
            self.progress.abandoned.append(open_job.batch.describe())
        self._open.clear()
        self._cond.notify_all()

    def _check_deadlines(self) -> None:
        with self._cond:
            self._check_deadlines_locked()
            self._cond.notify_all()

    def _check_deadlines_locked(self) -> None:
        now = self._clock()
        for job_id, open_job in list(self._open.items()):
            if now < open_job.deadline:
                continue
            del self._open[job_id]
            batch = open_job.batch
            self.progress.abandoned.append(batch.describe())
            last_error = (
                f" The last poll failed: {self._last_poll_error}." if self._last_poll_error else ""
            )
            self._fail(
                ImportFailedError(
                    f"Zendesk's import job {job_id} for {batch.describe()} did not finish "
                    f"within {format_duration(self.job_timeout)} (jobTimeout); it was last "
                    f"'{open_job.status}'.{last_error} Check the job in Zendesk before "
                    "running again: its tickets may be imported later"
                ),
                batch,
            )

    # Both threads, under the lock ---------------------------------------------------

    def _finished(self, batch: Batch, result: JobOutcome) -> None:
        if result.ok:
            self._completed(batch, result.imported, result.job.id)
            return
        self._fail(ImportFailedError(_job_failure_message(batch, result)), batch)

    def _completed(self, batch: Batch, created: int, job_id: str | None) -> None:
        self.gate.batch_completed(batch.number)
        failed = self.progress.failed_batch
        if failed is not None and batch.number > failed:
            self.progress.after_failure.append(batch.describe())
        else:
            self.progress.batches += 1
            self.progress.tickets += created
        logger.info(
            "Imported %s%s: %d tickets created",
            batch.describe(),
            f" (job {job_id})" if job_id else " (found in Zendesk)",
            created,
        )

    def _fail(self, exc: BaseException, batch: Batch | None = None) -> None:
        if self.failure is None:
            self.failure = exc
            self.progress.failed_batch = batch.number if batch else self._submitted
            self._failed.set()
            self._on_failure(exc)
        else:
            logger.error("%s", exc)  # reported as it happens; the first failure is the one raised
        self._cond.notify_all()

    def _raise_if_failed(self) -> None:
        if self.failure is not None:
            raise self.failure


def _job_failure_message(batch: Batch, result: JobOutcome) -> str:
    """What a job that did not import its whole batch did, ticket by ticket."""
    job_id, failed, unconfirmed = result.job.id, result.failed, result.unconfirmed
    if not any(failure.unconfirmed for failure in result.failures):
        if failed:
            head = (
                f"Zendesk did not import {failed} of the {batch.size} tickets of "
                f"{batch.describe()} (job {job_id}):"
            )
        else:
            head = f"Zendesk's import job {job_id} for {batch.describe()} failed:"
    elif failed or unconfirmed:
        head = (
            f"Zendesk did not confirm the import of {failed + unconfirmed} of the "
            f"{batch.size} tickets of {batch.describe()} (job {job_id}, '{result.job.status}'): "
            f"{failed} failed, {unconfirmed} not accounted for by the job's results:"
        )
    else:
        head = f"Zendesk's import job {job_id} for {batch.describe()} did not say what it imported:"
    lines = [head, *(f"  - {line}" for line in describe_failures(result, batch))]
    if result.imported:
        lines.append(
            f"The other {result.imported} ticket(s) of this batch were imported (a run from "
            "the last STATE imports them again)."
        )
    elif not unconfirmed and not any(f.unconfirmed for f in result.failures):
        lines.append("None of this batch's tickets were imported.")
    if any(failure.unconfirmed for failure in result.failures):
        lines.append(
            "Tickets the job does not account for may or may not be in Zendesk: check them "
            "(by external_id) before running again from the last STATE."
        )
    else:
        lines.append("Fix or leave out the failing tickets, then run again from the last STATE.")
    return "\n".join(lines)


def build_pipeline(
    settings: TargetSettings,
    *,
    write_state: Callable[[dict[str, Any]], None],
    on_failure: Callable[[BaseException], None],
    wake: Callable[[], None] = lambda: None,
) -> ImportPipeline:
    """The pipeline with its Zendesk clients: one for sending (main thread), one for polling."""
    sender = ZendeskClient(settings.connection, COMPONENT)
    poller = ZendeskClient(settings.connection, COMPONENT)
    pipeline = ImportPipeline(
        None,
        lambda ids: fetch_jobs(poller, ids),
        write_state,
        max_in_flight=settings.max_jobs_in_flight,
        poll_interval=settings.job_poll_interval,
        job_timeout=settings.job_timeout,
        on_failure=on_failure,
        wake=wake,
    )
    recovery = Recovery(
        SafeReader(sender, pause=pipeline.pause),
        known_jobs=pipeline.known_jobs,
        poll_interval=settings.job_poll_interval,
        timeout=settings.job_timeout,
        settle=settle_period(settings.connection, settings.job_timeout),
        archive_immediately=settings.archive_immediately,
        pause=pipeline.pause,
    )
    pipeline.importer = Importer(
        sender,
        recovery,
        max_retries=settings.max_retries,
        archive_immediately=settings.archive_immediately,
        pause=pipeline.pause,
    )
    pipeline.on_close += [sender.session.close, poller.session.close]
    return pipeline
