"""Reading Zendesk's cursor-paginated lists (``page[size]``, ``meta.has_more``, ``links.next``).

Most list endpoints of the Support API (groups, brands, ticket fields, job statuses, users,
comments...) page with cursors: ``page[size]`` up to 100, ``meta.has_more`` and
``meta.after_cursor``, and ``links.next`` holding the next page's URL. Only the cursor is
taken from ``links.next``, so a page never sends a request to another host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from zendesk_api.errors import ZendeskResponseError

if TYPE_CHECKING:
    from zendesk_api.http import ZendeskClient
    from zendesk_api.retry import RetryBudget

PAGE_SIZE = 100  # Zendesk's largest page for cursor pagination


def next_cursor(document: Any) -> str | None:
    """The cursor of the next page of a list, or None on the last page (or no pagination)."""
    meta = document.get("meta") if isinstance(document, Mapping) else None
    if not isinstance(meta, Mapping) or meta.get("has_more") is not True:
        return None
    cursor = meta.get("after_cursor")
    if isinstance(cursor, str) and cursor:
        return cursor
    links = document.get("links")
    following = links.get("next") if isinstance(links, Mapping) else None
    if isinstance(following, str):
        values = parse_qs(urlsplit(following).query).get("page[after]")
        if values:
            return values[0]
    return None


class CursorPages:
    """The pages of a cursor-paginated list, from the first to the last, or ``max_pages``.

    ``get(query)`` fetches one page (the caller's retries, pacing and budget). Iterate it
    for each page's ``key`` array, or call :meth:`documents` for the whole answers (with
    their side-loads); afterwards ``truncated`` says whether the list went on past
    ``max_pages``. A cursor that comes back a second time ends the list (it would loop).
    """

    def __init__(
        self,
        get: Callable[[dict[str, Any]], Any],
        key: str,
        *,
        params: Mapping[str, Any] | None = None,
        max_pages: int | None = None,
        what: str = "a list",
    ) -> None:
        self._get = get
        self._key = key
        self._params = {**(params or {}), "page[size]": PAGE_SIZE}
        self._max_pages = max_pages
        self._what = what
        self.truncated = False

    def documents(self) -> Iterator[Any]:
        query: dict[str, Any] = dict(self._params)
        seen: set[str] = set()
        page = 0
        while True:
            page += 1
            document = self._get(query)
            yield document
            cursor = next_cursor(document)
            if cursor is None or cursor in seen:
                return
            if self._max_pages is not None and page >= self._max_pages:
                self.truncated = True
                return
            seen.add(cursor)
            query = {**self._params, "page[after]": cursor}

    def __iter__(self) -> Iterator[list[Any]]:
        for document in self.documents():
            items = document.get(self._key) if isinstance(document, Mapping) else None
            if not isinstance(items, list):
                raise ZendeskResponseError(
                    f"Zendesk's answer to {self._what} has no '{self._key}' array"
                )
            yield items


class Pages(CursorPages):
    """:class:`CursorPages` of ``GET path`` through a client, retried within ``budget``."""

    def __init__(
        self,
        client: ZendeskClient,
        path: str,
        key: str,
        *,
        budget: RetryBudget,
        params: Mapping[str, Any] | None = None,
        max_pages: int | None = None,
        deadline: float | None = None,
        what: str | None = None,
    ) -> None:
        description = what or f"GET {path}"
        pages = 0

        def get(query: dict[str, Any]) -> Any:
            nonlocal pages
            pages += 1
            return client.get_json(
                path,
                query,
                budget=budget,
                what=f"page {pages} of {description}",
                deadline=deadline,
            )

        super().__init__(get, key, params=params, max_pages=max_pages, what=f"GET {path}")


def list_all(
    client: ZendeskClient,
    path: str,
    key: str,
    *,
    budget: RetryBudget,
    params: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Every item of a list, all pages read."""
    pages = Pages(client, path, key, budget=budget, params=params)
    return [item for items in pages for item in items]
