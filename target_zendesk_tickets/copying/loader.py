"""The copy engine's front door: what the sinks hand over, made into batches for Zendesk.

The sinks give a whole buffer of source tickets at once (``bufferSize``, at a STATE, at the
end). For each buffer the destination is asked in bulk - the people and organizations the
tickets refer to, the copies that may exist, the copies' current state - and then every
ticket is mapped and planned (import, update, or nothing) from what is known. The batches
go to the import pipeline. A ticket whose copy is still being made by a job in flight (it
came twice) is planned only once that job has finished, so nothing is imported twice; the
buffer is cut there, never re-entered.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from target_zendesk_tickets.copying.copies import Copy
from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.files.attacher import FileAttacher
from target_zendesk_tickets.copying.held_incidents import HeldIncident, HeldIncidents
from target_zendesk_tickets.copying.load_plan import LINK_STREAM, LoadPlanner, Planned
from target_zendesk_tickets.copying.mapper import LeftOut, TicketMapper
from target_zendesk_tickets.copying.mapping_report import LEFT_OUT, MAPPED
from target_zendesk_tickets.copying.problem_links import KIND as PROBLEM_KIND
from target_zendesk_tickets.copying.problem_links import ProblemLinks
from target_zendesk_tickets.copying.references import USERS, SourceReferences
from target_zendesk_tickets.copying.source import SourceTicket
from target_zendesk_tickets.importing.batches import IMPORT, UPDATE, Batch, TicketRef

logger = logging.getLogger(__name__)


class Pipeline(Protocol):
    """What the loader needs of the import pipeline."""

    def submit(self, batch: Batch) -> None: ...

    def settle(self) -> None:
        """Wait until every job in flight has finished."""


@dataclass(frozen=True)
class LoaderSettings:
    batch_size: int
    keyed_by_link: bool  # upsert: a copy's external_id is the link to its source
    map_references: Callable[[], bool]  # whether references are mapped (may change: auto)
    source_external_id_field: str | None = None
    dry_run: bool = False


@dataclass
class _Entry:
    ticket: SourceTicket
    body: dict[str, Any]
    left_out: LeftOut


class TicketLoader:
    def __init__(
        self,
        settings: LoaderSettings,
        *,
        references: SourceReferences,
        mapper: TicketMapper,
        destination: Destination,
        planner: LoadPlanner,
        pipeline: Pipeline,
        problems: ProblemLinks,
        input_line: Callable[[], int],
        files: FileAttacher | None = None,
    ) -> None:
        self.settings = settings
        self.files = files  # each comment's files, attached when it is sent
        self.references = references
        self.mapper = mapper
        self.destination = destination
        self.planner = planner
        self.pipeline = pipeline
        self.problems = problems
        self._input_line = input_line
        self.deleted_skipped = 0
        self.dry_run_tickets: Counter[str] = Counter()  # by kind: import, update
        #: Closed incidents waiting for their problem's copy (held_incidents.py).
        self.held = HeldIncidents()

    # What the sinks ask -----------------------------------------------------------------

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size

    @property
    def keyed_by_link(self) -> bool:
        return self.settings.keyed_by_link

    def input_line(self) -> int:
        return self._input_line()

    def opened(self, stream: str) -> None:
        """A reference stream's SCHEMA came: ``users`` turns mapping on (``auto``)."""
        if stream == USERS:
            self.references.has_people = True

    def keep(self, stream: str, record: Mapping[str, Any]) -> None:
        self.references.add(stream, record)

    def deleted(self, ticket: SourceTicket) -> None:
        """A ticket deleted in the source: never imported (Zendesk cannot import one)."""
        self.deleted_skipped += 1
        logger.debug("Skipping the deleted %s", ticket.ref.describe())
        superseded = self.references.take_comments(ticket.ref.source_id)  # an older version's
        for held in self.held.drop(ticket.key):  # a held version of it is not copied either
            superseded += held.comments
        if self.files is not None:
            self.files.discard(superseded)
        self.planner.deleted(ticket.link, ticket.ref)
        if ticket.link and ticket.deleted_problem:  # its incidents: no copy will come
            self.problems.problem_deleted(ticket.link, ticket.ref.line)

    @property
    def holding(self) -> bool:
        """Whether closed incidents are held back: no STATE may pass them."""
        return len(self.held) > 0

    def load(self, stream: str, tickets: list[SourceTicket], *, hold: bool = True) -> None:
        """Map, plan and send a buffer of tickets, in input order (but for the problems of
        closed incidents, which go first: a closed copy cannot take its link later, and
        closed incidents whose problem comes later, which are held until it has come)."""
        tickets = self._problems_first(tickets)
        for ticket in tickets:
            self.held.drop(ticket.key)  # this newer version supersedes a held one
            self.problems.restored(ticket.link, ticket.ref.line)  # deleted, then restored
        # The copies this buffer asks about, its problems' included: found in one go.
        problems = [self.problems.problem_key(t.link, t.body or {}) for t in tickets]
        self.planner.prepare([t.key for t in tickets if t.key] + [p for p in problems if p])
        if hold:
            tickets = self._hold_closed_incidents(stream, tickets)
        for part in self._parts(tickets):
            for batch in self._batches(stream, self._prepare(part)):
                if self.files is not None:
                    self.files.claim(batch)
                self._send(batch)
            if self.files is not None:
                self.files.part_planned()

    def before_state(self, *, end: bool = False) -> None:
        """Before a STATE is passed on (and at the end): incidents that waited for their
        problem's copy are linked to it, and closed incidents held for it are sent (at the
        ``end``, all of them), so that no STATE is written past a link not made."""
        if not end:
            self.held.states += 1
        sent = any(self.problems.was_sent(p) for p in self.held.problems)
        if not self.settings.dry_run and (sent or (end and self.holding)):
            self.pipeline.settle()  # the problems' jobs must have finished
        self._release_held(end=end)
        if self.settings.dry_run:
            self.problems.sent_in_dry_run()
            return
        if not self.problems.due:
            return
        self.pipeline.settle()  # the problems' jobs must have finished
        updates = self.problems.updates()
        if updates:
            logger.info("Linking %d incident(s) to their problem's copy", len(updates))
        line = self._input_line()
        for start in range(0, len(updates), self.batch_size):
            chunk = updates[start : start + self.batch_size]
            self._send(
                Batch(
                    LINK_STREAM,
                    chunk,
                    [TicketRef(None, f"copy {u['id']}", line) for u in chunk],
                    kind=UPDATE,
                    copies=[Copy(u["id"], "", None) for u in chunk],
                    comment_counts=[None] * len(chunk),
                )
            )

    def _send(self, batch: Batch) -> None:
        if self.settings.dry_run:
            self.dry_run_tickets[batch.kind] += batch.size  # planned, never sent
        else:
            self.pipeline.submit(batch)

    # Closed incidents held for their problem ------------------------------------------------

    def _hold_closed_incidents(
        self, stream: str, tickets: list[SourceTicket]
    ) -> list[SourceTicket]:
        """The buffer without the closed incidents whose problem's copy does not exist yet
        and is not in the buffer: those are held, with their comments, until it does."""
        if not self.settings.map_references():
            return tickets
        keys = {t.key for t in tickets if t.key}
        kept = []
        for ticket in tickets:
            problem = self._closed_incidents_problem(ticket)
            if (
                problem is None
                or problem in keys
                or self.held.full
                or self.problems.is_deleted(problem)  # never copied: nothing to wait for
                or self._problem_copy_exists(problem)
            ):
                kept.append(ticket)
                continue
            comments = self.references.take_comments(ticket.ref.source_id)
            self.held.hold(problem, HeldIncident(stream, ticket, comments))
            logger.debug(
                "Holding the closed %s until its problem's copy exists", ticket.ref.describe()
            )
        return kept

    def _problem_copy_exists(self, problem: str) -> bool:
        return self.problems.resolve("", problem, wait=False) is not None

    def _stale(self, problem: str) -> bool:
        """Whether incidents held for this problem wait no longer: it was deleted in the
        source, or held them across too many STATEs."""
        return self.problems.is_deleted(problem) or self.held.waited_too_long(problem)

    def _release_held(self, *, end: bool) -> None:
        """Send the held incidents whose problem's copy now exists (at the ``end``, every
        one: those without the link, counted)."""
        if not self.holding:
            return
        if end:
            released = list(self.held.take_all())
        elif self.settings.dry_run:
            released = list(self.held.take(lambda p: self.problems.was_sent(p) or self._stale(p)))
        else:
            released = list(
                self.held.take(lambda p: self._problem_copy_exists(p) or self._stale(p))
            )
        by_stream: dict[str, list[SourceTicket]] = {}
        for held in released:
            self.references.put_back_comments(held.ticket.ref.source_id, held.comments)
            by_stream.setdefault(held.stream, []).append(held.ticket)
        for stream, tickets in by_stream.items():
            logger.info("Sending %d closed incident(s) held for their problem", len(tickets))
            for start in range(0, len(tickets), self.batch_size):
                self.load(stream, tickets[start : start + self.batch_size], hold=False)

    # Preparing ----------------------------------------------------------------------------

    def _parts(self, tickets: list[SourceTicket]) -> Iterator[list[SourceTicket]]:
        """The buffer cut before a ticket whose copy a job in flight is still making."""
        part: list[SourceTicket] = []
        keys: set[str] = set()
        for ticket in tickets:
            key = ticket.key
            problem = self._closed_incidents_problem(ticket)
            if (key and (key in keys or self.planner.pending(key))) or (
                problem and (problem in keys or self.planner.pending(problem))
            ):  # its copy, or (a closed incident) its problem's, is still being made
                if part:
                    yield part
                part, keys = [], set()
                self.pipeline.settle()  # what was sent for it must be in first
            part.append(ticket)
            if key:
                keys.add(key)
        if part:
            yield part

    def _closed_incidents_problem(self, ticket: SourceTicket) -> str | None:
        body = ticket.body or {}
        if body.get("status") != "closed":
            return None
        return self.problems.problem_key(ticket.link, body)

    def _problems_first(self, tickets: list[SourceTicket]) -> list[SourceTicket]:
        """The buffer with the problems its closed incidents refer to moved to the front."""
        wanted = {p for p in map(self._closed_incidents_problem, tickets) if p}
        if not wanted:
            return tickets
        first = [t for t in tickets if t.key in wanted]
        return first + [t for t in tickets if t.key not in wanted]

    def _prepare(self, tickets: list[SourceTicket]) -> list[tuple[SourceTicket, Planned]]:
        entries = [_Entry(t, t.body, LeftOut()) for t in tickets if t.body is not None]
        mapping = self.settings.map_references()
        problems = [self._take_problem(e) if mapping else None for e in entries]
        if mapping:
            comments = {
                id(e): self.references.take_comments(e.ticket.ref.source_id) for e in entries
            }
            self.mapper.prepare([(e.body, comments[id(e)]) for e in entries])
            for entry in entries:
                entry.body = self.mapper.map(
                    entry.body, comments[id(entry)], entry.ticket.ref.describe(), entry.left_out
                )
                if self.files is not None:
                    self.files.read(entry.body, comments[id(entry)], entry.ticket.ref)
        elif self.files is not None:  # comments are not copied: nor are their files
            for entry in entries:
                self.files.discard(self.references.take_comments(entry.ticket.ref.source_id))
        for entry, problem in zip(entries, problems, strict=True):
            if entry.ticket.link and entry.ticket.own_external_id:
                self._keep_source_external_id(entry.body, entry.ticket.own_external_id)
            if problem is not None:
                self._link_problem(entry, problem)
            if entry.ticket.link and entry.body.get("type") == "problem":
                self.problems.sent(entry.ticket.link, entry.ticket.ref.source_id)
        planned = self.planner.plan_batch([(e.body, e.ticket.ref, e.left_out) for e in entries])
        return [(e.ticket, p) for e, p in zip(entries, planned, strict=True) if p is not None]

    def _take_problem(self, entry: _Entry) -> str | None:
        """An incident's problem, taken out of its body to be linked to the problem's copy
        (the mapping knows no copies); None when there is none, or nothing to link by."""
        problem = self.problems.problem_key(entry.ticket.link, entry.body)
        if entry.body.get("problem_id") is not None:
            entry.body = {k: v for k, v in entry.body.items() if k != "problem_id"}
            if problem is None:  # append-only copies have no link to find the problem's by
                self.mapper.report.count(PROBLEM_KIND, LEFT_OUT, entry.ticket.ref.describe())
        return problem

    def _link_problem(self, entry: _Entry, problem: str) -> None:
        assert entry.ticket.link is not None
        closed = entry.body.get("status") == "closed"
        copy_id = self.problems.resolve(entry.ticket.link, problem, wait=not closed)
        if copy_id is not None:
            entry.body["problem_id"] = copy_id
            self.mapper.report.count(PROBLEM_KIND, MAPPED)
        elif closed:  # a closed copy cannot be changed: its link cannot come later
            self._closed_without_problem(entry, problem)
        # else it waits for the problem's copy (or its problem is deleted): counted there

    def _closed_without_problem(self, entry: _Entry, problem: str) -> None:
        if self.problems.is_deleted(problem):
            what = f"{entry.ticket.ref.describe()}: its problem is deleted in the source"
            self.mapper.report.count(PROBLEM_KIND, LEFT_OUT, what)
        elif self.settings.dry_run and self.problems.was_sent(problem):
            self.mapper.report.count(PROBLEM_KIND, MAPPED)  # would be, once it is in
        else:
            what = f"{entry.ticket.ref.describe()}: closed, and its problem is not copied"
            self.mapper.report.count(PROBLEM_KIND, LEFT_OUT, what)

    def _keep_source_external_id(self, body: dict[str, Any], own: str) -> None:
        """The source ticket's own external_id, into the destination's text field for it."""
        title = self.settings.source_external_id_field
        field_id = self.destination.text_field(title) if title else None
        if field_id is not None:
            body["custom_fields"] = [
                *(body.get("custom_fields") or []),
                {"id": field_id, "value": own},
            ]

    def _batches(self, stream: str, planned: list[tuple[SourceTicket, Planned]]) -> Iterator[Batch]:
        """Imports and updates, each in batches of at most ``batch_size``, in input order."""
        for kind in (IMPORT, UPDATE):
            chosen = [(t, p) for t, p in planned if p.kind == kind]
            for start in range(0, len(chosen), self.batch_size):
                chunk = chosen[start : start + self.batch_size]
                yield Batch(
                    stream,
                    [p.body for _, p in chunk],
                    [t.ref for t, _ in chunk],
                    kind=kind,
                    copies=[p.copy for _, p in chunk],
                    comment_counts=[p.comment_count for _, p in chunk],
                )
