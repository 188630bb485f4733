"""What changes an account through the API: imports, updates, deletions and users.

``Account`` calls it under its lock. The checks are in ``rules.py``; this module applies
what passed them to the tickets (``tickets.py``) and shapes the answers:

- a bulk import's results are ``{"index", "id", "account_id"}`` for a created ticket and
  ``{"index", "error": "TicketCreateFailed", "details": "..."}`` for a failed one
  (observed); the idealised account keeps its old ``RecordInvalid`` entries;
- a bulk update's results are ``{"id", "action": "update", "success": true, "status":
  "Updated"}`` (documented) or the same with ``success: false``, ``error`` and ``details``;
- a single import or update that fails is a 422 ``RecordInvalid`` with ``details``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zendesk_sandbox.account.files import AccountFiles
from zendesk_sandbox.account.imports import (
    ADMIN_USER_ID,
    apply_conversation,
    import_audits,
    imported_ticket,
)
from zendesk_sandbox.account.job_queue import JobQueue
from zendesk_sandbox.account.jobs import Job
from zendesk_sandbox.account.journal import Journal
from zendesk_sandbox.account.rules import Problems, check_import, check_update
from zendesk_sandbox.account.tickets import Tickets
from zendesk_sandbox.account.updates import UPDATE_CONFLICT, is_stale, updated_ticket
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.generated.directory import Directory, DirectoryError
from zendesk_sandbox.generated.people import CREATED_FROM, User, user_from_state, user_state
from zendesk_sandbox.generated.universe import ACCOUNT_STRIDE

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
AGENT_USER_ID = 372_200_000_101  # the idealised account's agent
ACCOUNT_ID_BASE = 15_745_900


def record_invalid(problems: Problems) -> ApiError:
    return ApiError(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": problems.details,
        },
    )


class TicketWrites:
    """Imports, updates and deletions of tickets; users made through the API."""

    def __init__(
        self,
        config: SandboxConfig,
        directory: Directory,
        *,
        tickets: Tickets,
        jobs: JobQueue,
        journal: Journal,
        clock: Callable[[], float],
        files: AccountFiles,
    ) -> None:
        self.config = config
        self.directory = directory
        self.strict = config.people  # the realistic account checks what the idealised takes
        self._files = files
        self._tickets = tickets
        self._jobs = jobs
        self._journal = journal
        self._clock = clock
        self._import_facts: dict[int, dict] = {}  # imported id -> job, index, solved_at
        self._import_requests: list[dict] = []

    @property
    def account_id(self) -> int:
        return ACCOUNT_ID_BASE + self.config.account

    def user_id_for(self, role: str) -> int:
        """The user behind the API credentials of ``role`` (admin or agent)."""
        people = self.directory.people
        if role == "admin":
            return people.api_admin_id or ADMIN_USER_ID
        return people.api_agent_id or AGENT_USER_ID

    # -- imports -------------------------------------------------------------------------

    def import_ticket(self, raw: object, importer_id: int) -> dict:
        """``POST /api/v2/imports/tickets``: the new ticket, or the 422 ApiError."""
        ticket, problems = self._import_one(raw, self._clock(), importer_id)
        if ticket is None:
            raise record_invalid(problems)
        return copy.deepcopy(ticket)

    def start_import(self, tickets: list, archive_immediately: bool, query: dict) -> dict:
        """Queue a bulk-import job for ``tickets``; returns its queued job_status.

        Raises the 429 ``TooManyJobs`` ApiError when ``max_jobs`` jobs are in flight.
        """
        job = self._jobs.start("import", tickets, archive_immediately=archive_immediately)
        self._import_requests.append(
            {
                "time": job.created_at,
                "query": dict(query),
                "archive_immediately": archive_immediately,
                "tickets": copy.deepcopy(tickets),
                "job_id": job.id,
            }
        )
        self._journal.record({"t": "import_request", "request": self._import_requests[-1]})
        return self._jobs.show(job)

    def imported_tickets(self) -> list[dict]:
        """Imported tickets as stored, in import order, with ``archived`` and ``solved_at``."""
        result = []
        for ticket_id, facts in self._import_facts.items():
            ticket = copy.deepcopy(self._tickets.ticket(ticket_id))
            ticket["archived"] = self._tickets.is_archived(ticket_id)
            ticket["solved_at"] = facts["solved_at"]
            result.append(ticket)
        return result

    def import_requests(self) -> list[dict]:
        """Every accepted bulk-import request: query args and the tickets as received."""
        return copy.deepcopy(self._import_requests)

    def counts(self) -> dict:
        return {
            "imported": len(self._import_facts),
            "import_requests": len(self._import_requests),
        }

    def run_job(self, job: Job) -> list[dict]:
        """Do a due job's work; its results."""
        runner = {
            "import": self._run_import,
            "update": self._run_updates,
            "users": self._run_users,
        }.get(job.kind, self._run_destroy)
        return runner(job)

    def _run_import(self, job: Job) -> list[dict]:
        results = []
        importer = job.author_id or self.user_id_for("admin")
        for index, raw in enumerate(job.tickets):
            ticket, problems = self._import_one(raw, job.done_at, importer, job, index)
            if ticket is not None:
                entry = {"index": index, "id": ticket["id"]}
                results.append({**entry, "account_id": self.account_id} if self.strict else entry)
            elif self.strict:
                results.append(
                    {"index": index, "error": "TicketCreateFailed", "details": problems.text()}
                )
            else:
                results.append(
                    {
                        "index": index,
                        "success": False,
                        "error": "RecordInvalid",
                        "details": problems.text(),
                    }
                )
        return results

    def _import_one(
        self,
        raw: object,
        now: float,
        importer_id: int,
        job: Job | None = None,
        index: int = 0,
    ) -> tuple[dict | None, Problems]:
        plan, problems = check_import(raw, self.directory, importer_id, now, strict=self.strict)
        if plan is None:
            return None, problems
        assert isinstance(raw, dict)
        tickets = self._tickets
        ticket_id = tickets.max_id + 1
        ticket, facts = imported_ticket(
            raw, ticket_id, now, tickets.base_url, self.directory.account
        )
        if self.strict:
            if plan.new_requester is not None:
                user, _ = self.directory.find_or_create_end_user(plan.new_requester, now)
                assert user is not None
                self._record_user(user)
                plan.values["requester_id"] = user.id
            ticket.update(plan.values)
            ticket["fields"] = copy.deepcopy(ticket["custom_fields"])
        requester = ticket["requester_id"]
        for comment in plan.comments:
            if comment["author_id"] is None:
                comment["author_id"] = requester  # a comment naming no author (observed)
        if self.strict and "submitter_id" not in plan.values:
            first = plan.comments[0]["author_id"] if plan.comments else None
            ticket["submitter_id"] = first or requester
        for comment in plan.comments:
            self._take_files(comment, now)
        audits = import_audits(ticket, plan.comments, tickets.conversations.new_id)
        apply_conversation(ticket, audits)
        tickets.put(ticket, audits, at=now)
        self._import_facts[ticket_id] = {**facts, "job_id": job.id if job else None, "index": index}
        archived = bool(job and job.archive_immediately and ticket["status"] == "closed")
        if archived:
            tickets.archive(ticket_id)
        self._journal.record(
            {
                "t": "imported",
                "id": ticket_id,
                "facts": self._import_facts[ticket_id],
                "archived": archived,
            }
        )
        return ticket, problems

    def _take_files(self, comment: dict, now: float) -> None:
        """The files of the comment's upload tokens (``uploads``), and its inline images."""
        tokens = comment.pop("uploads", None)
        if tokens:
            comment["attachments"], comment["html_body"] = self._files.attach(
                tokens, comment["html_body"], now
            )

    # -- updates -------------------------------------------------------------------------

    def update_ticket(self, ticket_id: int, changes: object, author_id: int) -> tuple:
        """``PUT /api/v2/tickets/{id}``: ``(ticket, audit)``, or the 404/409/422 ApiError."""
        if self._tickets.state(ticket_id) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        return self._update_one(ticket_id, changes, author_id, self._clock())

    def _update_one(
        self, ticket_id: int, changes: object, author_id: int, now: float
    ) -> tuple[dict, dict]:
        tickets = self._tickets
        ticket = tickets.ticket(ticket_id)
        if is_stale(ticket, changes):
            raise ApiError(409, UPDATE_CONFLICT)
        values, comment, problems = check_update(
            ticket, changes, self.directory, author_id=author_id, now=now, strict=self.strict
        )
        if values is None:
            raise record_invalid(problems)
        if comment is not None:
            self._take_files(comment, now)
        new, audit = updated_ticket(
            ticket,
            values,
            comment=comment,
            author_id=author_id,
            now=now,
            new_id=tickets.conversations.new_id,
        )
        tickets.put(new, [*tickets.audits(ticket_id), audit], at=now)
        return copy.deepcopy(new), copy.deepcopy(audit)

    def start_updates(self, updates: list[dict], author_id: int) -> dict:
        """``update_many``: queue a job of ``[{"id": n, ...changes}]``; its job_status."""
        job = self._jobs.start("update", updates, author_id=author_id)
        return self._jobs.show(job)

    def _run_updates(self, job: Job) -> list[dict]:
        results = []
        updater = job.author_id or self.user_id_for("admin")
        for entry in job.tickets:
            ticket_id = entry["id"]
            changes = {key: value for key, value in entry.items() if key != "id"}
            base = {"id": ticket_id, "action": "update"}
            if self._tickets.state(ticket_id) in ("missing", "deleted"):
                results.append(
                    {
                        **base,
                        "success": False,
                        "status": "Failed",
                        "error": "RecordNotFound",
                        "details": "Ticket not found",
                    }
                )
                continue
            try:
                self._update_one(ticket_id, changes, updater, job.done_at)
            except ApiError as error:
                body = error.body if isinstance(error.body, dict) else {}
                details = body.get("details")
                text = (
                    Problems.text_of(details)
                    if isinstance(details, dict)
                    else body.get("description", "")
                )
                results.append(
                    {
                        **base,
                        "success": False,
                        "status": "Failed",
                        "error": "TicketUpdateFailed" if details else body.get("error"),
                        "details": text,
                    }
                )
                continue
            results.append({**base, "success": True, "status": "Updated"})
        return results

    # -- deletions -----------------------------------------------------------------------

    def delete_ticket(self, ticket_id: int, author_id: int) -> None:
        """``DELETE /api/v2/tickets/{id}``: soft-delete, or the 404 ApiError."""
        if self._tickets.state(ticket_id) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        self._delete_one(ticket_id, self._clock(), author_id)

    def _delete_one(self, ticket_id: int, now: float, author_id: int | None) -> None:
        tickets = self._tickets
        new, audit = updated_ticket(
            tickets.ticket(ticket_id),
            {"status": "deleted"},
            comment=None,
            author_id=author_id,
            now=now,
            new_id=tickets.conversations.new_id,
        )
        tickets.put(new, [*tickets.audits(ticket_id), audit], at=now)

    def start_destroy(self, ids: list[int], author_id: int) -> dict:
        """``destroy_many``: queue a deletion job; its job_status."""
        job = self._jobs.start("destroy", [{"id": i} for i in ids], author_id=author_id)
        return self._jobs.show(job)

    def _run_destroy(self, job: Job) -> list[dict]:
        results = []
        for entry in job.tickets:
            base = {"id": entry["id"], "action": "destroy"}
            if self._tickets.state(entry["id"]) in ("missing", "deleted"):
                results.append(
                    {
                        **base,
                        "success": False,
                        "status": "Failed",
                        "error": "RecordNotFound",
                        "details": "Ticket not found",
                    }
                )
                continue
            self._delete_one(entry["id"], job.done_at, job.author_id)
            results.append({**base, "success": True, "status": "Deleted"})
        return results

    # -- people ---------------------------------------------------------------------------

    def create_user(self, spec: object) -> dict:
        """``POST /api/v2/users``: a new user; an e-mail already in use is a 422 (the
        message Zendesk gives, as reported in its community)."""
        email = spec.get("email") if isinstance(spec, dict) else None
        if isinstance(email, str) and self.directory.people.find_email(email) is not None:
            taken = {
                "description": f"Email: {email} is already being used by another user",
                "error": "DuplicateValue",
            }
            raise record_invalid(_problems(DirectoryError({"email": [taken]})))
        user, _ = self.create_or_update_user(spec)
        return user

    def start_users(self, users: list) -> dict:
        """``users/create_or_update_many``: queue a job of user specs; its job_status."""
        job = self._jobs.start("users", users)
        return job.to_dict(self._clock())

    def _run_users(self, job: Job) -> list[dict]:
        """Results as observed (a Zendesk community post of 2021): ``{"id", "status":
        "Created"|"Updated", "email"}``, and ``{"id": <position>, "error", "details",
        "status": "Failed"}`` for a user that could not be written."""
        results: list[dict] = []
        for index, spec in enumerate(job.tickets):
            try:
                user, created = self.directory.create_or_update_user(spec, job.done_at)
            except DirectoryError as error:
                results.append(
                    {
                        "id": index,
                        "error": "UserUpdateError",
                        "details": _problems(error).text(),
                        "status": "Failed",
                    }
                )
                continue
            self._record_user(user)
            status = "Created" if created else "Updated"
            results.append({"id": user.id, "status": status, "email": user.email})
        self._tickets.forget_encoded()  # sideloaded users may have changed
        return results

    def create_or_update_user(self, spec: object) -> tuple[dict, bool]:
        """``users/create_or_update``: the user's JSON, and whether it was created."""
        try:
            user, created = self.directory.create_or_update_user(spec, self._clock())
        except DirectoryError as error:
            raise record_invalid(_problems(error)) from None
        self._record_user(user)
        self._tickets.forget_encoded()  # sideloaded users may have changed
        return user.to_json(self._tickets.base_url), created

    def _record_user(self, user: User) -> None:
        self._journal.record({"t": "user", "user": user_state(user)})

    # -- the journal -----------------------------------------------------------------------

    def restore_import(self, ticket_id: int, facts: dict, archived: bool) -> None:
        self._import_facts[ticket_id] = facts
        if archived:
            self._tickets.archive(ticket_id)

    def restore_import_request(self, request: dict) -> None:
        self._import_requests.append(request)

    def restore_user(self, state: dict) -> None:
        user = user_from_state(state)
        people = self.directory.people
        people.add(user)
        people.created = max(people.created, user.id % ACCOUNT_STRIDE - CREATED_FROM)


def _problems(error: DirectoryError) -> Problems:
    problems = Problems()
    problems.merge(error.details)
    return problems
