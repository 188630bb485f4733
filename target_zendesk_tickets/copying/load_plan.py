"""What to do with each ticket of the input: import it, update its copy, or leave it.

``load_method: upsert`` (the default): a ticket without a copy in the destination is
imported; a ticket with one updates it - only the fields that differ (status, priority,
type, subject, tags, people, group, organization, brand, form, due date, custom fields),
and the comments the copy does not have yet (Zendesk dates a comment added by an update
at the update, so its original time and the source account are written in its first
line). A closed copy cannot change: it is left as it is and counted (``closedCopies:
fail`` makes that an error). A ticket deleted in the source leaves its copy (counted), or
deletes it with ``deletedTickets: delete``.

``append-only``: every ticket is imported, and nothing of the destination is read: the
seed's plain import. A ticket that changed is imported again as another ticket, and after a
crash, a run from the last STATE imports again what went in after it (upsert is the load
method that makes exactly one copy).

The copies are found by :class:`CopyIndex`; a copy's comments are assumed to be those of
its source, in order (comments written in the destination itself shift them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from target_zendesk_tickets.copying.copies import ARCHIVE_AGE, Copy, CopyIndex
from target_zendesk_tickets.copying.files.attacher import FileAttacher
from target_zendesk_tickets.copying.files.comment_files import FILES_KEY
from target_zendesk_tickets.copying.mapper import CLEARABLE, LeftOut
from target_zendesk_tickets.errors import TargetError
from target_zendesk_tickets.importing.batches import IMPORT, UPDATE, Batch, TicketRef
from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.jobs import JobOutcome
from target_zendesk_tickets.importing.recovery import may_still_be_running
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
#: The stream name of the updates that link incidents to their problem's copy.
LINK_STREAM = "problem links"
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
        counter: CommentCounter,
        closed_copies: str,
        deleted_tickets: str,
        dry_run: bool,
        budget: RetryBudget,
        settle_time: float = 0.0,
        files: FileAttacher | None = None,
    ) -> None:
        self.budget = budget  # maxRetries for every call
        self.files = files  # attaches a comment's files to the update that adds it
        self.settle_time = settle_time  # after a lost answer, before looking
        self.method = method
        self.index = index
        self.client = client
        self.counter = counter
        self.closed_copies = closed_copies
        self.deleted_tickets = deleted_tickets
        self.dry_run = dry_run
        self.counts: Counter[str] = Counter()
        #: Told of each copy an import job made (its key and id): the problem links.
        self.on_imported: Callable[[str, int], None] | None = None
        self.examples: dict[str, list[str]] = {}
        self._pending: set[str] = set()  # keys imported by jobs still in flight

    def _count(self, what: str, ref: TicketRef | None = None) -> None:
        self.counts[what] += 1
        if ref is not None:
            shown = self.examples.setdefault(what, [])
            if len(shown) < EXAMPLES:
                shown.append(ref.describe())

    # ----------------------------------------------------------------------------------

    def prepare(self, keys: list[str]) -> None:
        """Before a buffer's look-ups: the copy index decides how to find them all."""
        if self.method == UPSERT:
            self.index.prepare(keys)

    def pending(self, key: str) -> bool:
        """Whether a job still in flight is making or changing the copy for ``key``."""
        return key in self._pending

    def plan_batch(
        self, entries: list[tuple[dict[str, Any], TicketRef, LeftOut]]
    ) -> list[Planned | None]:
        """What to send for each mapped ticket of a batch (None: nothing, it was counted).

        The destination is asked once for the batch where it can answer for many: whether
        to read its export rather than look copies up one by one, and the copies' current
        tickets (``show_many``). ``LeftOut``: what the mapping could not carry over, cleared
        on an existing copy.
        """
        if self.method == APPEND_ONLY:
            return [Planned(IMPORT, body) for body, _, _ in entries]  # reads nothing
        keys = [_key(body) for body, _, _ in entries]
        self.index.prepare([key for key in keys if key])
        copies = [
            self.index.find(
                key, closed=body.get("status") == "closed", old=_older_than_archiving(body)
            )
            if key
            else None
            for key, (body, _, _) in zip(keys, entries, strict=True)
        ]
        # The copies' whole tickets (and, where comments are to compare, their counts).
        self.index.details_many(
            [copy for copy in copies if copy is not None],
            count_comments={
                copy.id
                for copy, (body, _, _) in zip(copies, entries, strict=True)
                if copy is not None and body.get("comments")
            },
        )
        planned: list[Planned | None] = []
        for key, copy, (body, ref, left_out) in zip(keys, copies, entries, strict=True):
            if key is None:
                planned.append(Planned(IMPORT, body))  # nothing to find it by
            elif copy is None:
                self._pending.add(key)
                planned.append(Planned(IMPORT, body))
            else:
                planned.append(self._update(key, body, copy, ref, left_out))
        return planned

    def _update(
        self, key: str, body: dict[str, Any], copy: Copy, ref: TicketRef, left_out: LeftOut
    ) -> Planned | None:
        changes = changed_fields(body, copy.ticket or {}, left_out)
        comments = new_comments(body, copy)
        if not changes and not comments:
            self._count("unchanged", ref)
            self.index.changed(key, copy)
            return None
        if copy.closed:
            self._closed(ref)
            self.index.changed(key, copy)
            return None
        before = copy.comment_count
        # The copy as it will be (a job that fails stops the run anyway).
        copy.status = str(changes.get("status", copy.status))
        if len(comments) <= 1:
            entry: dict[str, Any] = {"id": copy.id, **changes}
            if comments:
                entry["comment"] = comments[0]
                copy.comment_count = (before or 0) + 1
            self.index.changed(key, copy)
            self._pending.add(key)
            return Planned(UPDATE, entry, copy, before)
        self._update_one_by_one(copy, changes, comments, ref)  # in order, one at a time
        self.index.changed(key, copy)
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
            if self.files is not None:
                self.files.put_done(comment)
            copy.comment_count = before + 1
        self._count("updated", ref)

    def _put(self, copy: Copy, ticket: dict[str, Any], before: int, ref: TicketRef) -> None:
        path = f"/api/v2/tickets/{copy.id}.json"

        attempts = 0

        def send() -> Any:
            nonlocal attempts
            attempts += 1
            if self.files is not None and isinstance(ticket.get("comment"), dict):
                self.files.before_put(ticket["comment"], attempts)  # its files, just in time
            return self.client.fetch("PUT", path, body={"ticket": ticket})

        def look(error: ZendeskError) -> Looked[Any]:
            if self.settle_time > 0 and may_still_be_running(error):
                self.client.policy.sleep(self.settle_time)  # the lost call may still run
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
        shown = self.counter.show_many([copy.id], budget=self.budget).get(copy.id)
        count = shown.get("comment_count") if shown else None
        return Looked(isinstance(count, int) and count > before)

    # ----------------------------------------------------------------------------------

    def deleted(self, key: str | None, ref: TicketRef) -> None:
        """A ticket deleted in the source (never imported: Zendesk cannot import it)."""
        copy = (
            self.index.find(key, closed=False, old=False) if key and self.method == UPSERT else None
        )
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

    def batch_done(self, batch: Batch, result: JobOutcome) -> None:
        """A batch's job completed (the pipeline's ``on_done``): what it did to the copies."""
        self.done(batch.kind, result.ids, batch.refs, linking=batch.stream == LINK_STREAM)
        for position in result.closed:
            self.closed_by_job(batch.refs[position])

    def done(
        self, kind: str, ids: Mapping[int, int], refs: list[TicketRef], *, linking: bool = False
    ) -> None:
        """A batch completed: its copies now exist (imports) or changed (updates)."""
        for position in ids:
            key = refs[position].external_id
            if key:
                self._pending.discard(key)
            if kind == IMPORT:
                if key:
                    self.index.created(key)
                    if self.on_imported is not None:
                        self.on_imported(key, ids[position])
            elif not linking:
                self._count("updated", refs[position])
        if linking:
            self.counts["incidents linked to their problem's copy"] += len(ids)

    def lines(self) -> list[str]:
        lines = []
        for what, number in sorted(self.counts.items()):
            examples = self.examples.get(what)
            text = f"{number} {what}"
            if examples and "unchanged" not in what and "already" not in what:
                shown = ", ".join(examples)
                text += f": {shown}" + (" ..." if number > len(examples) else "")
            lines.append(text)
        return lines


