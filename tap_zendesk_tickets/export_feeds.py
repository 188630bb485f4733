"""The time-based exports (metric events, ticket events) read while the tickets stream syncs.

A sync with every stream is bound by two of Zendesk's limits at once: the account's
requests a minute (the tickets' comments and side conversations, one request each) and the
incremental exports' 10 a minute (the ticket export, and a page per 1,000 metric events or
audits). Read one after the other, each stream would leave the other bucket idle; so the
time-based exports are read on a thread of their own while the tickets stream syncs, and
their pages are written between two tickets as they come (:meth:`ExportFeeds.between`).
A run that does not sync the tickets reads each export on its own, in its stream's sync.
Every request still goes through the run's shared pacers (``RunLimits``).

A page goes out whole, with its stream's bookmark moved past it; the next STATE (the
tickets stream's, after its page) carries that bookmark, so a run resumed from it neither
loses nor repeats a page. What is left when the tickets are done is written then, with a
STATE after every page (:meth:`ExportFeeds.finish`). Each reader holds at most ``DEPTH``
pages not written yet: memory does not grow with the export.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Protocol

from tap_zendesk_tickets.time_export import TimePage

#: Pages one reader may hold before they are written.
DEPTH = 2

logger = logging.getLogger(__name__)


class FedExport(Protocol):
    """A stream read from a time-based export (``analytics_streams.TimeExportStream``)."""

    name: str

    def pages(self) -> Iterator[TimePage]:
        """The export's pages from the stream's bookmark to the end (blocking reads)."""

    def take(self, page: TimePage, *, checkpoint: bool) -> None:
        """Write the page's records and move the bookmark past it (and write a STATE)."""

    def close(self) -> None:
        """Log how many records were written."""


class _Done:
    """Put after a reader's last page."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Reader:
    """One export read on a daemon thread into a small queue."""

    def __init__(self, export: FedExport) -> None:
        self.export = export
        self._source = export.pages()  # the bookmark is read here, on the main thread
        self.pages: queue.Queue[TimePage | _Done | _Failed] = queue.Queue(maxsize=DEPTH)
        self.done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"export-{export.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            for page in self._source:
                if not self._put(page):
                    return
            self._put(_Done())
        except BaseException as exc:  # handed to the main thread, raised there
            self._put(_Failed(exc))

    def _put(self, item: TimePage | _Done | _Failed) -> bool:
        while not self._stop.is_set():
            try:
                self.pages.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def take(self, *, wait: bool) -> TimePage | None:
        """The next page, if one is ready (or, with ``wait``, once it is); None when none
        is, or the export is done. A failed read is raised here."""
        if self.done:
            return None
        try:
            item = self.pages.get(block=wait)
        except queue.Empty:
            return None
        if isinstance(item, _Failed):
            self.done = True
            raise item.error
        if isinstance(item, _Done):
            self.done = True
            return None
        return item


class ExportFeeds:
    """The time-based exports of a run that are read alongside the tickets stream.

    The SDK syncs streams in the order of their names, so ``ticket_field_history`` and
    ``ticket_metric_events`` come before ``tickets``: each starts its reader here
    (:meth:`add`) and leaves it to the tickets stream, which writes its pages between two
    tickets (:meth:`between`) and what is left once its export is done (:meth:`finish`).
    """

    def __init__(self) -> None:
        self._readers: list[_Reader] = []
        #: Whether an export added now will be read alongside the tickets (until they end).
        self.open = True

    def add(self, export: FedExport) -> None:
        """Start reading ``export``: its pages are written by the tickets stream's sync."""
        reader = _Reader(export)
        reader.start()
        self._readers.append(reader)

    def between(self) -> None:
        """Write the pages that are ready (between two tickets: never blocks)."""
        for reader in self._readers:
            while (page := reader.take(wait=False)) is not None:
                reader.export.take(page, checkpoint=False)

    def finish(self) -> None:
        """Write every page left, a STATE after each, waiting for the readers to end."""
        self.open = False
        for reader in self._readers:
            while (page := reader.take(wait=True)) is not None:
                reader.export.take(page, checkpoint=True)
            reader.export.close()
        self._readers = []

    def close(self) -> None:
        """Stop the readers left (a run that failed or was stopped)."""
        self.open = False
        for reader in self._readers:
            reader.stop()
        self._readers = []
