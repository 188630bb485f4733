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

from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.files.attacher import FileAttacher
from target_zendesk_tickets.copying.load_plan import LoadPlanner, Planned
from target_zendesk_tickets.copying.mapper import LeftOut, TicketMapper
from target_zendesk_tickets.copying.references import USERS, SourceReferences
from target_zendesk_tickets.copying.source import SourceTicket
from target_zendesk_tickets.importing.batches import IMPORT, UPDATE, Batch

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
        self._input_line = input_line
        self.deleted_skipped = 0
        self.dry_run_tickets: Counter[str] = Counter()  # by kind: import, update

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
        self.planner.deleted(ticket.link, ticket.ref)

    def load(self, stream: str, tickets: list[SourceTicket]) -> None:
        """Map, plan and send a buffer of tickets, in input order."""
        for part in self._parts(tickets):
            for batch in self._batches(stream, self._prepare(part)):
                if self.files is not None:
                    self.files.claim(batch)
                if self.settings.dry_run:
                    self.dry_run_tickets[batch.kind] += batch.size  # planned, never sent
                else:
                    self.pipeline.submit(batch)
            if self.files is not None:
                self.files.part_planned()

    # Preparing ----------------------------------------------------------------------------

    def _parts(self, tickets: list[SourceTicket]) -> Iterator[list[SourceTicket]]:
        """The buffer cut before a ticket whose copy a job in flight is still making."""
        part: list[SourceTicket] = []
        keys: set[str] = set()
        for ticket in tickets:
            key = ticket.key
            if key and (key in keys or self.planner.pending(key)):
                if part:
                    yield part
                part, keys = [], set()
                self.pipeline.settle()  # what was sent for it must be in first
            part.append(ticket)
            if key:
                keys.add(key)
        if part:
            yield part

    def _prepare(self, tickets: list[SourceTicket]) -> list[tuple[SourceTicket, Planned]]:
        entries = [_Entry(t, t.body, LeftOut()) for t in tickets if t.body is not None]
        if self.settings.map_references():
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
        for entry in entries:
            if entry.ticket.link and entry.ticket.own_external_id:
                self._keep_source_external_id(entry.body, entry.ticket.own_external_id)
        planned = self.planner.plan_batch([(e.body, e.ticket.ref, e.left_out) for e in entries])
        return [(e.ticket, p) for e, p in zip(entries, planned, strict=True) if p is not None]

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
