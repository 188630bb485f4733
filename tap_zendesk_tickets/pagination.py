"""Following the export's cursors, and noticing when Zendesk hands one back twice."""

from __future__ import annotations

from typing import Any

from singer_sdk.pagination import BaseAPIPaginator

from zendesk_api.errors import ZendeskError


class RepeatedCursorError(ZendeskError):
    """Zendesk returned a cursor it had already returned, with more pages to come."""


class ExportCursorPaginator(BaseAPIPaginator[str | None]):
    """The token is ``after_cursor``; the stream ends with ``end_of_stream: true``.

    A page with no tickets but ``end_of_stream: false`` is not the end. A cursor that
    comes back again before the end would make the tap loop, so it is an error.
    """

    def __init__(self, start_cursor: str | None = None) -> None:
        super().__init__(start_cursor)
        self._seen: set[str] = {start_cursor} if start_cursor else set()

    def has_more(self, response: Any) -> bool:
        return not _body(response).get("end_of_stream", True)

    def get_next(self, response: Any) -> str | None:
        cursor = _body(response).get("after_cursor")
        if not cursor:
            raise ZendeskError(
                "Zendesk answered end_of_stream: false without an after_cursor; "
                "the export cannot continue"
            )
        if cursor in self._seen:
            raise RepeatedCursorError(
                f"Zendesk returned the cursor {cursor!r} a second time while "
                "end_of_stream is false; stopping instead of reading the same pages again. "
                "Run the tap again: it resumes from its last STATE"
            )
        self._seen.add(cursor)
        return cursor

    def continue_if_empty(self, response: Any) -> bool:
        return self.has_more(response)


def _body(page: Any) -> dict[str, Any]:
    # The stream decodes each page once and hands the paginator the decoded body.
    return page if isinstance(page, dict) else {}
