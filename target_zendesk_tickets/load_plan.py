"""What to do with each ticket of the input: import it, update its copy, or leave it.

``load_method: upsert`` (the default): a ticket without a copy in the destination is
imported; a ticket with one updates it - only the fields that differ (status, priority,
type, subject, tags, people, group, organization, brand, form, due date, custom fields),
and the comments the copy does not have yet (Zendesk dates a comment added by an update
at the update, so its original time and the source account are written in its first
line). A closed copy cannot change: it is left as it is and counted (``closedCopies:
fail`` makes that an error). A ticket deleted in the source leaves its copy (counted), or
deletes it with ``deletedTickets: delete``.

``append-only``: every ticket is imported, except one whose copy already has the same
``updated_at`` (after a crash, a run from the last STATE sends again what went in after
it: it goes in once). A ticket that changed is imported again as another ticket.

The copies are found by :class:`CopyIndex`; a copy's comments are assumed to be those of
its source, in order (comments written in the destination itself shift them).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from target_zendesk_tickets.batches import IMPORT, UPDATE, TicketRef
from target_zendesk_tickets.copies import UPDATABLE, Copy, CopyIndex, digest
from target_zendesk_tickets.errors import TargetError
from zendesk_api.errors import (
    ZendeskError,
    ZendeskHTTPError,
    ZendeskNotFoundError,
    error_from_response,
)
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import Looked, RetryBudget

logger = logging.getLogger(__name__)

UPSERT, APPEND_ONLY = "upsert", "append-only"
KEEP, DELETE = "keep", "delete"
SKIP, FAIL = "skip", "fail"
EXAMPLES = 10


@dataclass
class Planned:
    """A ticket to send: an import body, or an update of ``copy``."""

    kind: str
    body: dict[str, Any]
    copy: Copy | None = None  # the copy an update changes
    comment_count: int | None = None


class CopyClosedError(TargetError):
    """``closedCopies: fail``: a ticket whose copy is closed changed in the source."""


class LoadPlanner:
    def __init__(
        self,
        *,
        method: str,
        index: CopyIndex,
        client: ZendeskClient,
        settle: Callable[[], None],
        closed_copies: str,
        deleted_tickets: str,
        dry_run: bool,
        budget: RetryBudget,
    ) -> None:
        self.budget = budget  # maxRetries for every call
        self.method = method
        self.index = index
        self.client = client
        self._settle = settle  # waits for this run's jobs in flight
        self.closed_copies = closed_copies
        self.deleted_tickets = deleted_tickets
        self.dry_run = dry_run
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self._pending: set[str] = set()  # keys imported by jobs still in flight

    def _count(self, what: str, ref: TicketRef | None = None) -> None:
        self.counts[what] += 1
        if ref is not None:
            shown = self.examples.setdefault(what, [])
            if len(shown) < EXAMPLES:
                shown.append(ref.describe())

    # ----------------------------------------------------------------------------------

    def plan(self, body: dict[str, Any], ref: TicketRef) -> Planned | None:
        """What to send for one mapped ticket (None: nothing, it was counted)."""
        key = body.get("external_id")
        if not isinstance(key, str) or not key:
            return Planned(IMPORT, body)  # nothing to find it by
        if key in self._pending:
            self._settle()  # this run imported it already: its job must finish first
        copy = self.index.find(key, closed=body.get("status") == "closed")
        if copy is None:
            self._pending.add(key)
            return Planned(IMPORT, body)
        if self.method == APPEND_ONLY:
            if copy.updated_at == body.get("updated_at"):
                self._count("already in the destination (same updated_at)", ref)
                return None
            self._pending.add(key)
            return Planned(IMPORT, body)
        return self._update(body, copy, ref)

    def _update(self, body: dict[str, Any], copy: Copy, ref: TicketRef) -> Planned | None:
        changes = {
            name: body[name]
            for name in UPDATABLE
            if name in body and digest(name, body[name]) != copy.digests.get(name)
        }
        comments = new_comments(body, copy)
        if not changes and not comments:
            self._count("unchanged", ref)
            return None
        if copy.closed:
            self._closed(ref)
            return None
        if len(comments) <= 1:
            entry: dict[str, Any] = {"id": copy.id, **changes}
            before = copy.comment_count
            if comments:
                entry["comment"] = comments[0]
                copy.comment_count = (before or 0) + 1
            # The copy as it will be: a job that fails stops the run anyway.
            for name, value in changes.items():
                copy.digests[name] = digest(name, value)
            return Planned(UPDATE, entry, copy, before)
        self._update_one_by_one(copy, changes, comments, ref)  # in order, one at a time
        return None

    def _closed(self, ref: TicketRef) -> None:
        if self.closed_copies == FAIL:
            raise CopyClosedError(
                f"The copy of {ref.describe()} is closed in the destination and cannot be "
                "updated (closedCopies: fail). Set closedCopies to skip to leave closed "
                "copies as they are, then run again from the last STATE"
            )
        self._count("left closed (a closed copy cannot change)", ref)

    def closed_by_job(self, ref: TicketRef) -> None:
        """An update job found the copy closed (it was closed since it was looked up)."""
        self._closed(ref)

    def _update_one_by_one(
        self, copy: Copy, changes: dict[str, Any], comments: list[dict[str, Any]], ref: TicketRef
    ) -> None:
        if self.dry_run:
            self._count("updated", ref)
            return
        for number, comment in enumerate(comments):
            ticket: dict[str, Any] = {**(changes if number == 0 else {}), "comment": comment}
            before = (copy.comment_count or 0) + number
            try:
                self._put(copy, ticket, before, ref)
            except ZendeskHTTPError as exc:
                if "closed prevents ticket update" in str(exc).lower():
                    self._closed(ref)
                    return
                raise
            copy.comment_count = before + 1
        for name, value in changes.items():
            copy.digests[name] = digest(name, value)
        self._count("updated", ref)

    def _put(self, copy: Copy, ticket: dict[str, Any], before: int, ref: TicketRef) -> None:
        path = f"/api/v2/tickets/{copy.id}.json"

        def send() -> Any:
            return self.client.fetch("PUT", path, body={"ticket": ticket})

        def look(_error: ZendeskError) -> Looked[Any]:
            return self._comment_added(copy, before)

        self.client.policy.call(
            send,
            what=f"PUT {path} (the copy of {ref.describe()})",
            budget=self.budget,
            idempotent=False,
            look_before_resending=look,
        )

    def _comment_added(self, copy: Copy, before: int) -> Looked[Any]:
        """After a lost answer: did the update add its comment (then it is done)?"""
        document = self.client.get_json(
            "/api/v2/tickets/show_many.json",
            {"ids": str(copy.id), "include": "comment_count"},
            budget=self.budget,
        )
        tickets = [t for t in document.get("tickets") or [] if isinstance(t, Mapping)]
        count = tickets[0].get("comment_count") if tickets else None
        return Looked(isinstance(count, int) and count > before)

    # ----------------------------------------------------------------------------------

    def deleted(self, key: str | None, ref: TicketRef) -> None:
        """A ticket deleted in the source (never imported: Zendesk cannot import it)."""
        copy = self.index.find(key, closed=False) if key and self.method == UPSERT else None
        if copy is None:
            self._count("deleted in the source, no copy")
            return
        if self.deleted_tickets != DELETE:
            self._count("deleted in the source, copy kept", ref)
            return
        if not self.dry_run:
            path = f"/api/v2/tickets/{copy.id}.json"
            with contextlib.suppress(ZendeskNotFoundError):  # deleted already
                self.client.policy.call(
                    lambda: self._delete(path),
                    what=f"DELETE {path} (the copy of {ref.describe()})",
                    budget=self.budget,
                )
        assert key is not None
        self.index.forget(key)
        self._count("deleted in the source, copy deleted", ref)

    def _delete(self, path: str) -> None:
        response = self.client.send("DELETE", path)
        with response:
            if response.status_code >= 400:
                raise error_from_response(response)

    def done(self, kind: str, ids: Mapping[int, int], refs: list[TicketRef]) -> None:
        """A batch completed: its copies now exist (imports) or changed (updates)."""
        for position in ids:
            key = refs[position].external_id
            if kind == IMPORT:
                if key:
                    self._pending.discard(key)
                    self.index.created(key)
            else:
                self._count("updated", refs[position])

    def lines(self) -> list[str]:
        lines = []
        for what, number in sorted(self.counts.items()):
            examples = self.examples.get(what)
            text = f"{number} {what}"
            if examples and "unchanged" not in what and "already" not in what:
                text += f": {'; '.join(examples)}" + (" ..." if number > len(examples) else "")
            lines.append(text)
        return lines


def new_comments(body: Mapping[str, Any], copy: Copy) -> list[dict[str, Any]]:
    """The source's comments the copy does not have yet, as update comments."""
    comments = body.get("comments") or []
    if copy.comment_count is None or len(comments) <= copy.comment_count:
        return []
    return [_update_comment(c) for c in comments[copy.comment_count :]]


def _update_comment(comment: Mapping[str, Any]) -> dict[str, Any]:
    note = f"(Written {comment.get('created_at') or 'at an unknown time'} in the source account.)"
    entry: dict[str, Any] = {"public": comment.get("public", True)}
    if "html_body" in comment:
        entry["html_body"] = f"<p>{note}</p>{comment['html_body']}"
    else:
        entry["body"] = f"{note}\n\n{comment.get('value') or ''}"
    if "author_id" in comment:
        entry["author_id"] = comment["author_id"]
    return entry


__all__ = ["APPEND_ONLY", "UPSERT", "CopyClosedError", "LoadPlanner", "Planned", "ZendeskError"]
