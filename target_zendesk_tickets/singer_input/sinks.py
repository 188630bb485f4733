"""One stream's tickets: turned into import bodies as they arrive, sent 100 (bufferSize)
at a time. The sink only buffers and hands over; the pipeline does the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from singer_sdk import BatchSink
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from target_zendesk_tickets.copying.links import source_link
from target_zendesk_tickets.copying.mapper import LeftOut
from target_zendesk_tickets.copying.references import USERS
from target_zendesk_tickets.errors import BadRecordError
from target_zendesk_tickets.importing.batches import IMPORT, MAX_BATCH, UPDATE, Batch, TicketRef
from target_zendesk_tickets.importing.convert import (
    ConversionError,
    external_id_text,
    is_deleted,
    to_import,
    to_json_value,
)
from target_zendesk_tickets.singer_input.payloads import PayloadError, ticket_from_record
from target_zendesk_tickets.singer_input.validation import compile_schema

if TYPE_CHECKING:
    from target_zendesk_tickets.target import TargetZendeskTickets


class TicketSink(BatchSink):
    MAX_SIZE_DEFAULT = MAX_BATCH

    def __init__(self, target: TargetZendeskTickets, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.zendesk_target = target
        self._buffers = {IMPORT: _Buffer(), UPDATE: _Buffer()}
        self.deleted_skipped = 0
        target.ticket_sinks.append(self)

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        validator = super().get_validator()
        return None if validator is None else _ReportingValidator(validator, self.stream_name)

    @property
    def max_size(self) -> int:
        """``bufferSize``; the built-in ``batch_size_rows`` may only lower it, never past 100."""
        size = self.zendesk_target.settings.buffer_size
        if self.batch_size_rows:
            size = min(size, self.batch_size_rows)
        return max(1, min(size, MAX_BATCH))

    @property
    def current_size(self) -> int:
        """Tickets waiting to be sent (deleted ones are skipped, so they do not count)."""
        return sum(len(buffer.refs) for buffer in self._buffers.values())

    def process_record(self, record: dict, context: dict) -> None:
        line = self.zendesk_target.input_line
        target = self.zendesk_target
        try:
            ticket = ticket_from_record(record)
            if ticket is not None and not is_deleted(ticket):
                body = to_import(ticket)
            source_id = to_json_value(ticket.get("id"), "id") if ticket else None
            own_external_id = external_id_text(
                to_json_value(ticket.get("external_id"), "external_id") if ticket else None
            )
        except (PayloadError, ConversionError) as exc:
            raise BadRecordError(
                f"the RECORD of stream '{self.stream_name}' holds no importable ticket: {exc}"
            ) from None
        link = source_link(ticket) if ticket and target.upsert else None
        if ticket is None or is_deleted(ticket):
            self.deleted_skipped += 1
            self.logger.debug("Skipping the deleted ticket at input line %d", line)
            if target.planner is not None:
                target.planner.deleted(link, TicketRef(source_id, link, line))
            return
        if link:
            body["external_id"] = link  # the copy's durable link to its source
        ref = TicketRef(source_id, body.get("external_id"), line)
        left_out = LeftOut()
        if target.mapping_active:
            comments = target.references.take_comments(source_id)
            body = target.ticket_mapper.map(body, comments, ref.describe(), left_out)
        if link and own_external_id:
            target.keep_source_external_id(body, own_external_id)
        planned = target.planner.plan(body, ref, left_out) if target.planner is not None else None
        if target.planner is not None and planned is None:
            return  # nothing to send for it (counted)
        kind = planned.kind if planned else IMPORT
        buffer = self._buffers[kind]
        buffer.tickets.append(planned.body if planned else body)
        buffer.refs.append(ref)
        buffer.copies.append(planned.copy if planned else None)
        buffer.comment_counts.append(planned.comment_count if planned else None)

    def process_batch(self, context: dict) -> None:
        # Each buffer is taken before submitting, so even a re-entrant call (the SDK drains
        # from signal handlers) finds nothing to send twice.
        for kind, buffer in self._buffers.items():
            if not buffer.refs:
                continue
            self._buffers[kind] = _Buffer()
            batch = Batch(
                self.stream_name,
                buffer.tickets,
                buffer.refs,
                kind=kind,
                copies=buffer.copies,
                comment_counts=buffer.comment_counts,
            )
            if self.zendesk_target.settings.copy.dry_run:
                self.zendesk_target.dry_run_tickets[kind] += batch.size  # planned, never sent
                continue
            self.zendesk_target.pipeline.submit(batch)


@dataclass
class _Buffer:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    refs: list[TicketRef] = field(default_factory=list)
    copies: list[Any] = field(default_factory=list)
    comment_counts: list[int | None] = field(default_factory=list)


class ReferenceSink(BatchSink):
    """A stream the tickets refer to (users, groups, comments...): kept for the mapping."""

    def __init__(self, target: TargetZendeskTickets, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.zendesk_target = target
        if self.stream_name == USERS:
            target.references.has_people = True

    def process_record(self, record: dict, context: dict) -> None:
        try:
            plain = to_json_value(record, self.stream_name)
        except ConversionError as exc:
            raise BadRecordError(f"a RECORD of stream '{self.stream_name}': {exc}") from None
        self.zendesk_target.references.add(self.stream_name, plain)

    def process_batch(self, context: dict) -> None:
        """Nothing to send: the records were kept as they came."""


class _ReportingValidator(BaseJSONSchemaValidator):
    """The SDK's validator, behind a fast check, raising the target's input error.

    Records the compiled check accepts are valid (see :mod:`validation`); the others go to
    the SDK's validator. That one logs every ``InvalidRecord`` with a full traceback before
    re-raising it; a record that does not match its SCHEMA is bad input, reported in one
    line by the reader, so it becomes a :class:`BadRecordError` here.
    """

    def __init__(self, inner: BaseJSONSchemaValidator, stream: str) -> None:
        super().__init__(inner.schema)
        self.inner = inner
        self.stream = stream
        checker = getattr(getattr(inner, "validator", None), "TYPE_CHECKER", None)
        self.fast = compile_schema(inner.schema, checker) if checker is not None else None

    def validate(self, record: dict[str, Any]) -> None:
        if self.fast is not None and self.fast(record):
            return
        try:
            self.inner.validate(record)
        except InvalidRecord as exc:
            raise BadRecordError(
                f"the record does not match the SCHEMA of stream '{self.stream}': "
                f"{exc.error_message}"
            ) from None