SIMPLE_FIELDS = (
    "subject",
    "status",
    "priority",
    "type",
    "requester_id",
    "assignee_id",
    "group_id",
    "organization_id",
    "brand_id",
    "ticket_form_id",
    "custom_status_id",
    "due_at",
)


def changed_fields(
    body: Mapping[str, Any], ticket: Mapping[str, Any], left_out: LeftOut | None = None
) -> dict[str, Any]:
    """What of ``body`` (the mapped source ticket) differs from the copy ``ticket``.

    What the body says is compared; an explicit null clears. What the mapping left out
    (``left_out``) is cleared where the copy still holds a value, so the copy reads as its
    source does; a field only the destination has is left as the copy has it.
    """
    left_out = left_out or LeftOut()
    changes = {
        name: body[name]
        for name in SIMPLE_FIELDS
        if name in body and body[name] != ticket.get(name)
    }
    for name in CLEARABLE:
        if name in left_out.fields and name not in body and ticket.get(name) is not None:
            changes[name] = None
    if "tags" in body and sorted(body["tags"] or []) != sorted(ticket.get("tags") or []):
        changes["tags"] = body["tags"]
    theirs = {
        entry.get("id"): entry.get("value")
        for entry in ticket.get("custom_fields") or []
        if isinstance(entry, Mapping)
    }
    fields = [
        entry
        for entry in body.get("custom_fields") or []
        if _field_value(entry.get("value")) != _field_value(theirs.get(entry.get("id")))
    ]
    sent = {entry.get("id") for entry in body.get("custom_fields") or []}
    fields += [
        {"id": field_id, "value": None}
        for field_id in sorted(left_out.custom_fields - sent)
        if _field_value(theirs.get(field_id)) is not None
    ]
    if fields:
        changes["custom_fields"] = fields
    return changes


def _field_value(value: Any) -> Any:
    """Empty is empty, and a multi-select's order does not matter."""
    if value in (None, "", []):
        return None
    return sorted(map(str, value)) if isinstance(value, list) else value


def _key(body: Mapping[str, Any]) -> str | None:
    key = body.get("external_id")
    return key if isinstance(key, str) and key else None


def _older_than_archiving(body: Mapping[str, Any]) -> bool:
    """Whether a copy of this ticket could be archived (Zendesk archives old closed ones)."""
    created = body.get("created_at")
    try:
        moment = dt.datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return True  # unknown: look for an archived copy too
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC) - moment > ARCHIVE_AGE


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
    if FILES_KEY in comment:
        entry[FILES_KEY] = comment[FILES_KEY]  # its files go with it (files/attacher.py)
    return entry


__all__ = ["APPEND_ONLY", "UPSERT", "CopyClosedError", "LoadPlanner", "Planned", "ZendeskError"]
