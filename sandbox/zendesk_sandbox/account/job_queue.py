"""The account's bulk jobs: queued at most ``max_jobs`` at once, run once due, kept a day.

What a job does with its tickets is the writes' business (``TicketWrites.run_job``); the
queue decides when, and keeps the statuses ``job_statuses`` answers with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zendesk_sandbox.account.jobs import RETENTION_SECONDS, Job, job_id, list_key
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
            raise ApiError(
                429,
                {
                    "error": "TooManyJobs",
                    "description": (
                        "Too many jobs are currently queued or running. Try again later."
                    ),
                    "current_job_ids": [job.id for job in active],
                },
                {"Retry-After": format_wait(wait, config.job_delay)},
            )
        self._count += 1
        new_id = job_id(config.seed, self._count)
        job = Job(
            id=new_id,
            url=f"{self.base_url}/api/v2/job_statuses/{new_id}.json",
            sequence=self._count,
            created_at=now,
            delay=config.job_delay,
            tickets=copy.deepcopy(tickets),
            archive_immediately=archive_immediately,
            kind=kind,
            author_id=author_id,
        )
        self._jobs[job.id] = job
        self._pending.append(job)
        self._journal.record({"t": "job", "job": job.state()})
        return job

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
            # Each ticket stands or falls on its own, as in Zendesk's bulk jobs.
            job.results = run(job)
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
        return self._jobs[job_id].to_dict(self._clock())

    def listing(self) -> list[tuple[tuple, dict]]:
        """``(list_key(job), job_status)`` of every job of the last day, in list order."""
        now = self._clock()
        ordered = sorted(self._jobs.values(), key=lambda job: list_key(job, now), reverse=True)
        return [(list_key(job, now), job.to_dict(now)) for job in ordered]

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
