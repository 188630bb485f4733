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
"""

from __future__ import annotations

import datetime
from collections.abc import Generator, Mapping
from functools import cached_property
from typing import Any

from singer_sdk import Stream
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import RecordMessage


def write_checkpoint(
    stream: Stream, context: types.Context | None, bookmark: Mapping[str, Any]
) -> None:
    """Make ``bookmark`` the stream's whole state and emit a STATE message now."""
    state = stream.get_context_state(context)
    # One dict.update is atomic for a signal handler: the SDK writes this same dict on
    # SIGTERM, and it must never see a half-written bookmark.
    state.update(bookmark)
    for stale in [key for key in state if key not in bookmark]:
        del state[stale]
    stream.state_manager.is_flushed = False
    stream._write_state_message()


class TapStream(Stream):
    """singer-sdk's Stream, with the tap's overrides of its private hooks."""

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
