"""Reading the Support API beyond the export: a ticket's comments and side conversations,
users by id, and the account's lists (ticket fields, ticket forms, brands, custom statuses,
tags, SLA policies).

Each request waits first as its :class:`~tap_zendesk_tickets.pacing.Pacer` says: none of
these count against the export's ``incremental-exports`` bucket, but all count against the
account-wide budget, which this pacer shares with the export's (``AccountBudget``). Failed
tries are retried by the shared :class:`~zendesk_api.retry.RetryPolicy` within the tap's
budget (``maxErrorRetries``, ``maxRateLimitWait``). Nothing here knows about Singer.

A reader may be used from several threads at once (``ticket_reads.py``): each thread has
its own HTTP session; the pacer, the retry policy and the credential are shared.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tap_zendesk_tickets import output
from tap_zendesk_tickets.export import COMPONENT, Timing
from tap_zendesk_tickets.pacing import AccountBudget, Pacer
from tap_zendesk_tickets.settings import TapSettings
from zendesk_api.advice import read_advice
from zendesk_api.errors import ZendeskError, ZendeskHTTPError, ZendeskResponseError
from zendesk_api.http import ZendeskClient
from zendesk_api.pages import PAGE_SIZE, CursorPages, next_cursor
from zendesk_api.retry import RetryPolicy

logger = logging.getLogger(__name__)

#: ``users/show_many`` takes at most this many ids.
SHOW_MANY_LIMIT = 100
#: What a 404 says when the account's plan lacks the endpoint (a missing ticket is
#: ``RecordNotFound``).
NOT_ON_PLAN = "InvalidEndpoint"
#: The statuses whose meaning the caller of a read tells apart itself.
OWN_ERRORS = {"comments": (404,), "side_conversations": (403, 404)}


class NotOnThisAccountError(ZendeskError):
    """The account's plan or the credentials' role lacks an endpoint (an add-on)."""

    def __init__(self, error: ZendeskHTTPError) -> None:
        super().__init__(str(error))
        self.status = error.status


@dataclass(frozen=True)
class TicketComments:
    """Every comment of one ticket, oldest first, and the users the answers side-loaded;
    ``files``: where each comment's attachments are, when they were downloaded
    (``file_downloads.py``, comment id -> its ``attachment_files``)."""

    comments: list[dict[str, Any]]
    users: list[dict[str, Any]] = field(default_factory=list)
    files: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


class SupportReader:
    """Paced, retried GETs of the Support API for one run."""

    def __init__(
        self,
        settings: TapSettings,
        timing: Timing | None = None,
        *,
        account: AccountBudget | None = None,
        in_flight: int = 1,
    ) -> None:
        """``in_flight``: how many threads may use the reader at once (see ``Pacer.margin``)."""
        timing = timing or Timing()
        self.settings = settings
        # No pollingPeriod here: it spaces export requests, whose limit is 10 a minute;
        # these are paced on the account's own headers alone.
        self.pacer = Pacer(
            0.0,
            default_reset=settings.connection.default_retry_after,
            clock=timing.clock,
            sleep=timing.sleep,
            account=account,
            what="API request",
            # An answer may not count the other requests on their way, nor may one that
            # came first have been counted first.
            margin=2 * (in_flight - 1),
        )
        self.policy = RetryPolicy(
            backoff=settings.connection.retry_backoff,
            default_retry_after=settings.connection.default_retry_after,
            clock=timing.clock,
            sleep=timing.sleep,
        )
        self._local = threading.local()
        self._lock = threading.Lock()
        #: Requests made so far, by what they read (``comments``, ``users``, ``brands``...).
        self.requests: Counter[str] = Counter()

    @property
    def client(self) -> ZendeskClient:
        """This thread's client: its own session, the reader's policy and pacer."""
        client: ZendeskClient | None = getattr(self._local, "client", None)
        if client is None:
            client = ZendeskClient(
                self.settings.connection, COMPONENT, policy=self.policy, loads=output.loads
            )
            client.response_hooks.append(self.pacer.after_response)
            self._local.client = client
        return client

    def comments(self, ticket_id: int) -> TicketComments | None:
        """Every comment of the ticket, oldest first, with their authors (``include=users``)
        and inline images among its attachments, page by page; None when Zendesk no longer
        has the ticket (deleted since it was exported)."""
        path = f"/api/v2/tickets/{ticket_id}/comments.json"
        comments: list[dict[str, Any]] = []
        users: dict[Any, dict[str, Any]] = {}
        try:
            # Oldest first; inline images are among the attachments only when asked for.
            query = {"include": "users", "sort": "created_at", "include_inline_images": "true"}
            for document in self._pages(path, "comments", query):
                comments.extend(_items(document, "comments", path))
                for user in _items(document, "users", path, required=False):
                    users[user.get("id")] = user
        except ZendeskHTTPError as exc:
            if exc.status == 404:
                return None
            raise
        return TicketComments(comments, list(users.values()))

    def side_conversations(self, ticket_id: int) -> list[dict[str, Any]] | None:
        """Every side conversation of the ticket, oldest first; None when Zendesk no longer
        has the ticket. Raises :class:`NotOnThisAccountError` when the account has no side
        conversations (the Collaboration add-on) or the credentials may not read them."""
        path = f"/api/v2/tickets/{ticket_id}/side_conversations.json"
        try:
            pages = self._pages(path, "side_conversations", {})
            return [item for page in pages for item in _items(page, "side_conversations", path)]
        except ZendeskHTTPError as exc:
            if exc.status == 403 or (exc.status == 404 and exc.code == NOT_ON_PLAN):
                raise NotOnThisAccountError(exc) from None
            if exc.status == 404:
                return None
            raise

    def list_all(self, path: str, key: str) -> list[dict[str, Any]]:
        """Every item of a list (``/api/v2/brands.json`` -> ``brands``), all pages read."""
        pages = self._pages(path, key, {})
        return [item for document in pages for item in _items(document, key, path)]

    def list_page(
        self, path: str, key: str, params: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a cursor-paginated list, and the cursor of the next (None: the last)."""
        document = self._get(path, {**params, "page[size]": PAGE_SIZE}, kind=key)
        return _items(document, key, path), next_cursor(document)

    def users(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """The users of ``ids`` that Zendesk has (``users/show_many``, 100 a request)."""
        wanted = sorted(set(ids))
        found: list[dict[str, Any]] = []
        path = "/api/v2/users/show_many.json"
        for start in range(0, len(wanted), SHOW_MANY_LIMIT):
            chunk = wanted[start : start + SHOW_MANY_LIMIT]
            document = self._get(path, {"ids": ",".join(map(str, chunk))}, kind="users")
            found.extend(_items(document, "users", path))
        return found

    def _pages(self, path: str, key: str, params: Mapping[str, Any]) -> Iterator[Any]:
        """Each page of a cursor-paginated list; a cursor seen twice ends it."""
        pages = CursorPages(
            lambda query: self._get(path, query, kind=key), key, params=params, what=f"GET {path}"
        )
        return pages.documents()

    def _get(self, path: str, params: dict[str, Any], *, kind: str) -> Any:
        client = self.client

        def attempt() -> Any:
            self.pacer.before_request()
            with self._lock:
                self.requests[kind] += 1
            return client.fetch("GET", path, params=params)

        try:
            return self.policy.call(attempt, what=f"GET {path}", budget=self.settings.retry)
        except ZendeskHTTPError as exc:
            if exc.status in OWN_ERRORS.get(kind, ()):
                raise  # the caller knows what a missing ticket or add-on means
            raise read_advice(exc, self.settings.connection, operation=f"read {kind}") from None


def _items(document: Any, key: str, path: str, *, required: bool = True) -> list[dict[str, Any]]:
    items = document.get(key) if isinstance(document, Mapping) else None
    if items is None and not required:
        return []
    if not isinstance(items, list):
        raise ZendeskResponseError(f"Zendesk's answer to GET {path} has no '{key}' array")
    return [item for item in items if isinstance(item, dict)]
