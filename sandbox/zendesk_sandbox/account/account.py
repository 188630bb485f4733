"""The state of the one sandbox account: tickets, the export order, jobs, imports, the clock.

Generated tickets that nobody changed are not kept as objects: they are rebuilt from the
seed when needed (see ``generated/tickets.py``). Tickets that were changed, added or imported
are kept in full in ``_stored``. The export order is a sorted list of ``(generated_timestamp, id)``
kept up to date on every change, so a page is a bisect and a slice.

All public methods take one re-entrant lock, and an export page is taken in one call, so a
page never mixes two states of the account.

The realistic account's people and structure live in ``directory``, the audits and comments
of changed tickets in ``conversations``. Imports, updates and deletions are in
``writes.py``, the reads beyond tickets (comments, events, search, users) in ``reads.py``,
the state directory in ``persistence.py``; ``Account`` brings them together.
"""

from __future__ import annotations

import bisect
import copy
import json
import threading
import time
from collections.abc import Callable, Iterable

from zendesk_sandbox.account.events import EventIndex
from zendesk_sandbox.account.jobs import RETENTION_SECONDS, Job, job_id, list_key
from zendesk_sandbox.account.locking import settled
from zendesk_sandbox.account.persistence import Persistence
from zendesk_sandbox.account.reads import AccountReads
from zendesk_sandbox.account.search import SearchHistory
from zendesk_sandbox.account.store import Store
from zendesk_sandbox.account.writes import TicketWrites
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.generated.conversations import Conversations, generated_audits
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.tickets import (
    AI_AGENT_EVERY,
    TicketFactory,
    TicketKeys,
    ticket_from_external_id,
)
from zendesk_sandbox.generated.universe import MAX_ACCOUNTS
from zendesk_sandbox.timefmt import format_wait, iso, parse_iso

