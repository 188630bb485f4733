"""Which source tickets already have a copy in the destination: the proof behind "exactly once".

Every answer comes from an exact source, never from Zendesk's search alone (it lags):

* **Look-ups**: ``GET /api/v2/tickets.json?external_id=<key>&include=comment_count``, one a
  ticket, exact and immediate - except for archived tickets, which List Tickets leaves
  out. Archived tickets are closed, so a closed source ticket that a look-up does not
  find is also searched for (archived tickets are old, so the search index has them); with
  ``archiveImmediately`` a closed copy is archived at once, and only the scan is exact.
* **The scan**: the destination's own incremental export, every page, archived tickets
  included. It leaves out the last minute, so when other runs' import jobs are in the
  recent job list (a crashed run of this target, for example), the scan is read to its
  end again once ``destinationExportLag`` has passed since they all finished.
* This run's own imports, from their jobs' results.

Look-ups cost one request a ticket, the scan about one request per 1,000 tickets of the
destination (plus the lag). A run starts with look-ups and switches to the scan once the
look-ups made would have paid for it (:data:`SCAN_AFTER` plus the scan's pages): a first
copy into an account without copies pays at most that many look-ups, a small delta run
never scans.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.recovery import LostAnswerCheck
from zendesk_api.advice import read_advice
from zendesk_api.durations import format_duration
from zendesk_api.errors import ZendeskHTTPError
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget

logger = logging.getLogger(__name__)

#: Fields of a copy that an update may change (and that are compared to decide).
UPDATABLE = (
    "subject",
    "status",
    "priority",
    "type",
    "tags",
    "requester_id",
    "assignee_id",
    "group_id",
    "organization_id",
    "brand_id",
    "ticket_form_id",
    "due_at",
    "custom_fields",
)
#: Look-ups made before the scan is considered, on top of the scan's own pages.
SCAN_AFTER = 20
EXPORT_PAGE = 1000
LIST_PATH = "/api/v2/tickets.json"
COUNT_PATH = "/api/v2/tickets/count.json"
SEARCH_PATH = "/api/v2/search.json"
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"


@dataclass(slots=True)
class Copy:
    """A copy in the destination, as far as deciding what to do with it needs."""

    id: int
    status: str
    updated_at: str | None
    comment_count: int | None
    #: A digest of each updatable field's value, to tell what changed.
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def digest(name: str, value: Any) -> str:
    """A short, order-independent fingerprint of a field's value."""
    if name == "tags" and isinstance(value, list):
        value = sorted(str(tag) for tag in value)
    elif name == "custom_fields" and isinstance(value, list):
        value = sorted(
            (entry.get("id"), entry.get("value"))
            for entry in value
            if isinstance(entry, Mapping) and entry.get("value") not in (None, "", [])
        )
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def copy_of(ticket: Mapping[str, Any]) -> Copy | None:
    ticket_id = ticket.get("id")
    if not isinstance(ticket_id, int) or ticket.get("status") == "deleted":
        return None
    count = ticket.get("comment_count")
    return Copy(
        ticket_id,
        str(ticket.get("status") or ""),
        ticket.get("updated_at") if isinstance(ticket.get("updated_at"), str) else None,
        count if isinstance(count, int) else None,
        {name: digest(name, ticket.get(name)) for name in UPDATABLE},
    )


