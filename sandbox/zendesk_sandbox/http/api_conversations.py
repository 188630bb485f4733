"""Handlers of the conversation endpoints: a ticket's comments and the ticket events export."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.http.api_export import start_position
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import page_records, paginated
from zendesk_sandbox.http.responses import json_response
from zendesk_sandbox.http.views import comment_json, event_json

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
EVENTS_PAGE = 1000


def handle_comments(call: Call) -> Response:
    """``GET /api/v2/tickets/{id}/comments(.json)``.

    Cursor (``page[size]`` up to 100) or offset pagination; ``sort=created_at`` (default)
    or ``-created_at`` (``sort_order=desc`` with offset pagination); ``include=users``
    side-loads the authors of the page; inline images are among a comment's attachments
    only with ``include_inline_images=true``. Deleted and unknown tickets are a 404;
    archived tickets answer as any other.
    """
    account, args = call.account, call.request.args
    sort = args.get("sort", "created_at")
    if sort not in ("created_at", "-created_at"):
        raise invalid_value("sort must be created_at or -created_at.")
    descending = sort.startswith("-") or args.get("sort_order") == "desc"
    inline_images = args.get("include_inline_images", "").lower() in ("true", "1")
    with account.lock:
        if account.ticket_state(call.values["ticket_id"]) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        pairs = account.comments(call.values["ticket_id"])
        keyed = [
            (
                (comment["created_at"], comment["id"]),
                comment_json(comment, audit, call.base_url, inline_images=inline_images),
            )
            for comment, audit in pairs
        ]
        keyed.sort(key=lambda pair: pair[0], reverse=descending)
        extra = {}
        if "users" in {part.strip() for part in args.get("include", "").split(",")}:
            authors = {c["author_id"] for c in page_records(call, keyed, descending)}
            users = [account.directory.user(a) for a in sorted(authors, key=str)]
            extra["users"] = [u.to_json(call.base_url) for u in users if u is not None]
    return paginated(call, "comments", keyed, descending=descending, extra=extra)


def handle_ticket_events(call: Call) -> Response:
    """``GET /api/v2/incremental/ticket_events(.json)?start_time=``: the time-based export.

    ``include=comment_events`` puts each comment in its audit's ``child_events``. A page
    has up to ``per_page`` (at most 1000) events, plus the others of its last second;
    ``end_time`` is that second, and ``next_page`` starts there again, so the events of
    that second come twice (clients de-duplicate by id, as Zendesk tells them to).
    """
    account, args = call.account, call.request.args
    now, window = account.now(), account.config.exclusion_window
    start = start_position(args, now, window)[0]
    per_page = EVENTS_PAGE
    if "per_page" in args:
        try:
            per_page = min(max(1, int(args["per_page"])), EVENTS_PAGE)
        except ValueError:
            raise invalid_value("per_page must be an integer.") from None
    with_comments = "comment_events" in {p.strip() for p in args.get("include", "").split(",")}
    audits, more = account.ticket_events(start, per_page, math.floor(now - window))
    end_time = audits[-1]["at"] if audits else start
    query = {key: value for key, value in args.items() if key != "start_time"}
    next_page = f"{call.base_url}{call.path}?{urlencode({**query, 'start_time': end_time})}"
    return json_response(
        {
            "ticket_events": [
                event_json(audit, with_comments=with_comments, base_url=call.base_url)
                for audit in audits
            ],
            "count": len(audits),
            "end_time": end_time,
            "next_page": next_page,
            "end_of_stream": not more,
        }
    )
