"""Writing STATE at a moment the tap chooses: the one place that touches singer-sdk internals.

singer-sdk 0.54 writes STATE every ``STATE_MSG_FREQUENCY`` records and at the end of a
stream. The tap needs one after every export page, right after that page's records,
so it replaces the stream's bookmark and asks the SDK to write it now. This relies on
``Stream.state_manager.is_flushed`` and ``Stream._write_state_message`` (pinned by
``singer-sdk~=0.54.9``; ``tests/unit/tap/test_checkpoint.py`` guards the behaviour).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from singer_sdk import Stream
from singer_sdk.helpers import types


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
