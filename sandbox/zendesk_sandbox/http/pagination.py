"""Zendesk's two kinds of list pagination, for any ordered list of records.

- Cursor pagination, when the request has ``page[size]`` (at most 100; more is capped):
  ``page[after]`` or ``page[before]`` take a cursor from ``meta``; the answer has
  ``meta.has_more``, ``meta.after_cursor``/``before_cursor`` and ``links.next``/``prev``.
  As on Zendesk, the last page links to a next one too (empty): stop on ``has_more``.
- Offset pagination otherwise: ``page`` (from 1) and ``per_page`` (default and most 100);
  the answer has ``next_page``, ``previous_page`` and ``count``. Past the first 10,000
  records it is a 400 ``InvalidPaginationDepth``, as on Zendesk since 2024.

A cursor names the sort key of a record (opaque base64 of JSON), so it stays valid while
records are added.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.responses import json_response

MAX_PAGE = 100
Keyed = tuple[tuple, Any]  # (sort key, record)


def encode_key(key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_key(cursor: str) -> tuple:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, list) or not key:
        raise invalid_value(
            "The cursor is invalid. Use meta.after_cursor or links.next of a previous page."
        )
    return tuple(key)


def positive_int(args: Mapping[str, str], name: str, default: int, most: int | None = None) -> int:
    """A page number or size from the query: an integer of at least 1, capped at ``most``."""
    value = args.get(name)
    if value is None:
        return default if most is None else min(default, most)
    try:
        number = int(value)
    except ValueError:
        raise invalid_value(f"{name} must be an integer; got {value!r}.") from None
    if number < 1:
        raise invalid_value(f"{name} must be at least 1.")
    return number if most is None else min(number, most)


#: Offset pagination reaches the first 10,000 records only (Zendesk, since May 2024).
OFFSET_RECORDS = 10_000
INVALID_DEPTH = {
    "errors": [
        {
            "code": "InvalidPaginationDepth",
            "title": "Invalid pagination depth",
            "detail": (
                "Offset pagination is limited to the first 10000 records. Use cursor "
                "pagination (page[size]) to read further."
            ),
        }
    ]
}


def offset_window(args: Mapping[str, str], most: int = MAX_PAGE) -> tuple[int, int]:
    """``(page, per_page)`` of an offset-paginated request; the 400 past 10,000 records."""
    size = positive_int(args, "per_page", most, most)
    page = positive_int(args, "page", 1)
    if (page - 1) * size >= OFFSET_RECORDS:
        raise ApiError(400, INVALID_DEPTH)
    return page, size


def paginated(
    call: Call,
    name: str,
    records: Sequence[Keyed],
    *,
    descending: bool = False,
    extra: dict | None = None,
) -> Response:
    """Answer with one page of ``records`` (already in order) under ``name``.

    ``extra`` adds top-level keys (side-loads).
    """
    if cursor_requested(call.request.args):
        body = _cursor_page(call, name, records, descending)
    else:
        body = _offset_page(call, name, records)
    return json_response({**body, **(extra or {})})


def page_records(call: Call, records: Sequence[Keyed], descending: bool = False) -> list[dict]:
    """The records the page of ``paginated`` will hold (for side-loads built from them)."""
    if cursor_requested(call.request.args):
        chosen, _, _ = _cursor_slice(call, records, descending)
        return [record for _, record in chosen]
    page, size = offset_window(call.request.args)
    return [record for _, record in records[(page - 1) * size : page * size]]


def _cursor_slice(
    call: Call, records: Sequence[Keyed], descending: bool
) -> tuple[list[Keyed], bool, int]:
    args = call.request.args
    size = positive_int(args, "page[size]", MAX_PAGE, MAX_PAGE)
    after, before = args.get("page[after]"), args.get("page[before]")
    if after and before:
        raise invalid_value("Use page[after] or page[before], not both.")

    def later(key: tuple, than: tuple) -> bool:
        return key < than if descending else key > than

    if after:
        mark = decode_key(after)
        rest = [r for r in records if later(tuple(r[0]), mark)]
        return rest[:size], len(rest) > size, size
    if before:
        mark = decode_key(before)
        rest = [r for r in records if later(mark, tuple(r[0]))]
        return rest[-size:], len(rest) > size, size
    return list(records[:size]), len(records) > size, size


def cursor_page(call: Call, name: str, records: Sequence[Keyed], descending: bool) -> dict:
    """The body of one cursor page of ``records`` (in order) under ``name``."""
    return _cursor_page(call, name, records, descending)


def cursor_requested(args: Mapping[str, str]) -> bool:
    """Whether a list request asks for cursor pagination (else: offset pagination)."""
    return "page[size]" in args or "page[after]" in args or "page[before]" in args


def _cursor_page(call: Call, name: str, records: Sequence[Keyed], descending: bool) -> dict:
    chosen, has_more, size = _cursor_slice(call, records, descending)
    first = encode_key(chosen[0][0]) if chosen else None
    last = encode_key(chosen[-1][0]) if chosen else None
    kept = {k: v for k, v in call.request.args.items() if not k.startswith("page[")}

    def link(cursor_name: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        query = {**kept, "page[size]": size, cursor_name: cursor}
        return f"{call.base_url}{call.path}?{urlencode(query)}"

    # Zendesk's last page has a next link too (recorded answers): only has_more says it is
    # the last. A page with no records has no cursors, so no links.
    return {
        name: [record for _, record in chosen],
        "meta": {"has_more": has_more, "after_cursor": last, "before_cursor": first},
        "links": {"next": link("page[after]", last), "prev": link("page[before]", first)},
    }


def _offset_page(call: Call, name: str, records: Sequence[Keyed]) -> dict:
    page, size = offset_window(call.request.args)
    kept = {k: v for k, v in call.request.args.items() if k != "page"}

    def page_url(number: int) -> str:
        return f"{call.base_url}{call.path}?{urlencode({**kept, 'page': number})}"

    return {
        name: [record for _, record in records[(page - 1) * size : page * size]],
        "next_page": page_url(page + 1) if page * size < len(records) else None,
        "previous_page": page_url(page - 1) if page > 1 else None,
        "count": len(records),
    }


def by_id(records: Sequence[dict]) -> list[Keyed]:
    """Records sorted by id, keyed for ``paginated``."""
    return sorted((((record["id"],), record) for record in records), key=lambda r: r[0])
