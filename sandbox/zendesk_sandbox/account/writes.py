"""What changes an account through the API: imports, updates, deletions, users and fields.

A mixin of ``Account`` (it uses the account's state and lock). The checks are in
``rules.py``; this module applies what passed them and shapes the answers:

- a bulk import's results are ``{"index", "id", "account_id"}`` for a created ticket and
  ``{"index", "error": "TicketCreateFailed", "details": "..."}`` for a failed one
  (observed); the idealised account keeps its old ``RecordInvalid`` entries;
- a bulk update's results are ``{"id", "action": "update", "success": true, "status":
  "Updated"}`` (documented) or the same with ``success: false``, ``error`` and ``details``;
- a single import or update that fails is a 422 ``RecordInvalid`` with ``details``.
"""

from __future__ import annotations

import copy

from zendesk_sandbox.account.account_base import AccountBase
from zendesk_sandbox.account.imports import (
    ADMIN_USER_ID,
    apply_conversation,
    import_audits,
    imported_ticket,
)
from zendesk_sandbox.account.jobs import Job
from zendesk_sandbox.account.locking import settled
from zendesk_sandbox.account.rules import Problems, check_import, check_update
from zendesk_sandbox.account.updates import UPDATE_CONFLICT, is_stale, updated_ticket
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.generated.directory import DirectoryError
from zendesk_sandbox.generated.people import User, user_state
from zendesk_sandbox.generated.structure import TicketField

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


class TicketWrites(AccountBase):
    """Imports, updates and deletions of tickets; users and fields made through the API."""

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

    @settled
    def import_ticket(self, raw: object, importer_id: int) -> dict:
        """``POST /api/v2/imports/tickets``: the new ticket, or the 422 ApiError."""
        ticket, problems = self._import_one(raw, self.now(), importer_id)
        if ticket is None:
            raise record_invalid(problems)
        return copy.deepcopy(ticket)

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
        ticket_id = self._max_id + 1
        ticket, facts = imported_ticket(raw, ticket_id, now, self._base_url)
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
        audits = import_audits(ticket, plan.comments, self.conversations.new_id)
        apply_conversation(ticket, audits)
        self._put(ticket, audits, at=now)
        self._import_facts[ticket_id] = {**facts, "job_id": job.id if job else None, "index": index}
        archived = bool(job and job.archive_immediately and ticket["status"] == "closed")
        if archived:
            self._archived.add(ticket_id)
        self._record(
            {
                "t": "imported",
                "id": ticket_id,
                "facts": self._import_facts[ticket_id],
                "archived": archived,
            }
        )
        return ticket, problems

    # -- updates -------------------------------------------------------------------------

    @settled
    def update_ticket(self, ticket_id: int, changes: object, author_id: int) -> tuple:
        """``PUT /api/v2/tickets/{id}``: ``(ticket, audit)``, or the 404/409/422 ApiError."""
        if self._state(ticket_id) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        return self._update_one(ticket_id, changes, author_id, self.now())

    def _update_one(
        self, ticket_id: int, changes: object, author_id: int, now: float
    ) -> tuple[dict, dict]:
        ticket = self._ticket(ticket_id)
        if is_stale(ticket, changes):
            raise ApiError(409, UPDATE_CONFLICT)
        values, comment, problems = check_update(
            ticket, changes, self.directory, author_id=author_id, now=now, strict=self.strict
        )
        if values is None:
            raise record_invalid(problems)
        new, audit = updated_ticket(
            ticket,
            values,
            comment=comment,
            author_id=author_id,
            now=now,
            new_id=self.conversations.new_id,
        )
        self._put(new, [*self._audits(ticket_id), audit], at=now)
        return copy.deepcopy(new), copy.deepcopy(audit)

    @settled
    def start_updates(self, updates: list[dict], author_id: int) -> dict:
        """``update_many``: queue a job of ``[{"id": n, ...changes}]``; its job_status."""
        job = self._start_job("update", updates, author_id=author_id)
        return job.to_dict(self.now())

    def _run_updates(self, job: Job) -> list[dict]:
        results = []
        updater = job.author_id or self.user_id_for("admin")
        for entry in job.tickets:
            ticket_id = entry["id"]
            changes = {key: value for key, value in entry.items() if key != "id"}
            base = {"id": ticket_id, "action": "update"}
            if self._state(ticket_id) in ("missing", "deleted"):
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

    @settled
    def delete_ticket(self, ticket_id: int, author_id: int) -> None:
        """``DELETE /api/v2/tickets/{id}``: soft-delete, or the 404 ApiError."""
        if self._state(ticket_id) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        self._delete_one(ticket_id, self.now(), author_id)

    def _delete_one(self, ticket_id: int, now: float, author_id: int | None) -> None:
        new, audit = updated_ticket(
            self._ticket(ticket_id),
            {"status": "deleted"},
            comment=None,
            author_id=author_id,
            now=now,
            new_id=self.conversations.new_id,
        )
        self._put(new, [*self._audits(ticket_id), audit], at=now)

    @settled
    def start_destroy(self, ids: list[int], author_id: int) -> dict:
        """``destroy_many``: queue a deletion job; its job_status."""
        job = self._start_job("destroy", [{"id": i} for i in ids], author_id=author_id)
        return job.to_dict(self.now())

    def _run_destroy(self, job: Job) -> list[dict]:
        results = []
        for entry in job.tickets:
            base = {"id": entry["id"], "action": "destroy"}
            if self._state(entry["id"]) in ("missing", "deleted"):
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

    # -- people and fields ---------------------------------------------------------------

    @settled
    def create_or_update_user(self, spec: object) -> tuple[dict, bool]:
        """``users/create_or_update``: the user's JSON, and whether it was created."""
        try:
            user, created = self.directory.create_or_update_user(spec, self.now())
        except DirectoryError as error:
            raise record_invalid(_problems(error)) from None
        self._record_user(user)
        self._json_cache.clear()  # sideloaded users may have changed
        return user.to_json(self._base_url), created

    @settled
    def create_field(self, spec: object) -> dict:
        """``POST /api/v2/ticket_fields``: the new field's JSON."""
        try:
            item = self.directory.create_field(spec, self.now())
        except DirectoryError as error:
            raise record_invalid(_problems(error)) from None
        self._record({"t": "field", "field": field_state(item)})
        self._json_cache.clear()  # generated tickets now show the new (empty) field
        return item.to_json(self._base_url)

    def _record_user(self, user: User) -> None:
        self._record({"t": "user", "user": user_state(user)})


def _problems(error: DirectoryError) -> Problems:
    problems = Problems()
    problems.merge(error.details)
    return problems


def field_state(item: TicketField) -> dict:
    return {**item.__dict__, "options": [option.__dict__ for option in item.options]}
