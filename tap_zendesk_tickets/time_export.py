"""Zendesk's time-based incremental exports (ticket events, ticket metric events), read to
their end with a bookmark that neither loses nor repeats an item at a second's boundary.

A time-based export answers ``start_time=S`` with the items from second ``S`` on, oldest
first, about 1,000 a page; a page never splits a second (it grows instead), ``end_time``
is its last item's second, and the next page asks from that second again, so the items of
that second come twice [DOC: the incremental exports guide]. Items within one second come
in no documented order.

The position is therefore a second and the ids already sent in it
(:class:`TimePosition`): the next request asks from that second, and what it brings again
is recognised by id, whatever the order within the second. It goes into the STATE after
every page (``{"time": "<RFC 3339>", "ids": [...]}``), so a run resumes exactly where the
last STATE was written.

The export ends with ``end_of_stream: true``; the metric events export has no such flag,
and ends with a page of fewer than 1,000 items [OBS: the rule older clients use]. A full
page that ends in the second it started from holds that whole second (more than a page of
items at once, after a bulk change): the next request asks from the following second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tap_zendesk_tickets import output
from tap_zendesk_tickets.bookmarks import clamp_start_time, format_timestamp, parse_timestamp
from tap_zendesk_tickets.export import COMPONENT, Timing
from tap_zendesk_tickets.pacing import Pacer
from tap_zendesk_tickets.settings import TapSettings
from zendesk_api.advice import with_advice
from zendesk_api.errors import ZendeskHTTPError, ZendeskResponseError
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryPolicy

#: Items in a full page of a time-based export.
PAGE_LIMIT = 1000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimePosition:
    """Everything before ``second`` was sent, and of ``second`` itself the items ``seen``."""

    second: int
    seen: frozenset[int] = field(default_factory=frozenset)

    def is_new(self, at: int, item_id: int) -> bool:
        return at > self.second or (at == self.second and item_id not in self.seen)

    def after(self, sent: list[tuple[int, int]]) -> TimePosition:
        """The position once ``sent`` ((second, id) of items) went out too."""
        if not sent:
            return self
        last = max(at for at, _ in sent)
        ids = {item_id for at, item_id in sent if at == last}
        if last == self.second:
            ids |= self.seen
        return TimePosition(last, frozenset(ids))

    def bookmark(self) -> dict[str, Any]:
        return {"time": format_timestamp(self.second), "ids": sorted(self.seen)}


def position_from(bookmark: Mapping[str, Any], *, start_time: float) -> TimePosition:
    """The position a STATE bookmark holds; without one, ``startTime`` with nothing sent."""
    raw_time = bookmark.get("time")
    if raw_time is None:
        return TimePosition(int(start_time))
    if not isinstance(raw_time, str):
        raise ValueError(f"time {raw_time!r} is not a date-time")
    ids = bookmark.get("ids") or []
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ValueError(f"ids {ids!r} is not a list of ids")
    try:
        second = int(parse_timestamp(raw_time))
    except ValueError:
        raise ValueError(f"time {raw_time!r} is not a date-time") from None
    return TimePosition(second, frozenset(ids))


@dataclass(frozen=True)
class TimePage:
    """The items of one page not sent before, in the page's order, and the position after
    them."""

    items: list[dict[str, Any]]
    position: TimePosition


class TimeExport:
    """One time-based export (``path``, its items under ``key``), read from a position to its
    end, paced by the run's export pacer and retried by the shared policy."""

    def __init__(
        self,
        settings: TapSettings,
        timing: Timing,
        *,
        path: str,
        key: str,
        second_of: Callable[[dict[str, Any]], int],
        pacer: Pacer,
        what: str,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``second_of(item)``: the item's time; ``what``: the export, for messages."""
        self.settings = settings
        self.path = path
        self.key = key
        self.what = what
        self._second_of = second_of
        self._pacer = pacer
        self._now = now
        self.client = ZendeskClient(
            settings.connection,
            COMPONENT,
            policy=RetryPolicy(
                backoff=settings.connection.retry_backoff,
                default_retry_after=settings.connection.default_retry_after,
                clock=timing.clock,
                sleep=timing.sleep,
            ),
            loads=output.loads,
        )
        self.client.response_hooks.append(pacer.after_response)
        self.requests = 0

    def pages(self, position: TimePosition) -> Iterator[TimePage]:
        """Each page from ``position`` to the end of the export."""
        asked = clamp_start_time(position.second, self._now())
        while True:
            body = self._get(asked)
            items = body[self.key]
            fresh = []
            for item in items:
                at, item_id = self._second_of(item), item.get("id")
                if isinstance(item_id, int) and position.is_new(at, item_id):
                    fresh.append(item)
            position = position.after([(self._second_of(i), i["id"]) for i in fresh])
            logger.info(
                "%s page from %s: %d items, %d new",
                self.what,
                format_timestamp(asked),
                len(items),
                len(fresh),
            )
            yield TimePage(fresh, position)
            if body.get("end_of_stream") is True or not items:
                return
            if "end_of_stream" not in body and len(items) < PAGE_LIMIT:
                return
            last = max(self._second_of(item) for item in items)
            if last > asked:
                asked = last  # the page's end_time: its second comes again
            else:
                # A whole page of one second (pages never split one): that second is done.
                asked += 1
                if asked > position.second:
                    position = TimePosition(asked)

    def _get(self, start_time: int) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            self._pacer.before_request()
            self.requests += 1
            body = self.client.fetch("GET", self.path, params={"start_time": start_time})
            if not isinstance(body, dict) or not isinstance(body.get(self.key), list):
                raise ZendeskResponseError(
                    f"Zendesk answered GET {self.path} with JSON that has no '{self.key}' list"
                )
            return body

        try:
            return self.client.policy.call(
                attempt, what=f"GET {self.path}", budget=self.settings.retry
            )
        except ZendeskHTTPError as exc:
            raise with_advice(
                exc, self.settings.connection, operation=f"read the {self.what}", scope="read"
            ) from None
