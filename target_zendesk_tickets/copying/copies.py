"""Which source tickets already have a copy in the destination: the proof behind "exactly once".

Every answer comes from an exact source, never from Zendesk's search alone (it lags):

* **Look-ups**: ``GET /api/v2/tickets.json?external_id=<key>&include=comment_count``, one a
  ticket, exact and immediate - except for archived tickets, which List Tickets leaves
  out. A copy can be archived when it is closed and old, so a ticket not found that is
  closed, or older than :data:`ARCHIVE_AGE`, is also searched for (archived tickets are
  old, so the search index has them); with ``archiveImmediately`` a closed copy is
  archived at once, and only the scan is exact.
* **The scan**: the destination's own incremental export, every page, archived tickets
  included. It leaves out the last minute: what changed then is found exactly
  (:mod:`recent_changes`: the count of tickets, the job list, the tickets updated since);
  only when that cannot account for everything is the export's end read again once
  ``destinationExportLag`` has passed.
* This run's own imports.

Before the first look-up, other runs' import jobs still queued or running (a run that was
killed, for example) are waited for, so what they import is found.

Look-ups cost one request a ticket, the scan about one request per 1,000 tickets of the
destination. A run starts with look-ups and switches to the scan once the
look-ups made would have paid for it (:data:`SCAN_AFTER` plus the scan's pages): a first
copy into an account without copies pays about that many look-ups, a small delta run
never scans. What is kept of each copy is small (:class:`Copy`); the whole ticket is read
only when an update is planned, to tell which of its fields differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from target_zendesk_tickets.copying.recent_changes import RecentChanges
from target_zendesk_tickets.importing.comment_counts import CommentCounter, comment_count_of
from target_zendesk_tickets.importing.recovery import LostAnswerCheck
from zendesk_api.advice import read_advice
from zendesk_api.durations import format_duration
from zendesk_api.errors import ZendeskHTTPError
from zendesk_api.export_cursor import export_pages
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget

logger = logging.getLogger(__name__)

#: Look-ups made before the scan is considered, on top of the scan's own pages.
SCAN_AFTER = 20
EXPORT_PAGE = 1000
#: Zendesk archives tickets closed for 120 days: a ticket this old may have an archived copy.
ARCHIVE_AGE = dt.timedelta(days=120)
LIST_PATH = "/api/v2/tickets.json"
COUNT_PATH = "/api/v2/tickets/count.json"
SEARCH_PATH = "/api/v2/search.json"
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"


@dataclass(slots=True)
class Copy:
    """A copy in the destination, as far as deciding what to do with it needs."""

    id: int
    status: str
    comment_count: int | None
    #: ``updated_at`` of every ticket with this key (append-only: a version already there).
    versions: tuple[str, ...] = ()
    #: The whole ticket, when it was just read (a look-up), else None.
    ticket: dict[str, Any] | None = None

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def copies_of(tickets: list[Any], key: str) -> Copy | None:
    """The copy for ``key`` among tickets that carry it: the oldest live one, all versions."""
    live = [
        t
        for t in tickets
        if isinstance(t, Mapping)
        and t.get("external_id") == key
        and isinstance(t.get("id"), int)
        and t.get("status") != "deleted"
    ]
    if not live:
        return None
    if len(live) > 1:
        logger.warning(
            "The destination has %d tickets with external_id %r (%s): the oldest is the copy",
            len(live),
            key,
            ", ".join(str(t["id"]) for t in live),
        )
    oldest = min(live, key=lambda t: t["id"])
    return Copy(
        oldest["id"],
        str(oldest.get("status") or ""),
        comment_count_of(oldest),
        tuple(str(t.get("updated_at")) for t in live),
        dict(oldest),
    )


class KeySet:
    """Keys this run imported, in fixed memory (a Bloom filter): a key it holds may be a
    false positive, which only costs an exact look-up."""

    BITS = 1 << 24  # 2 MiB: about 1 % false positives at a million keys
    HASHES = 7

    def __init__(self) -> None:
        self._bits = bytearray(self.BITS // 8)

    def _positions(self, key: str) -> list[int]:
        digest = hashlib.blake2b(key.encode(), digest_size=4 * self.HASHES).digest()
        return [
            int.from_bytes(digest[4 * i : 4 * i + 4], "little") % self.BITS
            for i in range(self.HASHES)
        ]

    def add(self, key: str) -> None:
        for position in self._positions(key):
            self._bits[position >> 3] |= 1 << (position & 7)

    def __contains__(self, key: str) -> bool:
        return all(self._bits[p >> 3] & (1 << (p & 7)) for p in self._positions(key))


class CopyIndex:
    def __init__(
        self,
        client: ZendeskClient,
        recovery: LostAnswerCheck,
        counter: CommentCounter,
        recent: RecentChanges,
        *,
        export_lag: float,
        archive_immediately: bool,
        job_timeout: float,
        budget: RetryBudget,
    ) -> None:
        self.client = client
        self.recovery = recovery
        self.counter = counter
        self.recent = recent
        self.export_lag = export_lag
        self.archive_immediately = archive_immediately
        self.job_timeout = job_timeout
        self._budget = budget
        self._known: dict[str, Copy] = {}  # without their tickets, to stay small
        self._absent: set[str] = set()  # looked up and not there (until the scan)
        self._imported = KeySet()
        self._waited_for_other_runs = False
        self.scanned = False
        self.lookups = 0
        self.requests = 0
        self._scan_pages: int | None = None

    def find(self, key: str, *, closed: bool, old: bool) -> Copy | None:
        """The copy of the ticket whose key is ``key``, or None when there is none.

        ``closed`` and ``old`` say whether the source ticket could have an archived copy.
        """
        if key in self._known:
            return self._known[key]
        if key in self._imported:
            return self._look_up(key)  # imported earlier in this run: read it
        if self.scanned or key in self._absent:
            return None
        self._wait_for_other_runs()
        if (closed and self.archive_immediately) or self.lookups >= SCAN_AFTER + self._pages():
            self.scan()
            return self._known.get(key)
        found = self._look_up(key)
        if found is None and (closed or old):
            found = self._search(key)  # archived copies are left out of List Tickets
        if found is None:
            self._absent.add(key)
        return found

    def prepare(self, keys: list[str]) -> None:
        """Before a batch's look-ups: read the destination's export instead when the batch
        would make more look-ups than the export has pages (and the run already made
        :data:`SCAN_AFTER`, the price of finding out for small runs)."""
        if self.scanned:
            return
        unknown = {
            key
            for key in keys
            if key not in self._known and key not in self._absent and key not in self._imported
        }
        if unknown and self.lookups + len(unknown) >= SCAN_AFTER + self._pages():
            self.scan()

    def details_many(self, copies: list[Copy], *, count_comments: set[int]) -> None:
        """Each copy's whole ticket, read in bulk where it was not (the scan keeps none), and
        the exact comment count of the copies in ``count_comments``."""
        unread = sorted({copy.id for copy in copies if copy.ticket is None})
        shown = self.counter.show_many(unread, budget=self._budget, count_comments=count_comments)
        self.requests += -(-len(unread) // 100)
        for copy in copies:
            ticket = shown.get(copy.id)
            if ticket is not None and copy.ticket is None:
                copy.comment_count = comment_count_of(ticket)
                copy.status = str(ticket.get("status") or copy.status)
                copy.ticket = ticket
            if copy.comment_count is None and copy.id in count_comments:
                self.requests += 1
                copy.comment_count = self.counter.count(copy.id, budget=self._budget)

    def changed(self, key: str, copy: Copy) -> None:
        """What an update planned for ``copy`` makes of it (its ticket is let go)."""
        copy.ticket = None
        self._known[key] = copy

    def created(self, key: str) -> None:
        """A copy this run imported (its job completed, or it was found imported)."""
        self._absent.discard(key)
        self._known.pop(key, None)
        self._imported.add(key)

    def forget(self, key: str) -> None:
        """A copy this run deleted."""
        self._known.pop(key, None)
        self._absent.add(key)

    # ----------------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any], what: str) -> Any:
        self.requests += 1
        try:
            return self.client.get_json(path, params, budget=self._budget, what=what)
        except ZendeskHTTPError as exc:  # not to be retried: say what to check
            raise read_advice(exc, self.client.connection, operation="look up tickets") from None

    def _wait_for_other_runs(self) -> None:
        """Once a run: other runs' jobs still queued or running may be importing copies."""
        if not self._waited_for_other_runs:
            deadline = self.client.policy.clock() + self.job_timeout
            try:
                self.recovery.wait_for_unknown_jobs(deadline, self._budget)
            except ZendeskHTTPError as exc:  # not to be retried: say what to check
                raise read_advice(
                    exc, self.client.connection, operation="read job statuses"
                ) from None
            self._waited_for_other_runs = True

    def _look_up(self, key: str) -> Copy | None:
        self.lookups += 1
        document = self._get(
            LIST_PATH,
            {"external_id": key, "include": "comment_count"},
            f"GET {LIST_PATH} (the copy with external_id {key!r})",
        )
        return copies_of(document.get("tickets") or [], key)

    def _search(self, key: str) -> Copy | None:
        self.lookups += 1
        document = self._get(
            SEARCH_PATH,
            {"query": f'type:ticket external_id:"{key}"'},
            f"GET {SEARCH_PATH} (an archived copy with external_id {key!r})",
        )
        return copies_of(document.get("results") or [], key)

    def _pages(self) -> int:
        if self._scan_pages is None:
            document = self._get(COUNT_PATH, {}, f"GET {COUNT_PATH}")
            counted = document.get("count") if isinstance(document, Mapping) else None
            count = counted.get("value") if isinstance(counted, Mapping) else None
            self._scan_pages = 1 + (count // EXPORT_PAGE if isinstance(count, int) else 0)
        return self._scan_pages

    def scan(self) -> None:
        """Read the destination's whole export: every copy, archived ones included."""
        self._wait_for_other_runs()
        logger.info(
            "Reading the destination's export to find every copy (%d look-ups made so far)",
            self.lookups,
        )
        seen: set[int] = set()  # live tickets the export shows, for what it leaves out
        cursor = self._read_export({"start_time": 0, "support_type_scope": "all"}, seen)
        hidden = self.recent.find(
            seen,
            self.recent.export_end(),
            deadline=self.client.policy.clock() + self.job_timeout,
        )
        for ticket in hidden.tickets:
            self._take(ticket)
        if not hidden.complete:
            # Only the export itself can tell: once the lag has passed, it shows the rest.
            logger.info(
                "The destination's export leaves out its last minute and %s: reading its "
                "end again in %s (destinationExportLag)",
                hidden.why_not,
                format_duration(self.export_lag),
            )
            self.client.policy.sleep(self.export_lag)
            # No cursor: the export showed nothing yet, so it is read from the start again.
            again = {"cursor": cursor} if cursor else {"start_time": 0, "support_type_scope": "all"}
            self._read_export(again, seen)
        self.scanned = True
        self._absent.clear()  # the scan knows better now
        logger.info(
            "The destination has %d tickets with an external_id (%d changed in the last "
            "minute found without waiting)",
            len(self._known),
            len(hidden.tickets),
        )

    def _read_export(self, params: dict[str, Any], seen: set[int]) -> str | None:
        """Every page from ``params`` on; the last cursor (None when the export gave none)."""
        cursor = None
        what = f"GET {EXPORT_PATH} (the destination's export)"
        query = {**params, "include": "comment_count", "per_page": EXPORT_PAGE}
        for page in export_pages(lambda q: self._get(EXPORT_PATH, q, what), query):
            for ticket in page.get("tickets") or []:
                if isinstance(ticket, Mapping) and isinstance(ticket.get("id"), int):
                    if ticket.get("status") == "deleted":
                        seen.discard(ticket["id"])
                    else:
                        seen.add(ticket["id"])
                    self._take(ticket)
            cursor = page.get("after_cursor") or cursor
        return cursor

    def _take(self, ticket: Mapping[str, Any]) -> None:
        key, ticket_id = ticket.get("external_id"), ticket.get("id")
        if not isinstance(key, str) or not key or not isinstance(ticket_id, int):
            return
        known = self._known.get(key)
        if ticket.get("status") == "deleted":
            if known is not None and known.id == ticket_id:
                del self._known[key]  # deleted since (another ticket may carry the key)
            return
        versions = (*known.versions, str(ticket.get("updated_at"))) if known else ()
        if known is not None and known.id < ticket_id:
            known.versions = versions  # a second ticket with the key: the oldest is the copy
            return
        self._known[key] = Copy(
            ticket_id,
            str(ticket.get("status") or ""),
            comment_count_of(ticket),
            versions or (str(ticket.get("updated_at")),),
        )