class CopyIndex:
    def __init__(
        self,
        client: ZendeskClient,
        recovery: LostAnswerCheck,
        *,
        export_lag: float,
        archive_immediately: bool,
        job_timeout: float,
        budget: RetryBudget,
        keys: Callable[[str], bool] = lambda _key: True,
        on_request: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.recovery = recovery
        self.export_lag = export_lag
        self.archive_immediately = archive_immediately
        self.job_timeout = job_timeout
        self._on_request = on_request
        self._budget = budget
        self._keys = keys  # which external_ids are keys of this copy (the rest are not kept)
        self._known: dict[str, Copy] = {}
        self._absent: set[str] = set()
        #: Keys this run imported: they exist, and are looked up if they come again (kept
        #: as keys only, so memory does not grow with the copies' fields).
        self._imported: set[str] = set()
        self.scanned = False
        self.lookups = 0
        self._scan_pages: int | None = None

    def find(self, key: str, *, closed: bool) -> Copy | None:
        """The copy of the ticket whose key is ``key``, or None when there is none."""
        if key in self._known:
            return self._known[key]
        if key in self._imported:
            self._imported.discard(key)
            found = self._look_up(key)  # imported earlier in this run: it is there
            if found is not None:
                self._known[key] = found
            return found
        if self.scanned or key in self._absent:
            return None
        needs_scan = closed and self.archive_immediately
        if needs_scan or self.lookups >= SCAN_AFTER + self._pages():
            self.scan()
            return self._known.get(key)
        found = self._look_up(key)
        if found is None and closed:
            found = self._search(key)  # archived copies are left out of List Tickets
        if found is None:
            self._absent.add(key)
        else:
            self._known[key] = found
        return found

    def created(self, key: str) -> None:
        """A copy this run imported (its job completed)."""
        self._absent.discard(key)
        self._known.pop(key, None)
        self._imported.add(key)

    def forget(self, key: str) -> None:
        """A copy this run deleted."""
        self._known.pop(key, None)
        self._absent.add(key)

    # ----------------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any], what: str) -> Any:
        self._on_request()
        try:
            return self.client.get_json(path, params, budget=self._budget, what=what)
        except ZendeskHTTPError as exc:  # not to be retried: say what to check
            raise read_advice(exc, self.client.connection, operation="look up tickets") from None

    def _look_up(self, key: str) -> Copy | None:
        self.lookups += 1
        document = self._get(
            LIST_PATH,
            {"external_id": key, "include": "comment_count"},
            f"GET {LIST_PATH} (the copy with external_id {key!r})",
        )
        copies = [
            c
            for t in (document.get("tickets") or [])
            if isinstance(t, Mapping) and t.get("external_id") == key and (c := copy_of(t))
        ]
        if len(copies) > 1:
            logger.warning(
                "The destination has %d tickets with external_id %r (%s): the oldest is kept "
                "up to date",
                len(copies),
                key,
                ", ".join(str(c.id) for c in copies),
            )
        return min(copies, key=lambda c: c.id) if copies else None

    def _search(self, key: str) -> Copy | None:
        self.lookups += 1
        document = self._get(
            SEARCH_PATH,
            {"query": f'type:ticket external_id:"{key}"'},
            f"GET {SEARCH_PATH} (an archived copy with external_id {key!r})",
        )
        for result in document.get("results") or []:
            if isinstance(result, Mapping) and result.get("external_id") == key:
                return copy_of(result)
        return None

    def _pages(self) -> int:
        if self._scan_pages is None:
            document = self._get(COUNT_PATH, {}, f"GET {COUNT_PATH}")
            counted = document.get("count") if isinstance(document, Mapping) else None
            count = counted.get("value") if isinstance(counted, Mapping) else None
            self._scan_pages = 1 + (count // EXPORT_PAGE if isinstance(count, int) else 0)
        return self._scan_pages

    def scan(self) -> None:
        """Read the destination's whole export: every copy, archived ones included."""
        deadline = self.client.policy.clock() + self.job_timeout
        foreign = self.recovery.wait_for_unknown_jobs(deadline)  # other runs' jobs finished
        quiet_since = self.client.policy.clock()
        logger.info(
            "Reading the destination's export to find every copy (%d look-ups made so far)",
            self.lookups,
        )
        params: dict[str, Any] = {
            "start_time": 0,
            "include": "comment_count",
            "support_type_scope": "all",
            "per_page": EXPORT_PAGE,
        }
        cursor = self._read_export(params)
        if foreign:
            # The export leaves out the last minute: what other runs imported just before
            # they stopped shows only once that minute has passed.
            wait = quiet_since + self.export_lag - self.client.policy.clock()
            if wait > 0:
                logger.info(
                    "Other runs' import jobs were listed: waiting %s (destinationExportLag) "
                    "for the export to show what they imported",
                    format_duration(wait),
                )
                self.client.policy.sleep(wait)
            if cursor:
                self._read_export(
                    {"cursor": cursor, "include": "comment_count", "per_page": EXPORT_PAGE}
                )
        self.scanned = True
        self._absent.clear()  # the scan knows better now
        logger.info("The destination has %d tickets with an external_id", len(self._known))

    def _read_export(self, params: dict[str, Any]) -> str | None:
        cursor = None
        while True:
            page = self._get(EXPORT_PATH, params, f"GET {EXPORT_PATH} (the destination's export)")
            for ticket in page.get("tickets") or []:
                key = ticket.get("external_id") if isinstance(ticket, Mapping) else None
                if not isinstance(key, str) or not key or not self._keys(key):
                    continue
                copy, known = copy_of(ticket), self._known.get(key)
                if copy is None:
                    if known is not None and known.id == ticket.get("id"):
                        del self._known[key]  # deleted since
                elif known is None or copy.id <= known.id:
                    self._known[key] = copy  # of two copies, the oldest is kept
            cursor = page.get("after_cursor") or cursor
            if page.get("end_of_stream") or not page.get("after_cursor"):
                return cursor
            params = {
                "cursor": page["after_cursor"],
                "include": "comment_count",
                "per_page": EXPORT_PAGE,
            }
