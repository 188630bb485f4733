"""How many comments tickets of the destination have, exactly, whatever an answer carries.

A copy's new comments are the source's comments past the copy's count, so a count that is
missing must never read as "nothing new". Zendesk documents ``comment_count`` as a
side-load of ticket lists (``include=comment_count``), but recorded answers show it on the
incremental export only; on ``tickets?external_id=`` and ``tickets/show_many`` it is not
settled. When an answer lacks it, the ticket's comments are counted (List Comments, one
request per 100 comments), and the run says so once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from zendesk_api.advice import read_advice
from zendesk_api.errors import ZendeskHTTPError
from zendesk_api.http import ZendeskClient
from zendesk_api.pages import Pages
from zendesk_api.retry import RetryBudget

logger = logging.getLogger(__name__)

SHOW_MANY_PATH = "/api/v2/tickets/show_many.json"
SHOW_MANY_MOST = 100


def comment_count_of(ticket: Mapping[str, Any]) -> int | None:
    """The ``comment_count`` an answer gave for ``ticket``, or None when it gave none."""
    count = ticket.get("comment_count")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


class CommentCounter:
    """Counts comments of destination tickets; every request it makes is counted."""

    def __init__(self, client: ZendeskClient) -> None:
        self.client = client
        self.requests = 0
        self._said = False

    def show_many(
        self,
        ids: Iterable[int],
        *,
        budget: RetryBudget,
        deadline: float | None = None,
        count_comments: set[int] | None = None,
    ) -> dict[int, dict[str, Any]]:
        """The tickets with these ids (deleted ones are left out), each with its exact
        ``comment_count`` (only those in ``count_comments``, when it is given: counting
        costs a request where the answer carries none)."""
        wanted = list(dict.fromkeys(ids))
        shown: dict[int, dict[str, Any]] = {}
        for start in range(0, len(wanted), SHOW_MANY_MOST):
            chunk = wanted[start : start + SHOW_MANY_MOST]
            self.requests += 1
            try:
                document = self.client.get_json(
                    SHOW_MANY_PATH,
                    {"ids": ",".join(map(str, chunk)), "include": "comment_count"},
                    budget=budget,
                    deadline=deadline,
                    what=f"GET {SHOW_MANY_PATH} ({len(chunk)} tickets)",
                )
            except ZendeskHTTPError as exc:  # not to be retried: say what to check
                raise read_advice(exc, self.client.connection, operation="read tickets") from None
            for ticket in document.get("tickets") or [] if isinstance(document, Mapping) else []:
                if isinstance(ticket, Mapping) and isinstance(ticket.get("id"), int):
                    shown[ticket["id"]] = dict(ticket)
        for ticket in shown.values():
            needed = count_comments is None or ticket["id"] in count_comments
            if needed and comment_count_of(ticket) is None:
                ticket["comment_count"] = self.count(ticket["id"], budget=budget, deadline=deadline)
        return shown

    def count(self, ticket_id: int, *, budget: RetryBudget, deadline: float | None = None) -> int:
        """The number of comments of one ticket, from its comment list."""
        if not self._said:
            self._said = True
            logger.info(
                "The destination's ticket answers carry no comment_count: the comments of "
                "each copy that needs the number are counted instead (a request per copy)"
            )
        path = f"/api/v2/tickets/{ticket_id}/comments.json"
        pages = Pages(
            self.client,
            path,
            "comments",
            budget=budget,
            deadline=deadline,
            what=f"GET {path} (to count them)",
        )
        total = 0
        try:
            for items in pages:
                self.requests += 1
                total += len(items)
        except ZendeskHTTPError as exc:  # not to be retried: say what to check
            raise read_advice(exc, self.client.connection, operation="read comments") from None
        return total
