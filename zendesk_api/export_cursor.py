"""Reading Zendesk's cursor-based incremental exports: following the cursors, noticing when
Zendesk hands one back twice, and (:func:`export_pages`) every page of one pass.

Both plugins read exports through this: the tap its source's ticket export (with pacing and
its own fallbacks around :class:`ExportCursor`), the target its destination's, to find the
copies there (:func:`export_pages`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from zendesk_api.errors import ZendeskError


class RepeatedCursorError(ZendeskError):
    """Zendesk returned a cursor it had already returned, with more pages to come."""


class ExportCursor:
    """Where one pass through the export stands: the cursor to ask with next, if any.

    The pass ends with ``end_of_stream: true``; a page with no tickets but
    ``end_of_stream: false`` is not the end. A cursor that comes back before the end
    would make the tap loop, so it is an error.
    """

    def __init__(self, start_cursor: str | None = None) -> None:
        #: The cursor for the next request; None asks by ``start_time``.
        self.current = start_cursor
        #: Pages read so far in this pass.
        self.count = 0
        self.finished = False
        self._seen: set[str] = {start_cursor} if start_cursor else set()

    def advance(self, page: Mapping[str, Any]) -> None:
        """Take in a page's ``end_of_stream`` and ``after_cursor``; raise if it cannot go on."""
        self.count += 1
        if page.get("end_of_stream", True):
            self.finished = True
            return
        cursor = page.get("after_cursor")
        if not cursor:
            raise ZendeskError(
                "Zendesk answered end_of_stream: false without an after_cursor; "
                "the export cannot continue"
            )
        if cursor in self._seen:
            raise RepeatedCursorError(
                f"Zendesk returned the cursor {cursor!r} a second time while "
                "end_of_stream is false; stopping instead of reading the same pages again. "
                "Run again from the last STATE"
            )
        self._seen.add(cursor)
        self.current = cursor


def export_pages(
    get: Callable[[dict[str, Any]], Any], params: Mapping[str, Any]
) -> Iterator[Mapping[str, Any]]:
    """Every page of one pass, from ``params`` (a ``start_time`` or a ``cursor``) to
    ``end_of_stream``; ``get(query)`` fetches one page (the caller's retries and pacing).

    Later pages keep every parameter but the position (``include``, ``per_page``...). A
    first request that matches nothing may come without a cursor: the pass ends there.
    """
    fixed = {k: v for k, v in params.items() if k not in ("cursor", "start_time")}
    cursor = ExportCursor(params.get("cursor"))
    query = dict(params)
    while not cursor.finished:
        page = get(query)
        if not isinstance(page, Mapping):
            raise ZendeskError("Zendesk answered the incremental export with no JSON object")
        cursor.advance(page)
        yield page
        if cursor.current is not None:
            query = {**fixed, "cursor": cursor.current}
