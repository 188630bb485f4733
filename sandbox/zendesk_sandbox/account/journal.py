"""The account's changes as they are written to its state directory, and read back on start.

``store.py`` holds the journal's format; this is what the parts of the account write
through. While the journal is read back (``replaying``), the changes it replays are not
written again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from zendesk_sandbox.account.store import Store


class Journal:
    """Where the account writes each change; a journal without a store writes nothing."""

    def __init__(self, store: Store | None) -> None:
        self._store = store
        self._replaying = False

    @property
    def kept(self) -> bool:
        """Whether the account has a state directory at all."""
        return self._store is not None

    def record(self, record: dict) -> None:
        if self._store is not None and not self._replaying:
            self._store.append(record)

    @contextlib.contextmanager
    def replaying(self) -> Iterator[Iterator[dict]]:
        """The records written so far, in order; nothing is written while they are applied."""
        assert self._store is not None
        self._replaying = True
        try:
            yield self._store.records()
        finally:
            self._replaying = False

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
