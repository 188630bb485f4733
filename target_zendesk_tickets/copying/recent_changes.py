"""The destination's tickets that its export does not show yet, found instead of waited for.

The incremental export leaves out the last minute (``destinationExportLag``). After a scan
has read it to its end, a copy changed in that minute (imported or updated by this run or
another, changed by an agent or a rule) is missing from what the scan saw, and would be
taken for absent: a duplicate. Waiting the minute out and reading the export's end again
finds it, at a minute a run. What can hide is known and few, so it is found exactly:

1. **Count Tickets** says how many tickets the account holds (read first, so that
   everything it counts happened before the reads below);
2. **the job list** names every ticket a recent bulk job created or updated, this run's
   and every other client's (imports keep their source's ``updated_at``, so only the job
   tells they are new);
3. **List Tickets by** ``-updated_at`` gives every ticket updated since the export's end
   (an agent's change, a rule's, a single update), down to that moment on the account's
   own clock (:class:`ServerClock`).

What the scan did not see of these is read (``show_many``) and handed back. Nothing else
hides when both lists were read to their end and the count is not more than the live
tickets the scan saw plus those found. Otherwise (a change that did not touch
``updated_at``, lists too long to read, no ``Date`` header, a count Zendesk only estimates)
the caller waits the lag out, as before, and says why.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.recovery import LostAnswerCheck
from zendesk_api.advice import read_advice
from zendesk_api.errors import ZendeskHTTPError
from zendesk_api.pages import Pages
from zendesk_api.retry import RetryBudget
from zendesk_api.server_clock import ServerClock

logger = logging.getLogger(__name__)

COUNT_PATH = "/api/v2/tickets/count.json"
LIST_PATH = "/api/v2/tickets.json"
#: Zendesk estimates the count of larger accounts (refreshed up to a day late).
EXACT_COUNT_BELOW = 100_000
#: Pages of recently updated tickets read at most (10,000 tickets changed in a minute).
MAX_RECENT_PAGES = 100
#: ``updated_at`` and the export's position are whole seconds, rounded their own ways.
SECOND = 1.0


@dataclass
class Hidden:
    """What the export's last minute holds, as far as it could be found."""

    tickets: list[dict[str, Any]] = field(default_factory=list)  # live, with comment_count
    complete: bool = False
    why_not: str = ""  # what is left unknown, for the log line


class RecentChanges:
    def __init__(
        self,
        counter: CommentCounter,
        recovery: LostAnswerCheck,
        clock: ServerClock,
        *,
        export_lag: float,
        budget: RetryBudget,
    ) -> None:
        self.counter = counter
        self.client = counter.client
        self.recovery = recovery
        self.clock = clock
        self.export_lag = export_lag
        self.budget = budget

    def export_end(self) -> float | None:
        """Where the export stops now, on Zendesk's clock (None: its time is unknown)."""
        now = self.clock.now()
        return None if now is None else now - self.export_lag

    def find(self, seen: set[int], export_end: float | None, *, deadline: float) -> Hidden:
        """The live tickets the scan did not see (``seen``: the live ids it saw), read when
        the export stopped at ``export_end``."""
        count = self._count()
        jobs = self.recovery.ticket_jobs(deadline, self.budget)
        named = {
            entry["id"]
            for job in jobs.jobs
            for entry in job.results
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), int) and _done(entry)
        }
        recent, listed_all = self._updated_since(export_end)
        hidden = {t["id"]: t for t in recent if t["id"] not in seen}
        unread = sorted(named - seen - hidden.keys())
        hidden.update(self.counter.show_many(unread, budget=self.budget, deadline=deadline))
        found = Hidden(list(hidden.values()))
        if not jobs.complete:
            found.why_not = "the job list is longer than the target reads"
        elif not listed_all:
            found.why_not = (
                "the destination's time is unknown (no Date header)"
                if export_end is None
                else "too many tickets changed in the last minute to list"
            )
        elif count is None:
            found.why_not = "Zendesk only estimates the count of tickets of this account"
        elif count > len(seen) + len(hidden):
            found.why_not = (
                f"{count - len(seen) - len(hidden)} ticket(s) changed without a job or an "
                "update of updated_at"
            )
        else:
            found.complete = True
        return found

    def _count(self) -> int | None:
        try:
            document = self.client.get_json(
                COUNT_PATH, {}, budget=self.budget, what=f"GET {COUNT_PATH}"
            )
        except ZendeskHTTPError as exc:  # not to be retried: say what to check
            raise read_advice(exc, self.client.connection, operation="count tickets") from None
        counted = document.get("count") if isinstance(document, Mapping) else None
        value = counted.get("value") if isinstance(counted, Mapping) else None
        if not isinstance(value, int) or isinstance(value, bool) or value >= EXACT_COUNT_BELOW:
            return None
        return value

    def _updated_since(self, export_end: float | None) -> tuple[list[dict[str, Any]], bool]:
        """Tickets updated at or after ``export_end``, newest first; and whether that is all."""
        if export_end is None:
            return [], False
        pages = Pages(
            self.client,
            LIST_PATH,
            "tickets",
            budget=self.budget,
            params={"sort": "-updated_at", "include": "comment_count"},
            max_pages=MAX_RECENT_PAGES,
            what="the tickets updated in the last minute",
        )
        found: list[dict[str, Any]] = []
        try:
            for items in pages:
                for ticket in items:
                    if not isinstance(ticket, Mapping) or not isinstance(ticket.get("id"), int):
                        continue
                    updated = _epoch(ticket.get("updated_at"))
                    if updated is not None and updated < export_end - SECOND:
                        return found, True  # newest first: the rest is older still
                    found.append(dict(ticket))
        except ZendeskHTTPError as exc:  # a list Zendesk refuses: wait the lag out instead
            logger.info("Could not list the recently updated tickets (%s)", exc)
            return found, False
        return found, not pages.truncated


def _done(entry: Mapping[str, Any]) -> bool:
    """A job's result entry for a ticket it created or updated (not a failure)."""
    return entry.get("success") is not False and "error" not in entry


def _epoch(value: Any) -> float | None:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()
