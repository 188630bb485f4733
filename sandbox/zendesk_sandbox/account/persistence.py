"""Writing an account's changes to its state directory, and reading them back on start.

A mixin of ``Account``; ``store.py`` holds the journal format.
"""

from __future__ import annotations

from zendesk_sandbox.account.account_base import AccountBase
from zendesk_sandbox.account.jobs import Job
from zendesk_sandbox.generated.people import CREATED_FROM, user_from_state
from zendesk_sandbox.generated.structure import FieldOption, TicketField
from zendesk_sandbox.generated.universe import ACCOUNT_STRIDE


class Persistence(AccountBase):
    def _record(self, record: dict) -> None:
        if self._store is not None and not self._replaying:
            self._store.append(record)

    def close_store(self) -> None:
        with self.lock:
            if self._store is not None:
                self._store.close()

    def _replay(self) -> None:
        """Apply every record of the state directory, in the order they were written."""
        assert self._store is not None
        self._replaying = True
        try:
            for record in self._store.records():
                kind = record["t"]
                if kind == "ticket":
                    audits = record["audits"]
                    self.conversations.note_ids(audits)
                    self._put(record["ticket"], audits, at=record["at"])
                elif kind == "imported":
                    self._import_facts[record["id"]] = record["facts"]
                    if record["archived"]:
                        self._archived.add(record["id"])
                elif kind == "user":
                    user = user_from_state(record["user"])
                    people = self.directory.people
                    people.add(user)
                    people.created = max(people.created, user.id % ACCOUNT_STRIDE - CREATED_FROM)
                elif kind == "field":
                    data = dict(record["field"])
                    data["options"] = [FieldOption(**option) for option in data["options"]]
                    self.directory.structure.add_field(TicketField(**data))
                elif kind == "job":
                    job = Job(**record["job"])
                    self._jobs[job.id] = job
                    self._pending_jobs.append(job)
                    self._job_count = max(self._job_count, job.sequence)
                elif kind == "job_done":
                    job = self._jobs[record["id"]]
                    job.results = record["results"]
                    if job in self._pending_jobs:
                        self._pending_jobs.remove(job)
                elif kind == "import_request":
                    self._import_requests.append(record["request"])
                elif kind == "clock":
                    self._clock_offset = record["offset"]
        finally:
            self._replaying = False
