"""``Account``: one sandbox account, the one entry point of the account model.

It owns the lock, the clock and the parts, each given what it needs when it is made:

- ``tickets`` (tickets.py): every ticket, generated or stored, in export order, with its
  conversation; the admin API's ticket changes;
- ``jobs`` (job_queue.py): bulk jobs, queued and run once due;
- ``writes`` (writes.py): imports, updates, deletions, users made through the API;
- ``structure_writes`` (structure_writes.py): groups, organizations, memberships, fields
  and forms made through the API;
- ``reads`` (reads.py): comments, ticket events, search, users, side-loads;
- ``analytics`` (analytics.py): metric sets and events, ratings, tags, side conversations;
- ``files`` (files.py): uploads and the bytes behind every file;
- ``journal`` (journal.py): the state directory, written on every change, replayed on start.

The realistic account's people and structure are ``directory`` (generated/directory.py).
Every public method takes one re-entrant lock after running the jobs that came due
(``settled``), and an export page is taken in one call, so a page never mixes two states
of the account. The parts take no lock of their own.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from zendesk_sandbox.account.analytics import AccountAnalytics
from zendesk_sandbox.account.files import AccountFiles, Received
from zendesk_sandbox.account.job_queue import JobQueue
from zendesk_sandbox.account.journal import Journal
from zendesk_sandbox.account.locking import settled
from zendesk_sandbox.account.reads import AccountReads
from zendesk_sandbox.account.search import SearchHistory
from zendesk_sandbox.account.store import Store
from zendesk_sandbox.account.structure_writes import StructureWrites
from zendesk_sandbox.account.tickets import Tickets
from zendesk_sandbox.account.writes import TicketWrites
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated.conversations import PER_TICKET
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.universe import MAX_ACCOUNTS, id_kind

T = TypeVar("T")


class Account:
    """One Zendesk account's data, as the sandbox serves it."""

    def __init__(self, config: SandboxConfig, base_url: str = "http://127.0.0.1") -> None:
        if not 0 <= config.account < MAX_ACCOUNTS:
            raise ValueError(f"account must be 0..{MAX_ACCOUNTS - 1}; got {config.account}")
        if not 0 <= config.overlap <= 1:
            raise ValueError(f"overlap must be between 0 and 1; got {config.overlap}")
        self.lock = threading.RLock()
        self.config = config
        self.directory = Directory.for_config(config)
        self.strict = config.people  # the realistic account checks what the idealised takes
        self._clock_offset = 0.0
        store = Store(config.state_dir, config) if config.state_dir is not None else None
        self.journal = Journal(store)
        search = SearchHistory()
        clock = self.now
        self.tickets = Tickets(
            config,
            self.directory,
            search=search,
            journal=self.journal,
            clock=clock,
            base_url=base_url,
        )
        self.job_queue = JobQueue(config, journal=self.journal, clock=clock, base_url=base_url)
        self.files = AccountFiles(config, journal=self.journal, clock=clock)
        self.writes = TicketWrites(
            config,
            self.directory,
            tickets=self.tickets,
            jobs=self.job_queue,
            journal=self.journal,
            clock=clock,
            files=self.files,
        )
        self.structure_writes = StructureWrites(
            self.directory, tickets=self.tickets, journal=self.journal, clock=clock
        )
        self.reads = AccountReads(
            config, self.directory, tickets=self.tickets, search=search, clock=clock
        )
        self.analytics = AccountAnalytics(config, self.directory, tickets=self.tickets)
        if self.journal.kept:
            self._replay()

    # -- clock ---------------------------------------------------------------------------

    def now(self) -> float:
        """The sandbox clock: real time plus whatever ``advance_clock`` added."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock by ``seconds`` (may be negative); returns the new now."""
        with self.lock:
            self._clock_offset += float(seconds)
            self.journal.record({"t": "clock", "offset": self._clock_offset})
            return self.now()

    # -- the server's address ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.tickets.base_url

    def set_base_url(self, base_url: str) -> None:
        """Point ticket and job urls at a (new) server address."""
        with self.lock:
            self.tickets.set_base_url(base_url)
            self.job_queue.set_base_url(base_url)

    # -- reading tickets -----------------------------------------------------------------

    @settled
    def exported_ticket(self, ticket_id: int) -> dict:
        """Ticket ``ticket_id`` as the export shows it now (a copy); KeyError if unknown."""
        return copy.deepcopy(self.tickets.ticket(ticket_id))

    @settled
    def ticket_field(self, ticket_id: int, name: str) -> object:
        """One field of ticket ``ticket_id`` as it is now (no copy); KeyError if unknown."""
        return self.tickets.ticket(ticket_id).get(name)

    @settled
    def ticket_json(self, ticket_id: int) -> bytes:
        """The JSON encoding of one ticket; KeyError if unknown."""
        return self.tickets.encoded(ticket_id)

    @settled
    def export_slice(
        self,
        after: tuple[int, int],
        limit: int,
        cutoff: int,
        exclude_deleted: bool,
        support_type_scope: str = "agent",
    ) -> tuple[list[tuple[int, int]], list[bytes], bool]:
        """The next export page after position ``after`` (see ``Tickets.export_slice``)."""
        return self.tickets.export_slice(after, limit, cutoff, exclude_deleted, support_type_scope)

    @settled
    def visible_ticket_ids(
        self, exclude_deleted: bool = False, support_type_scope: str = "all"
    ) -> list[int]:
        """Ids of every ticket a full export would return now, in export order.

        ``support_type_scope`` defaults to ``all`` here (what tap-zendesk-tickets asks for);
        the export's own default is ``agent``.
        """
        cutoff = self.now() - self.config.exclusion_window
        return self.tickets.visible_ids(cutoff, exclude_deleted, support_type_scope)

    @settled
    def listed_ticket_ids(self, external_id: str | None = None) -> list[int]:
        """Ids List Tickets shows, ascending: neither deleted nor archived.

        With ``external_id``, only the tickets that carry it.
        """
        return self.tickets.listed_ids(external_id)

    @settled
    def incident_ids(self, problem_id: int) -> list[int]:
        """Ids of the listed tickets whose ``problem_id`` is ``problem_id``, ascending."""
        return self.tickets.incident_ids(problem_id)

    @settled
    def ticket_state(self, ticket_id: int) -> str:
        """``missing``, ``deleted``, ``archived`` or ``active``."""
        return self.tickets.state(ticket_id)

    # -- changing tickets (the admin API) ------------------------------------------------

    @settled
    def update_tickets(self, ids: Iterable[int], changes: dict | None = None) -> list[int]:
        """Apply ``changes`` to tickets, as an update at the sandbox's now
        (see ``Tickets.update``)."""
        return self.tickets.update(ids, changes)

    @settled
    def delete_tickets(self, ids: Iterable[int]) -> list[int]:
        """Soft-delete tickets: status ``deleted``, timestamps moved to now."""
        return self.tickets.update(ids, {"status": "deleted"})

    @settled
    def add_tickets(self, count: int) -> list[int]:
        """Create ``count`` new tickets at the sandbox's now; returns their ids."""
        return self.tickets.add(count)

    # -- writes through the API (writes.py) ----------------------------------------------

    @property
    def account_id(self) -> int:
        return self.writes.account_id

    def user_id_for(self, role: str) -> int:
        """The user behind the API credentials of ``role`` (admin or agent)."""
        return self.writes.user_id_for(role)

    @settled
    def start_import(self, tickets: list, archive_immediately: bool, query: dict) -> dict:
        """Queue a bulk-import job for ``tickets``; returns its queued job_status.

        Raises the 429 ``TooManyJobs`` ApiError when ``max_jobs`` jobs are in flight.
        """
        return self.writes.start_import(tickets, archive_immediately, query)

    @settled
    def import_ticket(self, raw: object, importer_id: int) -> dict:
        """``POST /api/v2/imports/tickets``: the new ticket, or the 422 ApiError."""
        return self.writes.import_ticket(raw, importer_id)

    @settled
    def update_ticket(self, ticket_id: int, changes: object, author_id: int) -> tuple:
        """``PUT /api/v2/tickets/{id}``: ``(ticket, audit)``, or the 404/409/422 ApiError."""
        return self.writes.update_ticket(ticket_id, changes, author_id)

    @settled
    def start_updates(self, updates: list[dict], author_id: int) -> dict:
        """``update_many``: queue a job of ``[{"id": n, ...changes}]``; its job_status."""
        return self.writes.start_updates(updates, author_id)

    @settled
    def delete_ticket(self, ticket_id: int, author_id: int) -> None:
        """``DELETE /api/v2/tickets/{id}``: soft-delete, or the 404 ApiError."""
        self.writes.delete_ticket(ticket_id, author_id)

    @settled
    def start_destroy(self, ids: list[int], author_id: int) -> dict:
        """``destroy_many``: queue a deletion job; its job_status."""
        return self.writes.start_destroy(ids, author_id)

    @settled
    def create_or_update_user(self, spec: object) -> tuple[dict, bool]:
        """``users/create_or_update``: the user's JSON, and whether it was created."""
        return self.writes.create_or_update_user(spec)

    @settled
    def create_user(self, spec: object) -> dict:
        """``POST /api/v2/users``: the new user's JSON, or the 422 ApiError."""
        return self.writes.create_user(spec)

    @settled
    def start_users(self, users: list) -> dict:
        """``users/create_or_update_many``: queue a job of user specs; its job_status."""
        return self.writes.start_users(users)

    @settled
    def create_field(self, spec: object) -> dict:
        """``POST /api/v2/ticket_fields``: the new field's JSON."""
        return self.structure_writes.create("ticket_field", spec)

    @settled
    def create_structure(self, kind: str, spec: object) -> dict:
        """``POST`` of a ``kind``: ``group``, ``organization``, ``group_membership``,
        ``organization_membership``, ``ticket_field``, ``ticket_form``, ``user_field`` or
        ``organization_field``; the new record's JSON, or the 422 ApiError."""
        return self.structure_writes.create(kind, spec)

    @settled
    def update_ticket_field(self, field_id: int, spec: object) -> dict:
        """``PUT /api/v2/ticket_fields/{id}``: the changed field, or the 404/422 ApiError."""
        return self.structure_writes.update_ticket_field(field_id, spec)

    @settled
    def imported_tickets(self) -> list[dict]:
        """Imported tickets as stored, in import order, with ``archived`` and ``solved_at``."""
        return self.writes.imported_tickets()

    @settled
    def import_requests(self) -> list[dict]:
        """Every accepted bulk-import request: query args and the tickets as received."""
        return self.writes.import_requests()

    # -- jobs (job_queue.py) -------------------------------------------------------------

    @settled
    def inflight_jobs(self) -> tuple[int, float]:
        """How many jobs are queued or working, and seconds until the first one finishes."""
        return self.job_queue.inflight()

    @settled
    def job(self, job_id: str) -> dict:
        """One job_status; KeyError if unknown or expired."""
        return self.job_queue.status(job_id)

    @settled
    def jobs(self) -> list[dict]:
        """Every job of the last day, in the order of ``GET /api/v2/job_statuses``."""
        return [job for _, job in self.job_queue.listing()]

    @settled
    def job_list(self) -> list[tuple[tuple, dict]]:
        """``(list_key(job), job_status)`` of every job of the last day, in list order.

        Zendesk sorts by completion date, then creation date, both descending, and does not
        say where unfinished jobs (no completion date) go. The sandbox puts them last, as a
        SQL ``ORDER BY completed_at DESC`` on MySQL does: a client that reads one page, or
        stops at the first old finished job, misses the jobs still running.
        """
        return self.job_queue.listing()

    @settled
    def start_foreign_jobs(self, count: int, seconds: float) -> list[str]:
        """Other clients' jobs that hold job slots for ``seconds``; their ids."""
        return self.job_queue.start_foreign(count, seconds)

    def _run_due_jobs(self) -> None:
        """Run every job whose time has come (``settled`` calls it under the lock)."""
        self.job_queue.run_due(self.writes.run_job)

    # -- reads (reads.py) ----------------------------------------------------------------

    @settled
    def comments(self, ticket_id: int) -> list[tuple[dict, int]]:
        """``(comment, audit id)`` of each comment of a ticket, oldest first."""
        return self.reads.comments(ticket_id)

    @settled
    def ticket_events(self, start_time: int, limit: int, cutoff: int) -> tuple[list[dict], bool]:
        """The audits of an events-export page and whether more are left."""
        return self.reads.ticket_events(start_time, limit, cutoff)

    @settled
    def search_ticket_ids(self, terms: list[tuple[str, str]]) -> list[int]:
        """Ids of the tickets whose indexed facts match ``terms``, ascending."""
        return self.reads.search_ticket_ids(terms)

    @settled
    def user_export_slice(
        self, after: tuple[int, int], limit: int, cutoff: int
    ) -> tuple[list[tuple[int, int]], list[dict], bool]:
        """The user cursor export's next page: keys ``(updated_at, id)``, users, more."""
        return self.reads.user_export_slice(after, limit, cutoff)

    @settled
    def sideloads(self, ticket_ids: list[int], includes: set[str]) -> dict:
        """What the tickets refer to (``users``, ``groups``, ``organizations``) and their
        ``comment_count``."""
        return self.reads.sideloads(ticket_ids, includes)

    @settled
    def read_analytics(self, read: Callable[[AccountAnalytics], T]) -> T:
        """``read(analytics)`` under the lock: metrics, metric events, ratings, tags, side
        conversations, audits (see ``AccountAnalytics``)."""
        return read(self.analytics)

    # -- files (files.py) ----------------------------------------------------------------

    @settled
    def add_upload(
        self, file_name: str, content_type: str, received: Received, token: str | None
    ) -> tuple[dict, dict]:
        """Keep an uploaded file: the upload (``token``, ``expires_at``, its files) and the file."""
        upload, attachment = self.files.add(file_name, content_type, received, token)
        return {
            "token": upload.token,
            "expires_at": upload.expires_at,
            "attachments": copy.deepcopy(upload.attachments),
        }, attachment

    @settled
    def attachment(self, attachment_id: int) -> dict | None:
        """A file of the account by id (uploaded, or of a generated comment), or None."""
        return self.files.show(attachment_id) or self._generated_attachment(attachment_id)

    @settled
    def file_by_content_token(self, token: str) -> dict | None:
        """The file whose ``content_url`` carries ``token``, with ``path`` for an uploaded one."""
        found = self.files.by_content_token(token)
        if found is not None:
            return {**found, "path": str(self.files.path_of(found))}
        if token.startswith("sandbox") and token[7:].isdigit():
            return self._generated_attachment(int(token[7:]))
        return None

    def _generated_attachment(self, attachment_id: int) -> dict | None:
        kind = id_kind(attachment_id)
        if kind is None or kind[0] != "attachment" or kind[1] != self.config.account:
            return None
        ticket_id = kind[2] // 4 // PER_TICKET
        if not self.tickets.exists(ticket_id):
            return None
        for comment, _ in self.reads.comments(ticket_id):
            for attachment in comment["attachments"]:
                if attachment["id"] == attachment_id and "content_token" not in attachment:
                    return attachment
        return None

    @settled
    def files_stats(self) -> dict:
        """Uploads waiting, files kept, bytes uploaded, dead tokens an import or update named."""
        return self.files.stats()

    # -- the whole account ---------------------------------------------------------------

    @settled
    def stats(self) -> dict:
        """Counts for a quick look at the account."""
        now = self.now()
        counts = {
            **self.tickets.counts(),
            **self.writes.counts(),
            **self.job_queue.counts(now),
        }
        return {
            "tickets": counts["tickets"],
            "deleted": counts["deleted"],
            "imported": counts["imported"],
            "archived": counts["archived"],
            "jobs": counts["jobs"],
            "active_jobs": counts["active_jobs"],
            "import_requests": counts["import_requests"],
            "max_id": counts["max_id"],
            "users": len(self.directory.people.users),
            "now": now,
            "clock_offset": self._clock_offset,
        }

    def close_store(self) -> None:
        with self.lock:
            self.journal.close()
            self.files.close()

    def _replay(self) -> None:
        """Apply every record of the state directory, in the order they were written."""
        with self.journal.replaying() as records:
            for record in records:
                kind = record["t"]
                if kind == "ticket":
                    self.tickets.restore(record["ticket"], record["audits"], record["at"])
                elif kind == "imported":
                    self.writes.restore_import(record["id"], record["facts"], record["archived"])
                elif kind == "user":
                    self.writes.restore_user(record["user"])
                elif kind == "field":  # state directories of before structure_writes.py
                    self.structure_writes.restore("ticket_field", record["field"])
                elif kind == "created":
                    self.structure_writes.restore(record["kind"], record["record"])
                elif kind == "job":
                    self.job_queue.restore(record["job"])
                elif kind == "job_done":
                    self.job_queue.restore_results(record["id"], record["results"])
                elif kind == "import_request":
                    self.writes.restore_import_request(record["request"])
                elif kind == "file":
                    self.files.restore(record["attachment"])
                elif kind == "clock":
                    self._clock_offset = record["offset"]
