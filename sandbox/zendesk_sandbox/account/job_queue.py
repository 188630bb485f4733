"""The account's bulk jobs: queued at most ``max_jobs`` at once, run once due, kept a day.

What a job does with its tickets is the writes' business (``TicketWrites.run_job``); the
queue decides when, and keeps the statuses ``job_statuses`` answers with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zendesk_sandbox.account.jobs import FOREIGN, RETENTION_SECONDS, Job, job_id, list_key
from zendesk_sandbox.account.journal import Journal
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.timefmt import format_wait


class JobQueue:
    """Jobs in flight and done. No lock of its own: ``Account`` calls it under its own."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        journal: Journal,
        clock: Callable[[], float],
        base_url: str,
    ) -> None:
        self._config = config  # read at each use: max_jobs and job_delay can be changed
        self._journal = journal
        self._clock = clock
        self.base_url = base_url
        self._jobs: dict[str, Job] = {}
        self._pending: list[Job] = []
        self._count = 0

    def start(
        self,
        kind: str,
        tickets: list,
        *,
        archive_immediately: bool = False,
        author_id: int | None = None,
    ) -> Job:
        """Queue a job of ``kind`` (import, update, destroy), or raise TooManyJobs."""
        config = self._config
        now = self._clock()
        active = self.active(now)
        if config.max_jobs and len(active) >= config.max_jobs:
            wait = min(job.done_at for job in active) - now
            headers = {"Retry-After": format_wait(wait)} if config.too_many_jobs_retry_after else {}
            raise ApiError(
                429,
                {
                    "error": "TooManyJobs",
                    "description": (
                        "Too many jobs are currently queued or running. Try again later."
                    ),
                    "current_job_ids": [job.id for job in active],
                },
                headers,
            )
        return self._queue(
            kind,
            copy.deepcopy(tickets),
            delay=config.job_delay,
            queued_for=config.job_queue_time,
            archive_immediately=archive_immediately,
            author_id=author_id,
        )

    def start_foreign(self, count: int, seconds: float) -> list[str]:
        """Up to ``count`` jobs of another client (bulk user jobs), done one after another
        over ``seconds``; they hold job slots meanwhile and change nothing here. Like any
        client's, they get only the slots that are free (``max_jobs``). Their ids."""
        if count < 0 or seconds <= 0:
            raise ValueError("foreign jobs need a count >= 0 and seconds > 0")
        if self._config.max_jobs:
            count = min(count, self._config.max_jobs - len(self.active(self._clock())))
        users = [{"email": f"user{n}@other-client.example"} for n in range(100)]
        started = [
            self._queue(FOREIGN, users, delay=seconds * (n + 1) / count) for n in range(count)
        ]
        return [job.id for job in started]

    def _queue(
        self,
        kind: str,
        tickets: list,
        *,
        delay: float,
        queued_for: float = 0.0,
        archive_immediately: bool = False,
        author_id: int | None = None,
    ) -> Job:
        self._count += 1
        new_id = job_id(self._config.seed, self._count)
        job = Job(
            id=new_id,
            url=f"{self.base_url}/api/v2/job_statuses/{new_id}.json",
            sequence=self._count,
            created_at=self._clock(),
            delay=delay,
            tickets=tickets,
            archive_immediately=archive_immediately,
            kind=kind,
            author_id=author_id,
            queued_for=queued_for,
        )
        self._jobs[job.id] = job
        self._pending.append(job)
        self._journal.record({"t": "job", "job": job.state()})
        return job

    def show(self, job: Job) -> dict:
        """``job``'s status as the API shows it now."""
        return job.to_dict(self._clock(), job_type=self._config.job_types)

    def active(self, now: float) -> list[Job]:
        """Jobs queued or working at ``now``."""
        return [job for job in self._pending if job.is_active(now)]

    def inflight(self) -> tuple[int, float]:
        """How many jobs are queued or working, and seconds until the first one finishes."""
        now = self._clock()
        active = self.active(now)
        wait = min((job.done_at for job in active), default=now) - now
        return len(active), wait

    def run_due(self, run: Callable[[Job], list[dict]]) -> None:
        """Run every job whose time has come, in the order they came due; forget old ones.

        ``run`` does a job's work and returns its results.
        """
        now = self._clock()
        due = [job for job in self._pending if not job.is_active(now)]
        for job in sorted(due, key=lambda job: (job.done_at, job.sequence)):
            # Each ticket stands or falls on its own, as in Zendesk's bulk jobs. Another
            # client's job did its work elsewhere.
            job.results = [] if job.kind == FOREIGN else run(job)
            self._journal.record({"t": "job_done", "id": job.id, "results": job.results})
            self._pending.remove(job)
        expired = [
            job.id for job in self._jobs.values() if now - job.created_at > RETENTION_SECONDS
        ]
        for expired_id in expired:
            if self._jobs[expired_id].results is not None:
                del self._jobs[expired_id]

    def status(self, job_id: str) -> dict:
        """One job_status; KeyError if unknown or expired."""
        return self.show(self._jobs[job_id])

    def listing(self) -> list[tuple[tuple, dict]]:
        """``(list_key(job), job_status)`` of every job of the last day, in list order."""
        now = self._clock()
        ordered = sorted(self._jobs.values(), key=lambda job: list_key(job, now), reverse=True)
        return [(list_key(job, now), self.show(job)) for job in ordered]

    def counts(self, now: float) -> dict:
        return {"jobs": len(self._jobs), "active_jobs": len(self.active(now))}

    def set_base_url(self, base_url: str) -> None:
        """Point job urls at a (new) server address."""
        self.base_url = base_url
        for job in self._jobs.values():
            job.url = f"{base_url}/api/v2/job_statuses/{job.id}.json"

    # -- the journal -----------------------------------------------------------------------

    def restore(self, state: dict) -> None:
        """Put back a job the journal wrote down when it was queued."""
        job = Job(**state)
        self._jobs[job.id] = job
        self._pending.append(job)
        self._count = max(self._count, job.sequence)

    def restore_results(self, job_id: str, results: list[dict]) -> None:
        """Put back what a job the journal wrote down as done did."""
        job = self._jobs[job_id]
        job.results = results
        if job in self._pending:
            self._pending.remove(job)
