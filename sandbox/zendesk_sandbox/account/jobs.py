"""Bulk jobs (import, update, delete) and how their status reads at a given moment.

A job's life is computed from its timestamps, not driven by a timer thread: it is ``queued``
for the first half of its delay, ``working`` for the second half, and done once the delay has
passed. The account runs a due job's import the first time anyone looks at the account after
the due time, in due order, and with the due time as the import time, so the outcome is the
same as if a worker had run it exactly on time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zendesk_sandbox.timefmt import job_message_time

JOB_TYPES = {
    "import": "bulk_import_tickets",
    "update": "bulk_update_tickets",
    "destroy": "bulk_delete_tickets",
    "users": "bulk_create_or_update_users",
}
RETENTION_SECONDS = 86_400.0  # Zendesk keeps job statuses for one day


def list_key(job: Job, now: float) -> tuple[int, float, int]:
    """Where ``job`` sorts in the job list (descending): finished ones by completion, then
    creation; unfinished ones after every finished one, newest first."""
    if job.is_active(now):
        return (0, 0.0, job.sequence)
    return (1, job.done_at, job.sequence)


def job_id(seed: int, sequence: int) -> str:
    """A 32-hex-digit id like Zendesk's, stable for a given seed and job number."""
    return hashlib.sha256(f"sandbox-job:{seed}:{sequence}".encode()).hexdigest()[:32]


def failed_entry(result: dict) -> bool:
    return result.get("success") is False or "error" in result


@dataclass
class Job:
    """One bulk job: ``tickets`` holds the import payload, the updates, or ``{"id"}``s."""

    id: str
    url: str
    sequence: int
    created_at: float  # sandbox clock
    delay: float
    tickets: list  # the raw tickets as received
    archive_immediately: bool
    results: list | None = None  # set when the job has run
    kind: str = "import"
    author_id: int | None = None  # who updates or deletes (update and destroy jobs)

    @property
    def done_at(self) -> float:
        return self.created_at + self.delay

    def is_active(self, now: float) -> bool:
        """Queued or working: counts against the account's job cap."""
        return now < self.done_at

    def status(self, now: float) -> str:
        if self.results is not None and not self.is_active(now):
            failed = bool(self.results) and all(failed_entry(r) for r in self.results)
            return "failed" if failed else "completed"
        if now >= self.created_at + self.delay / 2:
            return "working"
        return "queued"

    def to_dict(self, now: float) -> dict:
        """The ``job_status`` object as the API shows it at ``now``."""
        status = self.status(now)
        total = len(self.tickets)
        progress: int | None = None
        message: str | None = None
        results: list | None = None
        if status == "working":
            progress = 0
        elif status in ("completed", "failed"):
            progress = total
            results = [dict(result) for result in self.results or []]
            when = job_message_time(self.done_at)
            if status == "completed":
                message = f"Completed at {when}"
            else:
                verb = {
                    "import": "imported",
                    "update": "updated",
                    "destroy": "deleted",
                    "users": "created or updated",
                }[self.kind]
                message = f"Failed at {when}: none of the {total} tickets could be {verb}"
        return {
            "id": self.id,
            "url": self.url,
            "status": status,
            "total": total,
            "progress": progress,
            "message": message,
            "results": results,
            "job_type": JOB_TYPES[self.kind],
        }

    def state(self) -> dict:
        """What the state directory keeps of a job when it is queued."""
        return {
            "id": self.id,
            "url": self.url,
            "sequence": self.sequence,
            "created_at": self.created_at,
            "delay": self.delay,
            "tickets": self.tickets,
            "archive_immediately": self.archive_immediately,
            "kind": self.kind,
            "author_id": self.author_id,
        }