# Encoded tickets are cached so that paging again is cheap; the cap bounds memory
# (about 2 kB per ticket) for very large accounts. Past it, tickets are encoded per page.
JSON_CACHE_LIMIT = 120_000
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class Account(TicketWrites, AccountReads, Persistence):
    """One Zendesk account's data, as the sandbox serves it."""

    def __init__(self, config: SandboxConfig, base_url: str = "http://127.0.0.1") -> None:
        if not 0 <= config.account < MAX_ACCOUNTS:
            raise ValueError(f"account must be 0..{MAX_ACCOUNTS - 1}; got {config.account}")
        if not 0 <= config.overlap <= 1:
            raise ValueError(f"overlap must be between 0 and 1; got {config.overlap}")
        self.lock = threading.RLock()
        self.config = config
        self._base_url = base_url
        self._keys = TicketKeys.generate(config.seed, config.tickets)
        self.directory = Directory.for_config(config)
        self.strict = config.people  # the realistic account checks what the idealised takes
        self._factory = TicketFactory(config.seed, self.directory)
        self.conversations = Conversations(config.seed, config.account)
        self._search = SearchHistory()
        self._generated_search: dict | None = None  # built on the first search
        self._events: EventIndex | None = None  # built on the first events export
        self._clock_offset = 0.0
        self._stored: dict[int, dict] = {}
        self._stored_by_external_id: dict[str, set[int]] = {}
        self._deleted = set(self._keys.deleted)
        self._ai_agent = set(range(AI_AGENT_EVERY, config.tickets + 1, AI_AGENT_EVERY))
        self._archived: set[int] = set()
        self._import_facts: dict[int, dict] = {}  # imported id -> job, index, solved_at
        self._max_id = config.tickets
        generated = self._keys.generated
        self._order = sorted(zip(generated[1:], range(1, config.tickets + 1), strict=True))
        self._json_cache: dict[int, bytes] = {}
        self._jobs: dict[str, Job] = {}
        self._pending_jobs: list[Job] = []
        self._job_count = 0
        self._import_requests: list[dict] = []
        self._store: Store | None = None
        self._replaying = False
        if config.state_dir is not None:
            self._store = Store(config.state_dir, config)
            self._replay()

    # -- clock ---------------------------------------------------------------------------

    def now(self) -> float:
        """The sandbox clock: real time plus whatever ``advance_clock`` added."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock by ``seconds`` (may be negative); returns the new now."""
        with self.lock:
            self._clock_offset += float(seconds)
            self._record({"t": "clock", "offset": self._clock_offset})
            return self.now()

    # -- reading tickets -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    def set_base_url(self, base_url: str) -> None:
        """Point ticket and job urls at a (new) server address."""
        with self.lock:
            self._base_url = base_url
            for ticket_id, ticket in self._stored.items():
                ticket["url"] = f"{base_url}/api/v2/tickets/{ticket_id}.json"
            for job in self._jobs.values():
                job.url = f"{base_url}/api/v2/job_statuses/{job.id}.json"
            self._json_cache.clear()

    @settled
    def exported_ticket(self, ticket_id: int) -> dict:
        """Ticket ``ticket_id`` as the export shows it now (a copy); KeyError if unknown."""
        return copy.deepcopy(self._ticket(ticket_id))

    @settled
    def ticket_json(self, ticket_id: int) -> bytes:
        """The JSON encoding of one ticket; KeyError if unknown."""
        return self._encoded(ticket_id)

    @settled
    def export_slice(
        self,
        after: tuple[int, int],
        limit: int,
        cutoff: int,
        exclude_deleted: bool,
        support_type_scope: str = "agent",
    ) -> tuple[list[tuple[int, int]], list[bytes], bool]:
        """The next export page after position ``after``.

        Returns the ``(generated_timestamp, id)`` keys of up to ``limit`` tickets ordered
        after ``after`` whose generated_timestamp is at most ``cutoff``, their JSON, and
        whether any such ticket is left after them.
        """
        order = self._order
        shown = self._export_filter(exclude_deleted, support_type_scope)
        position = bisect.bisect_right(order, after)
        keys: list[tuple[int, int]] = []
        while position < len(order) and len(keys) < limit:
            key = order[position]
            if key[0] > cutoff:
                break
            if shown(key[1]):
                keys.append(key)
            position += 1
        more = False
        while position < len(order) and order[position][0] <= cutoff:
            if shown(order[position][1]):
                more = True
                break
            position += 1
        return keys, [self._encoded(ticket_id) for _, ticket_id in keys], more

    def _export_filter(
        self, exclude_deleted: bool, support_type_scope: str
    ) -> Callable[[int], bool]:
        """Which ticket ids an export with these parameters shows."""
        deleted, ai_agent = self._deleted, self._ai_agent

        def shown(ticket_id: int) -> bool:
            if exclude_deleted and ticket_id in deleted:
                return False
            if support_type_scope == "agent":
                return ticket_id not in ai_agent
            if support_type_scope == "ai_agent":
                return ticket_id in ai_agent
            return True

        return shown

    @settled
    def visible_ticket_ids(
        self, exclude_deleted: bool = False, support_type_scope: str = "all"
    ) -> list[int]:
        """Ids of every ticket a full export would return now, in export order.

        ``support_type_scope`` defaults to ``all`` here (what tap-zendesk-tickets asks for);
        the export's own default is ``agent``.
        """
        cutoff = self.now() - self.config.exclusion_window
        shown = self._export_filter(exclude_deleted, support_type_scope)
        return [
            ticket_id
            for generated, ticket_id in self._order
            if generated <= cutoff and shown(ticket_id)
        ]

    @settled
    def listed_ticket_ids(self, external_id: str | None = None) -> list[int]:
        """Ids List Tickets shows, ascending: neither deleted nor archived.

        With ``external_id``, only the tickets that carry it.
        """
        if external_id is None:
            candidates: Iterable[int] = range(1, self._max_id + 1)
        else:
            matches = set(self._stored_by_external_id.get(external_id, ()))
            generated = ticket_from_external_id(self.config.seed, external_id)
            # A generated ticket that was never changed still has its generated external_id.
            if generated is not None and generated <= self._keys.count:
                matches.update({generated} - self._stored.keys())
            candidates = sorted(matches)
        hidden = self._deleted | self._archived
        return [ticket_id for ticket_id in candidates if ticket_id not in hidden]

    @settled
    def ticket_state(self, ticket_id: int) -> str:
        """``missing``, ``deleted``, ``archived`` or ``active``."""
        return self._state(ticket_id)

    def _state(self, ticket_id: int) -> str:
        if not self._exists(ticket_id):
            return "missing"
        if ticket_id in self._deleted:
            return "deleted"
        return "archived" if ticket_id in self._archived else "active"

    # -- changing tickets (the admin API) ------------------------------------------------

    @settled
    def update_tickets(self, ids: Iterable[int], changes: dict | None = None) -> list[int]:
        """Apply ``changes`` to tickets, as an update at the sandbox's now.

        updated_at and generated_timestamp move to now first, then ``changes`` is applied
        as given, so a test can also set those two fields on purpose. A change to
        ``custom_fields`` is mirrored to ``fields`` (and the other way round).
        """
        ids = self._known(ids)
        changes = dict(changes or {})
        if "generated_timestamp" in changes and not _is_int(changes["generated_timestamp"]):
            raise ValueError("generated_timestamp must be an integer")
        if {"id", "url"} & changes.keys():
            raise ValueError("a ticket's id and url cannot be changed")
        for mirrored, source in (("fields", "custom_fields"), ("custom_fields", "fields")):
            if source in changes and mirrored not in changes:
                changes[mirrored] = changes[source]
        now = self.now()
        for ticket_id in ids:
            ticket = copy.deepcopy(self._ticket(ticket_id))
            ticket["updated_at"] = iso(now)
            ticket["generated_timestamp"] = int(now)
            ticket.update(copy.deepcopy(changes))
            self._put(ticket)
        return ids

    @settled
    def delete_tickets(self, ids: Iterable[int]) -> list[int]:
        """Soft-delete tickets: status ``deleted``, timestamps moved to now."""
        return self.update_tickets(ids, {"status": "deleted"})

    @settled
    def add_tickets(self, count: int) -> list[int]:
        """Create ``count`` new tickets at the sandbox's now; returns their ids."""
        if count < 0:
            raise ValueError("count must not be negative")
        now = int(self.now())
        ids = []
        for _ in range(count):
            ticket_id = self._max_id + 1
            self._put(
                self._factory.build(
                    ticket_id,
                    created=now,
                    updated=now,
                    generated=now,
                    deleted=False,
                    base_url=self._base_url,
                    recent=True,
                )
            )
            ids.append(ticket_id)
        return ids

    # -- imports and jobs ----------------------------------------------------------------

    @settled
    def start_import(self, tickets: list, archive_immediately: bool, query: dict) -> dict:
        """Queue a bulk-import job for ``tickets``; returns its queued job_status.

        Raises the 429 ``TooManyJobs`` ApiError when ``max_jobs`` jobs are in flight.
        """
        job = self._start_job("import", tickets, archive_immediately=archive_immediately)
        self._import_requests.append(
            {
                "time": job.created_at,
                "query": dict(query),
                "archive_immediately": archive_immediately,
                "tickets": copy.deepcopy(tickets),
                "job_id": job.id,
            }
        )
        self._record({"t": "import_request", "request": self._import_requests[-1]})
        return job.to_dict(self.now())

    def _start_job(
        self,
        kind: str,
        tickets: list,
        *,
        archive_immediately: bool = False,
        author_id: int | None = None,
    ) -> Job:
        """Queue a job of ``kind`` (import, update, destroy), or raise TooManyJobs."""
        now = self.now()
        active = self._active_jobs(now)
        if self.config.max_jobs and len(active) >= self.config.max_jobs:
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
                {"Retry-After": format_wait(wait, self.config.job_delay)},
            )
        self._job_count += 1
        new_id = job_id(self.config.seed, self._job_count)
        job = Job(
            id=new_id,
            url=f"{self._base_url}/api/v2/job_statuses/{new_id}.json",
            sequence=self._job_count,
            created_at=now,
            delay=self.config.job_delay,
            tickets=copy.deepcopy(tickets),
            archive_immediately=archive_immediately,
            kind=kind,
            author_id=author_id,
        )
        self._jobs[job.id] = job
        self._pending_jobs.append(job)
        self._record({"t": "job", "job": job.state()})
        return job

    @settled
    def inflight_jobs(self) -> tuple[int, float]:
        """How many jobs are queued or working, and seconds until the first one finishes."""
        now = self.now()
        active = self._active_jobs(now)
        wait = min((job.done_at for job in active), default=now) - now
        return len(active), wait

    @settled
    def job(self, job_id: str) -> dict:
        """One job_status; KeyError if unknown or expired."""
        return self._jobs[job_id].to_dict(self.now())

    @settled
    def jobs(self) -> list[dict]:
        """Every job of the last day, in the order of ``GET /api/v2/job_statuses``."""
        return [job for _, job in self.job_list()]

    @settled
    def job_list(self) -> list[tuple[tuple, dict]]:
        """``(list_key(job), job_status)`` of every job of the last day, in list order.

        Zendesk sorts by completion date, then creation date, both descending, and does not
        say where unfinished jobs (no completion date) go. The sandbox puts them last, as a
        SQL ``ORDER BY completed_at DESC`` on MySQL does: a client that reads one page, or
        stops at the first old finished job, misses the jobs still running.
        """
        now = self.now()
        ordered = sorted(self._jobs.values(), key=lambda job: list_key(job, now), reverse=True)
        return [(list_key(job, now), job.to_dict(now)) for job in ordered]

    @settled
    def imported_tickets(self) -> list[dict]:
        """Imported tickets as stored, in import order, with ``archived`` and ``solved_at``."""
        result = []
        for ticket_id, facts in self._import_facts.items():
            ticket = copy.deepcopy(self._stored[ticket_id])
            ticket["archived"] = ticket_id in self._archived
            ticket["solved_at"] = facts["solved_at"]
            result.append(ticket)
        return result

    @settled
    def import_requests(self) -> list[dict]:
        """Every accepted bulk-import request: query args and the tickets as received."""
        return copy.deepcopy(self._import_requests)

    @settled
    def stats(self) -> dict:
        """Counts for a quick look at the account."""
        now = self.now()
        return {
            "tickets": len(self._order),
            "deleted": len(self._deleted),
            "imported": len(self._import_facts),
            "archived": len(self._archived),
            "jobs": len(self._jobs),
            "active_jobs": len(self._active_jobs(now)),
            "import_requests": len(self._import_requests),
            "max_id": self._max_id,
            "users": len(self.directory.people.users),
            "now": now,
            "clock_offset": self._clock_offset,
        }

    # -- internals -----------------------------------------------------------------------

    def _exists(self, ticket_id: int) -> bool:
        return ticket_id in self._stored or 1 <= ticket_id <= self._keys.count

    def _known(self, ids: Iterable[int]) -> list[int]:
        ids = list(ids)
        unknown = [ticket_id for ticket_id in ids if not self._exists(ticket_id)]
        if unknown:
            raise KeyError(f"no such tickets: {unknown}")
        return ids

    def _ticket(self, ticket_id: int) -> dict:
        """The current ticket object (not a copy: callers must not change it)."""
        stored = self._stored.get(ticket_id)
        if stored is not None:
            return stored
        if not 1 <= ticket_id <= self._keys.count:
            raise KeyError(ticket_id)
        return self._generated_ticket(ticket_id)

    def _encoded(self, ticket_id: int) -> bytes:
        cached = self._json_cache.get(ticket_id)
        if cached is None:
            cached = ENCODER.encode(self._ticket(ticket_id)).encode()
            if len(self._json_cache) < JSON_CACHE_LIMIT:
                self._json_cache[ticket_id] = cached
        return cached

    def _put(
        self,
        ticket: dict,
        audits: list[dict] | None = None,
        *,
        at: float | None = None,
    ) -> None:
        """Store a new or changed ticket and keep the order and indexes in step.

        ``audits`` replaces the ticket's conversation; without it a generated ticket keeps
        the conversation it had (it is written down now, before the ticket changes).
        """
        ticket_id = ticket["id"]
        if audits is None:
            audits = self._audits(ticket_id, ticket)
        old_events = self._event_keys(ticket_id) if self._events is not None else None
        previous = self._stored.get(ticket_id)
        old_key = None
        if previous is not None:
            old_key = (previous["generated_timestamp"], ticket_id)
            old_external = previous.get("external_id")
            if isinstance(old_external, str):
                self._stored_by_external_id.get(old_external, set()).discard(ticket_id)
        elif ticket_id <= self._keys.count:
            old_key = (self._keys.generated[ticket_id], ticket_id)
        if old_key is not None:
            del self._order[bisect.bisect_left(self._order, old_key)]
        self._stored[ticket_id] = ticket
        self.conversations.stored[ticket_id] = audits
        bisect.insort(self._order, (ticket["generated_timestamp"], ticket_id))
        if isinstance(ticket.get("external_id"), str):
            self._stored_by_external_id.setdefault(ticket["external_id"], set()).add(ticket_id)
        if ticket.get("status") == "deleted":
            self._deleted.add(ticket_id)
        else:
            self._deleted.discard(ticket_id)
        if ticket.get("support_type") == "ai_agent":
            self._ai_agent.add(ticket_id)
        else:
            self._ai_agent.discard(ticket_id)
        self._json_cache.pop(ticket_id, None)
        self._max_id = max(self._max_id, ticket_id)
        when = self.now() if at is None else at
        self._search.record(ticket_id, when, ticket)
        if self._events is not None and old_events is not None:
            self._events.replace(ticket_id, old_events, self._event_keys(ticket_id))
        self._record({"t": "ticket", "at": when, "ticket": ticket, "audits": audits})

    def _audits(self, ticket_id: int, ticket: dict | None = None) -> list[dict]:
        """A ticket's conversation: as stored, or as generated from the seed.

        ``ticket`` stands in for a ticket that is not in the account yet (a new one).
        """
        stored = self.conversations.stored.get(ticket_id)
        if stored is not None:
            return stored
        keys = self._keys
        if 1 <= ticket_id <= keys.count:
            original = self._ticket(ticket_id)
            created, updated = keys.created[ticket_id], keys.updated[ticket_id]
        else:
            original = ticket or self._ticket(ticket_id)
            created = int(parse_iso(original["created_at"]) or 0)
            updated = int(parse_iso(original["updated_at"]) or created)
        return generated_audits(
            self.config.seed, self.config.account, original, created, max(created, updated)
        )

    def _active_jobs(self, now: float) -> list[Job]:
        return [job for job in self._pending_jobs if job.is_active(now)]

    def _run_due_jobs(self) -> None:
        """Run every job whose time has come, in the order they came due."""
        now = self.now()
        due = [job for job in self._pending_jobs if not job.is_active(now)]
        for job in sorted(due, key=lambda job: (job.done_at, job.sequence)):
            self._run_job(job)
            self._pending_jobs.remove(job)
        expired = [
            job.id for job in self._jobs.values() if now - job.created_at > RETENTION_SECONDS
        ]
        for expired_id in expired:
            if self._jobs[expired_id].results is not None:
                del self._jobs[expired_id]

    def _run_job(self, job: Job) -> None:
        # Each ticket stands or falls on its own, as in Zendesk's bulk jobs.
        runner = {"import": self._run_import, "update": self._run_updates}.get(
            job.kind, self._run_destroy
        )
        job.results = runner(job)
        self._record({"t": "job_done", "id": job.id, "results": job.results})


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
