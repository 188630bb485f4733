"""The SDK's sinks: a ticket stream's records read once and buffered, a reference stream's
kept. Each full buffer (``bufferSize``; partial ones at a STATE and at the end) goes to the
loader the target hands over, in one call: the copy engine and the import pipeline do the
rest. A sink never reaches back into the target."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from singer_sdk import Target
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from target_zendesk_tickets.copying.source import SourceTicket
from target_zendesk_tickets.errors import BadRecordError
from target_zendesk_tickets.importing.batches import MAX_BATCH
from target_zendesk_tickets.importing.convert import ConversionError, to_json_value
from target_zendesk_tickets.sdk_hooks import SinkHooks
from target_zendesk_tickets.singer_input.tickets import read_ticket
from target_zendesk_tickets.singer_input.validation import compile_schema


class Loader(Protocol):
    """What the sinks hand their records to (the copy engine's loader)."""

    @property
    def keyed_by_link(self) -> bool: ...

    def input_line(self) -> int:
        """The input line being read (to name a ticket in messages)."""

    def opened(self, stream: str) -> None:
        """A reference stream's SCHEMA came."""

    def keep(self, stream: str, record: Mapping[str, Any]) -> None:
        """A record of a reference stream (people, structure, comments)."""

    def deleted(self, ticket: SourceTicket) -> None:
        """A ticket deleted in the source (it is never imported)."""

    def load(self, stream: str, tickets: list[SourceTicket]) -> None:
        """A buffer of live tickets, in input order."""


@runtime_checkable
class LoaderOwner(Protocol):
    """The target, as far as a sink sees it: it hands over its loader, once."""

    @property
    def loader(self) -> Loader: ...


def loader_of(target: Target) -> Loader:
    if not isinstance(target, LoaderOwner):
        raise TypeError(f"{type(target).__name__} hands its sinks no loader")
    return target.loader


class TicketSink(SinkHooks):
    MAX_SIZE_DEFAULT = MAX_BATCH

    def __init__(self, target: Target, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self._owner = target
        self._buffer: list[SourceTicket] = []

    @cached_property
    def loader(self) -> Loader:
        """Taken when the first record needs it: a SCHEMA alone builds nothing."""
        return loader_of(self._owner)

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        validator = super().get_validator()
        return None if validator is None else _ReportingValidator(validator, self.stream_name)

    @property
    def max_size(self) -> int:
        """``bufferSize``; the built-in ``batch_size_rows`` may only lower it, never past 100."""
        size = int(self.config.get("bufferSize") or MAX_BATCH)
        if self.batch_size_rows:
            size = min(size, self.batch_size_rows)
        return max(1, min(size, MAX_BATCH))

    @property
    def current_size(self) -> int:
        """Tickets waiting to be sent (deleted ones are skipped, so they do not count)."""
        return len(self._buffer)

    def process_record(self, record: dict, context: dict) -> None:
        loader = self.loader
        ticket = read_ticket(
            record, self.stream_name, loader.input_line(), keyed_by_link=loader.keyed_by_link
        )
        if ticket.deleted:
            if ticket.key:  # an older version still in the buffer is not imported either
                self._buffer = [t for t in self._buffer if t.key != ticket.key]
            loader.deleted(ticket)
        else:
            self._buffer.append(ticket)

    def process_batch(self, context: dict) -> None:
        # The buffer is taken before it is handed over, so even a re-entrant call (the SDK
        # drains from signal handlers) finds nothing to send twice.
        tickets, self._buffer = self._buffer, []
        if tickets:
            self.loader.load(self.stream_name, tickets)


class ReferenceSink(SinkHooks):
    """A stream the tickets refer to (users, groups, comments...): kept for the mapping."""

    def __init__(self, target: Target, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.loader = loader_of(target)
        self.loader.opened(self.stream_name)

    def process_record(self, record: dict, context: dict) -> None:
        try:
            plain = to_json_value(record, self.stream_name)
        except ConversionError as exc:
            raise BadRecordError(f"a RECORD of stream '{self.stream_name}': {exc}") from None
        self.loader.keep(self.stream_name, plain)

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
