"""Bulk jobs (import, update, delete) and how their status reads at a given moment.

A job's life is computed from its timestamps, not driven by a timer thread: it is ``queued``
for ``queued_for`` seconds (``job_queue_time``) and the first half of its delay, ``working``
for the second half (its ``progress`` growing), and done once the delay has passed. The
account runs a due job's import the first time anyone looks at the account after
the due time, in due order, and with the due time as the import time, so the outcome is the
same as if a worker had run it exactly on time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zendesk_sandbox.timefmt import job_message_time

FOREIGN = "foreign"  # another client's job: holds a slot, changes nothing here
# ``job_type`` as recorded in 2024 ("Bulk Create Ticket"; "Bulk Create User" for users,
# which the foreign jobs stand for); the update and delete names are guesses after them.
JOB_TYPES = {
    "import": "Bulk Create Ticket",
    "update": "Bulk Update Ticket",
    "destroy": "Bulk Delete Ticket",
    FOREIGN: "Bulk Create User",
    "users": "Bulk Create Or Update User",  # [GUESS] after the recorded names
}
# What a working job's message says it is doing (recorded: "Creating ticket #N").
WORKING_MESSAGES = {
    "import": "Creating ticket #{n}",
    "update": "Updating ticket #{n}",
    "destroy": "Deleting ticket #{n}",
    FOREIGN: "Creating user #{n}",
    "users": "Creating user #{n}",
}
RETENTION_SECONDS = 86_400.0  # Zendesk keeps job statuses for one day


def list_key(job: Job, now: float) -> tuple[int, float, int]:
    """Where ``job`` sorts in the job list (descending): finished ones by completion, then
    creation; unfinished ones after every finished one, newest first."""
    if job.is_active(now):
        return (0, 0.0, job.sequence)
    return (1, job.done_at, job.sequence)


def job_id(seed: int, sequence: int) -> str:
    """``V3-`` and 32 hex digits, like Zendesk's ids since 2022; stable for a seed and job."""
    digest = hashlib.sha256(f"sandbox-job:{seed}:{sequence}".encode()).hexdigest()
    return f"V3-{digest[:32]}"


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
    queued_for: float = 0.0  # seconds queued before the delay starts (job_queue_time)

    @property
    def started_at(self) -> float:
        """When it turns from queued to working."""
        return self.created_at + self.queued_for + self.delay / 2

    @property
    def done_at(self) -> float:
        return self.created_at + self.queued_for + self.delay

    def is_active(self, now: float) -> bool:
        """Queued or working: counts against the account's job cap."""
        return now < self.done_at

    def status(self, now: float) -> str:
        if self.results is not None and not self.is_active(now):
            failed = bool(self.results) and all(failed_entry(r) for r in self.results)
            return "failed" if failed else "completed"
        if now >= self.started_at:
            return "working"
        return "queued"

    def to_dict(self, now: float, *, job_type: bool = True) -> dict:
        """The ``job_status`` object as the API shows it at ``now`` (``job_type`` False:
        without it, as recorded in 2023)."""
        status = self.status(now)
        total = len(self.tickets)
        progress: int | None = None
        message: str | None = None
        results: list | None = None
        if status == "working":
            share = (now - self.started_at) / max(self.done_at - self.started_at, 1e-9)
            progress = min(total - 1, int(total * share)) if total else 0
            message = WORKING_MESSAGES[self.kind].format(n=progress + 1)
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
                    "users": "created or updated",
                }.get(self.kind, "deleted")
                message = f"Failed at {when}: none of the {total} tickets could be {verb}"
        shown: dict = {"id": self.id}
        if job_type:
            shown["job_type"] = JOB_TYPES[self.kind]
        shown.update(
            {
                "url": self.url,
                "total": total,
                "progress": progress,
                "status": status,
                "message": message,
                "results": results,
            }
        )
        return shown

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
            "queued_for": self.queued_for,
        }
