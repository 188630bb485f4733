"""The cursor-based incremental ticket export.

Tickets come in ``(generated_timestamp, id)`` order. The cursor is the position of the last
ticket of a page, in the format of Zendesk's sample cursors:
``base64("{generated_timestamp}.0||{id}|")``, standard base64 (it can hold ``+ / =``).

Choices where Zendesk says nothing:

- ``after_cursor`` is set on every page that had tickets, the last one included; a cursor
  request that finds nothing hands back the cursor it was given; a ``start_time`` request
  that finds nothing returns null cursors and urls.
- ``before_cursor``/``before_url`` are null, on cursor requests too, as recorded Zendesk
  answers show them (zenpy's cassettes, 2024): the export is read forwards only.
- ``after_url`` repeats ``per_page`` (as applied, after clamping), ``exclude_deleted``,
  ``support_type_scope`` and ``include`` when the request had them, and keeps the
  ``.json`` suffix only if the request used it.
- The user cursor export (``api_people.py``) uses the same envelope and cursor format,
  with ``(updated_at, id)`` positions.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from urllib.parse import quote

from werkzeug.wrappers import Response

from zendesk_sandbox.account import Account
from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import positive_int
from zendesk_sandbox.http.responses import encoded_json_response

CURSOR_TEXT = re.compile(r"(\d+)\.0\|\|(\d+)\|")
TRUE_VALUES = ("true", "1")
#: ``agent`` (Zendesk's default) leaves out tickets handled by an AI agent.
SUPPORT_TYPE_SCOPES = ("agent", "all", "ai_agent")
TOO_RECENT = "Too recent start_time. Use a start_time older than 1 minute"
SIDELOADS = {"users", "groups", "organizations", "comment_count", "metric_sets"}


def encode_cursor(generated_timestamp: int, ticket_id: int) -> str:
    """The cursor that points just past the ticket at this position."""
    return encode_text(f"{generated_timestamp}.0||{ticket_id}|")


def encode_text(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    """The ``(generated_timestamp, id)`` position of a cursor, or raise the 400."""
    try:
        text = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    # Only the exact text this server hands out counts (no extra padding, no variants).
    match = CURSOR_TEXT.fullmatch(text) if encode_text(text) == cursor else None
    if match is None:
        raise ApiError(
            400,
            {
                "error": "InvalidPaginationParameter",
                "description": "The cursor is invalid. Use the after_cursor of a previous page.",
            },
        )
    return int(match.group(1)), int(match.group(2))


def handle_export(call: Call) -> Response:
    """``GET /api/v2/incremental/tickets/cursor(.json)``.

    ``include`` side-loads what the page's tickets refer to as top-level arrays
    (``users``, ``groups``, ``organizations``) and adds ``comment_count`` and
    ``metric_set`` (``metric_sets``) to each ticket; other side-load names are ignored.
    """
    account, args = call.account, call.request.args
    per_page = positive_int(args, "per_page", account.config.page_limit, account.config.page_limit)
    exclude_deleted = args.get("exclude_deleted", "").lower() in TRUE_VALUES
    scope = args.get("support_type_scope", "agent")
    if scope not in SUPPORT_TYPE_SCOPES:
        raise invalid_value(f"support_type_scope must be one of {', '.join(SUPPORT_TYPE_SCOPES)}.")
    includes = {part.strip() for part in args.get("include", "").split(",")} & SIDELOADS
    cursor = args.get("cursor")
    now = account.now()
    window = account.config.exclusion_window
    after = decode_cursor(cursor) if cursor else start_position(args, now, window)

    cutoff = math.floor(now - window)  # the most recent window is left out
    with account.lock:
        keys, tickets, more = account.export_slice(after, per_page, cutoff, exclude_deleted, scope)
        sideloads = account.sideloads([key[1] for key in keys], includes) if includes else {}
        if "metric_sets" in includes:
            tickets = with_metric_sets(account, [key[1] for key in keys], tickets)
    counts = sideloads.pop("comment_count", None)
    if counts is not None:
        # Spliced into each pre-encoded ticket, just before its closing brace.
        tickets = [
            encoded[:-1] + b',"comment_count":' + str(counts[key[1]]).encode() + b"}"
            for key, encoded in zip(keys, tickets, strict=True)
        ]
    query: dict[str, object] = {}
    if "per_page" in args:
        query["per_page"] = per_page
    if "exclude_deleted" in args:
        query["exclude_deleted"] = str(exclude_deleted).lower()
    if "support_type_scope" in args:
        query["support_type_scope"] = scope
    if "include" in args:
        query["include"] = args["include"]
    tail = {**sideloads, **cursor_envelope(call, keys, cursor, more, query)}
    # The tickets are pre-encoded; splice them in rather than decoding and encoding again.
    body = b'{"tickets":[' + b",".join(tickets) + b"]," + json.dumps(tail).encode()[1:]
    return encoded_json_response(body)


def with_metric_sets(account: Account, ids: list[int], tickets: list[bytes]) -> list[bytes]:
    """The ``metric_sets`` side-load: each ticket carries its ``metric_set``, as recorded
    answers show it on the export [OBS: singer-io reads ``ticket["metric_set"]``]; a
    deleted ticket carries none [GUESS, the stricter: its metrics cannot be read either]."""
    found = account.read_analytics(lambda analytics: analytics.encoded_metric_sets(ids))
    return [
        encoded[:-1] + b',"metric_set":' + found[ticket_id] + b"}"
        if ticket_id in found
        else encoded
        for ticket_id, encoded in zip(ids, tickets, strict=True)
    ]


def start_position(args: Mapping[str, str], now: float, window: float) -> tuple[int, int]:
    """The position just before everything at or after ``start_time``, or the 400."""
    if "start_time" not in args:
        raise invalid_value("Either start_time or cursor is required.")
    # Any record at or after start_time: every id sorts after (start_time, 0).
    return (_start_time(args["start_time"], now, window), 0)


def cursor_envelope(
    call: Call, keys: list[tuple[int, int]], cursor: str | None, more: bool, query: dict
) -> dict:
    """``after_url``/``after_cursor``/``before_url``/``before_cursor``/``end_of_stream`` of
    a cursor-export page whose records sit at ``keys``; ``query`` is repeated in urls."""

    def page_url(page_cursor: str | None) -> str | None:
        if page_cursor is None:
            return None
        url = f"{call.base_url}{call.path}?cursor={quote(page_cursor, safe='')}"
        for name, value in query.items():
            url += f"&{name}={quote(str(value), safe=',')}"
        return url

    after_cursor = encode_cursor(*keys[-1]) if keys else (cursor or None)
    return {
        "after_url": page_url(after_cursor),
        "after_cursor": after_cursor,
        "before_url": None,  # null on every page, as recorded
        "before_cursor": None,
        "end_of_stream": not more,
    }


def _start_time(value: str, now: float, window: float) -> int:
    """Floor a numeric start_time (``1600000000`` or ``1600000000.0``) and check its range."""
    try:
        start = float(value)
    except ValueError:
        start = math.nan
    if not math.isfinite(start) or start < 0:
        raise invalid_value(f"start_time must be a Unix time in seconds; got {value!r}.")
    if start > now:
        raise invalid_value("start_time is in the future.")
    if start > now - window:
        raise ApiError(422, {"error": "InvalidValue", "description": TOO_RECENT})
    return math.floor(start)
