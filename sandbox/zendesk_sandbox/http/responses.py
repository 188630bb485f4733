"""Building werkzeug responses with Zendesk's content types."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError

if TYPE_CHECKING:
    from zendesk_sandbox.http.context import Call

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer from data."""
    return encoded_json_response(json.dumps(body, ensure_ascii=False).encode(), status, headers)


def encoded_json_response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer from bytes that are already JSON."""
    return Response(body, status=status, headers=headers, content_type=JSON_TYPE)


def error_response(error: ApiError) -> Response:
    """An ApiError as Zendesk sends it: JSON for a dict body, plain text for a str body."""
    if isinstance(error.body, str):
        return Response(
            error.body.encode(), status=error.status, headers=error.headers, content_type=TEXT_TYPE
        )
    return json_response(error.body, error.status, error.headers)


def warn_header(keys: list[str]) -> dict[str, str]:
    """Zendesk's note on the keys it stripped from a request (observed wording)."""
    if not keys:
        return {}
    listed = ", ".join(json.dumps(key) for key in keys)
    note = f"Removed restricted keys [{listed}] from parameters according to whitelist"
    return {"X-Zendesk-API-Warn": note}


def with_comment_counts(
    encoded: list[bytes], counts: dict[int, int], ids: list[int]
) -> list[bytes]:
    """Pre-encoded tickets with ``comment_count`` spliced in (the ``comment_count`` sideload)."""
    return [
        ticket[:-1] + b',"comment_count":' + str(counts[ticket_id]).encode() + b"}"
        for ticket_id, ticket in zip(ids, encoded, strict=True)
    ]


def includes(args: object) -> set[str]:
    """The ``include`` sideloads asked for (``include=users,comment_count``)."""
    value = getattr(args, "get", lambda _key, _default=None: None)("include", "") or ""
    return {part.strip() for part in str(value).split(",") if part.strip()}


def list_comment_counts(call: Call) -> bool:
    """Whether a ticket list (not the export) answers ``include=comment_count``: Zendesk
    documents the side-load, recorded answers show it on the export only (a switch)."""
    return (
        "comment_count" in includes(call.request.args)
        and call.account.config.comment_count_outside_export
    )
