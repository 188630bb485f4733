"""Every use of singer-sdk internals in the tap, in one place.

Pinned by ``singer-sdk~=0.54.9``; ``tests/unit/tap/test_sdk_hooks.py`` checks the
behaviour each one gives (never the SDK's source).

* :func:`write_checkpoint`: singer-sdk 0.54 writes STATE every ``STATE_MSG_FREQUENCY``
  records and at the end of a stream. The tap needs one after every export page, right
  after that page's records, so it replaces the stream's bookmark and asks the SDK to
  write it now (``Stream.state_manager.is_flushed``, ``Stream._write_state_message``).
* :class:`TapStream` ``_generate_record_messages``: with no field deselected in the
  catalog, records skip the SDK's walk through every nested object of every record
  looking for deselected fields (a fifth of the tap's CPU on a large export).
* :class:`OwnBookmarkStream`: the stream declares its replication key (so the catalog
  says INCREMENTAL, sorted) but keeps its own bookmark. The SDK's per-record
  ``replication_key``/``replication_key_value`` and its ``starting_replication_value``
  marker would change the STATE's shape; ``_increment_stream_state`` and
  ``_write_starting_replication_value`` are left out.
* :func:`widen_schema`: a stream whose records bring fields outside its schema widens
  it mid-sync: the new schema replaces the stream's (and the input catalog's), the stream
  maps are built again from it, and a SCHEMA message goes out at once.
* :class:`FedStream`: a stream whose records the ``tickets`` stream hands over while it
  syncs (users, groups, ... and ticket comments, each just before the ticket that refers
  to them). It is a child stream of ``tickets`` for the SDK, so that the SDK never syncs
  it on its own and syncs ``tickets`` when only it is selected; but the SDK's per-parent-
  record child sync is not used (it would write a SCHEMA message, log lines and a STATE
  partition for every ticket). It keeps no bookmark, so
  ``finalize_state_progress_markers`` adds nothing to the STATE.
* :meth:`TapStream.emit`: records written outside the stream's own sync (a fed stream's,
  and a time-based export's pages read while the tickets sync): its SCHEMA once
  (``Stream._write_schema_message``), then each record through the SDK's own record path
  (``Stream._write_record_message``: stream maps, deselected fields, flattening).
  :func:`set_bookmark` moves such a stream's bookmark without writing a STATE: the next
  STATE of the run carries it.
"""

from __future__ import annotations

import datetime
from collections.abc import Generator, Iterable, Mapping
from functools import cached_property
from typing import Any

from singer_sdk import Stream, metrics
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import RecordMessage

from tap_zendesk_tickets.schema_evolution import FieldsOutsideSchema


def write_checkpoint(
    stream: Stream, context: types.Context | None, bookmark: Mapping[str, Any]
) -> None:
    """Make ``bookmark`` the stream's whole state and emit a STATE message now."""
    set_bookmark(stream, context, bookmark)
    stream.state_manager.is_flushed = False
    stream._write_state_message()


def set_bookmark(
    stream: Stream, context: types.Context | None, bookmark: Mapping[str, Any]
) -> None:
    """Make ``bookmark`` the stream's whole state; the next STATE of any stream carries it."""
    state = stream.get_context_state(context)
    # One dict.update is atomic for a signal handler: the SDK writes this same dict on
    # SIGTERM, and it must never see a half-written bookmark.
    state.update(bookmark)
    for stale in [key for key in state if key not in bookmark]:
        del state[stale]


class TapStream(Stream):
    """singer-sdk's Stream, with the tap's overrides of its private hooks, a schema that
    grows with the fields records bring (``schema_evolution``), and records that another
    stream's sync may write (:meth:`emit`)."""

    _schema_written = False
    _counter: metrics.Counter | None = None

    def emit(self, records: Iterable[types.Record]) -> int:
        """Write each record now (its SCHEMA first, once); the number written.

        Nothing is written for a stream that is not selected.
        """
        if not self.selected:
            return 0
        written = 0
        for record in records:
            if not self._schema_written:
                self._write_schema_message()
                self._schema_written = True
                self._counter = self.get_record_counter().__enter__()
            row = self.post_process(record)
            if row is None:
                continue
            self._write_record_message(row)
            if self._counter is not None:
                self._counter.increment()
            written += 1
        return written

    def close(self) -> None:
        """Log the count of the records :meth:`emit` wrote (the SDK's ``record_count``)."""
        if self._counter is not None:
            self._counter.exit()
            self._counter = None

    @cached_property
    def _fields_outside_schema(self) -> FieldsOutsideSchema:
        return FieldsOutsideSchema(self.effective_schema)

    def post_process(
        self, row: types.Record, context: types.Context | None = None
    ) -> types.Record | None:
        """Announce fields outside the schema before the first record that has them.

        Subclasses that override this call ``super().post_process`` on what they return.
        """
        changes = self._fields_outside_schema.changes(row)
        if changes:
            for name, prop in changes.items():
                self.logger.info(
                    "Field '%s' of %s is not in the schema: sending an updated SCHEMA "
                    "(type %s) before the first record that has it",
                    name,
                    self.name,
                    prop["type"],
                )
            widen_schema(self, changes)
        return row

    @cached_property
    def _records_pass_unchanged(self) -> bool:
        """No field deselected and no type conformance: the SDK's walks would change nothing."""
        return self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE and all(self.mask.values())

    def _generate_record_messages(
        self, record: types.Record
    ) -> Generator[RecordMessage, None, None]:
        if not self._records_pass_unchanged:
            yield from super()._generate_record_messages(record)
            return
        # What the SDK does, less the two walks through the record that change nothing.
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=datetime.datetime.now(datetime.UTC),
                )


class OwnBookmarkStream(TapStream):
    """An incremental, sorted stream whose STATE holds only the bookmark it writes itself."""

    @property
    def is_sorted(self) -> bool:
        return True

    def _increment_stream_state(
        self, latest_record: types.Record, *, context: types.Context | None = None
    ) -> None:
        # The bookmark moves once a page, in write_checkpoint.
        return

    def _write_starting_replication_value(self, context: types.Context | None) -> None:
        # Where a run starts is read from the bookmark itself (bookmarks.resume_point).
        return


class FedStream(TapStream):
    """A stream fed by another stream's sync, record by record, never synced on its own."""

    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        # No bookmark of its own: the run's position is the tickets stream's.
        return

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        # Never synced by the SDK: the parent stream emits its records (see emit).
        return []


def widen_schema(stream: Stream, properties: Mapping[str, dict[str, Any]]) -> None:
    """Add or replace ``properties`` in the stream's schema; write its SCHEMA message now."""
    stream._schema = _with_properties(stream.schema, properties)
    if stream._input_schema is not None:  # a --catalog schema wins over the stream's
        stream._input_schema = _with_properties(stream._input_schema, properties)
    stream._tap.mapper.register_raw_stream_schema(
        stream.name, stream.effective_schema, stream.primary_keys
    )
    stream._stream_maps = None  # built again from the mapper on next use
    stream._write_schema_message()


def _with_properties(
    schema: dict[str, Any], properties: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    return {**schema, "properties": {**schema.get("properties", {}), **properties}}
