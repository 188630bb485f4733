"""What the parts of ``Account`` share: its state and the primitives they build on.

``Account`` (account.py) combines ``TicketWrites`` (writes.py), ``AccountReads``
(reads.py) and ``Persistence`` (persistence.py); each of them works on the state declared
here and calls the primitives ``Account`` implements.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zendesk_sandbox.account.events import EventIndex
    from zendesk_sandbox.account.jobs import Job
    from zendesk_sandbox.account.search import SearchHistory
    from zendesk_sandbox.account.store import Store
    from zendesk_sandbox.config import SandboxConfig
    from zendesk_sandbox.generated.conversations import Conversations
    from zendesk_sandbox.generated.directory import Directory
    from zendesk_sandbox.generated.tickets import TicketFactory, TicketKeys


class AccountBase:
    lock: threading.RLock
    config: SandboxConfig
    directory: Directory
    strict: bool
    conversations: Conversations
    _base_url: str
    _keys: TicketKeys
    _factory: TicketFactory
    _clock_offset: float
    _stored: dict[int, dict]
    _deleted: set[int]
    _archived: set[int]
    _import_facts: dict[int, dict]
    _max_id: int
    _json_cache: dict[int, bytes]
    _jobs: dict[str, Job]
    _pending_jobs: list[Job]
    _job_count: int
    _import_requests: list[dict]
    _search: SearchHistory
    _generated_search: dict[str | None, list[int]] | None
    _events: EventIndex | None
    _store: Store | None
    _replaying: bool

    def _generated_ticket(self, ticket_id: int) -> dict:
        """Ticket ``ticket_id`` as the seed generates it, before any change to it."""
        keys = self._keys
        return self._factory.build(
            ticket_id,
            created=keys.created[ticket_id],
            updated=keys.updated[ticket_id],
            generated=keys.generated[ticket_id],
            deleted=ticket_id in keys.deleted,
            base_url=self._base_url,
        )

    # -- implemented by Account ----------------------------------------------------------

    def now(self) -> float:
        raise NotImplementedError

    def _state(self, ticket_id: int) -> str:
        """``missing``, ``deleted``, ``archived`` or ``active``; the caller holds the lock."""
        raise NotImplementedError

    def _run_due_jobs(self) -> None:
        raise NotImplementedError

    def _exists(self, ticket_id: int) -> bool:
        raise NotImplementedError

    def _ticket(self, ticket_id: int) -> dict:
        raise NotImplementedError

    def _put(
        self, ticket: dict, audits: list[dict] | None = None, *, at: float | None = None
    ) -> None:
        raise NotImplementedError

    def _audits(self, ticket_id: int, ticket: dict | None = None) -> list[dict]:
        raise NotImplementedError

    def _start_job(
        self,
        kind: str,
        tickets: list,
        *,
        archive_immediately: bool = False,
        author_id: int | None = None,
    ) -> Job:
        raise NotImplementedError

    # -- implemented by the parts --------------------------------------------------------

    def _record(self, record: dict) -> None:
        raise NotImplementedError

    def _event_keys(self, ticket_id: int) -> list[tuple[int, int, int]]:
        raise NotImplementedError
