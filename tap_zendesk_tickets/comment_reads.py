"""Each ticket's comments, read a few tickets ahead, handed out in the tickets' order.

One request per ticket is latency-bound: at 200 ms an answer, one request at a time reads
300 tickets a minute where Zendesk allows 700 (2,500 with the High Volume add-on). So up to
``commentRequestsInFlight`` tickets are read at once, by as many threads, each with its own
HTTP session; the pacer they share keeps them under the account's rate limit. Reading runs
at most that many tickets ahead of the ticket being written: a run stopped (SIGTERM) waits
for no more than that many requests, and memory holds no more than that many conversations.

With one request in flight, each ticket is read when its turn comes, on the caller's thread.
A ticket's attachments, when they are fetched (``file_downloads.py``), are fetched by the
thread that read its comments, right after them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from tap_zendesk_tickets.api_reads import SupportReader, TicketComments

#: Fetches the files of a ticket's comments into its ``TicketComments``.
FetchFiles = Callable[[int, TicketComments], None]


class CommentReads:
    """The comments of the tickets :meth:`plan` names, taken one by one with :meth:`take`."""

    def __init__(
        self, reader: SupportReader, in_flight: int, fetch_files: FetchFiles | None = None
    ) -> None:
        self._reader = reader
        self._fetch_files = fetch_files
        self._in_flight = max(1, in_flight)
        self._executor: ThreadPoolExecutor | None = None
        self._planned: deque[int] = deque()
        self._reading: deque[tuple[int, Future[TicketComments | None]]] = deque()

    def plan(self, ticket_ids: Iterable[int]) -> None:
        """The tickets whose comments will be taken next, in the order they will be."""
        self._cancel()
        self._planned = deque(ticket_ids)
        self._fill()

    def take(self, ticket_id: int) -> TicketComments | None:
        """The ticket's comments (None: Zendesk no longer has it); a read's error is raised
        here, for the ticket it belongs to."""
        if self._reading and self._reading[0][0] == ticket_id:
            _, future = self._reading.popleft()
            self._fill()
            return future.result()
        # Not planned (or planned in another order): read it now.
        return self._read(ticket_id)

    def close(self) -> None:
        """Stop reading ahead; reads already on their way are waited for."""
        self._cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _fill(self) -> None:
        if self._in_flight == 1:
            return  # read on the caller's thread when its turn comes
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._in_flight, thread_name_prefix="comments"
            )
        while self._planned and len(self._reading) < self._in_flight:
            ticket_id = self._planned.popleft()
            self._reading.append((ticket_id, self._executor.submit(self._read, ticket_id)))

    def _read(self, ticket_id: int) -> TicketComments | None:
        found = self._reader.comments(ticket_id)
        if found is not None and self._fetch_files is not None:
            self._fetch_files(ticket_id, found)
        return found

    def _cancel(self) -> None:
        for _, future in self._reading:
            future.cancel()
        self._reading.clear()
        self._planned.clear()
