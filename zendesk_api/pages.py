"""Reading Zendesk's cursor-paginated lists (``page[size]``, ``meta.has_more``, ``links.next``).

Most list endpoints of the Support API (groups, brands, ticket fields, job statuses, users,
comments...) page with cursors: ``page[size]`` up to 100, ``meta.has_more`` and
``meta.after_cursor``, and ``links.next`` holding the next page's URL. Only the cursor is
taken from ``links.next``, so a page never sends a request to another host.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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


class Pages:
    """Each page's ``key`` array, from the first page to the last, or ``max_pages``.

    Iterate it; afterwards ``truncated`` says whether the list went on past ``max_pages``.
    A cursor that comes back a second time ends the list (it would loop otherwise).
    """

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
        self._client = client
        self._path = path
        self._key = key
        self._budget = budget
        self._params = {**(params or {}), "page[size]": PAGE_SIZE}
        self._max_pages = max_pages
        self._deadline = deadline
        self._what = what or f"GET {path}"
        self.truncated = False

    def __iter__(self) -> Iterator[list[Any]]:
        query: dict[str, Any] = dict(self._params)
        seen: set[str] = set()
        page = 0
        while True:
            page += 1
            document = self._client.get_json(
                self._path,
                query,
                budget=self._budget,
                what=f"page {page} of {self._what}",
                deadline=self._deadline,
            )
            items = document.get(self._key) if isinstance(document, Mapping) else None
            if not isinstance(items, list):
                raise ZendeskResponseError(
                    f"Zendesk's answer to GET {self._path} has no '{self._key}' array"
                )
            yield items
            cursor = next_cursor(document)
            if cursor is None or cursor in seen:
                return
            if self._max_pages is not None and page >= self._max_pages:
                self.truncated = True
                return
            seen.add(cursor)
            query = {**self._params, "page[after]": cursor}


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
