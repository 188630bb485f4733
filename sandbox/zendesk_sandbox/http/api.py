"""Handlers of the bulk import, job status and ticket endpoints (the export has its own module)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from zendesk_sandbox.account.imports import parse_batch, restricted_keys
from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import cursor_page, cursor_requested, offset_window
from zendesk_sandbox.http.responses import (
    encoded_json_response,
    json_response,
    list_comment_counts,
    warn_header,
    with_comment_counts,
)
from zendesk_sandbox.timefmt import iso

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
LIST_PAGE_SIZE = 100


def handle_create_many(call: Call) -> Response:
    """``POST /api/v2/imports/tickets/create_many(.json)``: queue a bulk-import job."""
    tickets = parse_batch(call.request.get_data())
    archive = call.request.args.get("archive_immediately", "").lower() in ("true", "1")
    job = call.account.start_import(tickets, archive, call.request.args.to_dict())
    strict = call.account.strict
    headers = warn_header(restricted_keys(tickets, "tickets")) if strict else {}
    return json_response({"job_status": job}, headers=headers)


def handle_job_show(call: Call) -> Response:
    """``GET /api/v2/job_statuses/{id}(.json)``.

    With ``failing_job_lookups`` no job is found, as a client migrating 20,000 objects saw
    (zenpy issue 291: the look-ups stopped answering while the job list showed the jobs).
    """
    try:
        if call.account.config.failing_job_lookups:
            raise KeyError(call.values["job_id"])
        job = call.account.job(call.values["job_id"])
    except KeyError:
        raise ApiError(404, NOT_FOUND) from None
    return json_response({"job_status": job})


def handle_job_show_many(call: Call) -> Response:
    """``GET /api/v2/job_statuses/show_many(.json)?ids=a,b``; unknown ids are left out
    (every id, with ``failing_job_lookups``)."""
    ids = [part.strip() for part in call.request.args.get("ids", "").split(",") if part.strip()]
    if not ids:
        raise invalid_value("ids is required: a comma-separated list of job status ids.")
    found = []
    for job_id in [] if call.account.config.failing_job_lookups else ids:
        try:
            found.append(call.account.job(job_id))
        except KeyError:
            continue
    return json_response({"job_statuses": found})


def handle_job_list(call: Call) -> Response:
    """``GET /api/v2/job_statuses(.json)``: the last day's jobs, with cursor pagination.

    Sorted by completion date, then creation date, descending (unfinished jobs last, see
    ``Account.job_list``); pages of ``page[size]`` (default and most 100), as every cursor
    list (pagination.py). A cursor marks a position in the order, so it stays valid while
    jobs finish and new ones come.
    """
    body = cursor_page(call, "job_statuses", call.account.job_list(), descending=True)
    return json_response(body)


def handle_ticket_show(call: Call) -> Response:
    """``GET /api/v2/tickets/{id}(.json)``; deleted tickets are not found, as on Zendesk."""
    account, ticket_id = call.account, call.values["ticket_id"]
    with account.lock:
        if account.ticket_state(ticket_id) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        encoded = account.ticket_json(ticket_id)
    return encoded_json_response(b'{"ticket":' + encoded + b"}")


def handle_ticket_list(call: Call) -> Response:
    """``GET /api/v2/tickets(.json)``, optionally ``?external_id=`` and
    ``include=comment_count``.

    Like Zendesk's List Tickets it leaves out archived (and deleted) tickets. Offset pages
    of up to 100 by id (``page``, ``per_page``), or cursor pages (``page[size]``) in the
    order ``sort`` names: ``id``, ``updated_at``, or either with ``-`` for descending.
    """
    if cursor_requested(call.request.args):
        return _cursor_ticket_list(call)
    args = call.request.args
    page, per_page = offset_window(args, LIST_PAGE_SIZE)
    account = call.account
    with account.lock:
        ids = account.listed_ticket_ids(args.get("external_id"))
        chosen = ids[(page - 1) * per_page : page * per_page]
        encoded = [account.ticket_json(ticket_id) for ticket_id in chosen]
        if list_comment_counts(call):
            counts = account.sideloads(chosen, {"comment_count"})["comment_count"]
            encoded = with_comment_counts(encoded, counts, chosen)

    def page_url(number: int) -> str:
        query = {key: value for key, value in args.items() if key != "page"}
        return f"{call.base_url}{call.path}?{urlencode({**query, 'page': number})}"

    tail = {
        "next_page": page_url(page + 1) if page * per_page < len(ids) else None,
        "previous_page": page_url(page - 1) if page > 1 else None,
        "count": len(ids),
    }
    body = b'{"tickets":[' + b",".join(encoded) + b"]," + json.dumps(tail).encode()[1:]
    return encoded_json_response(body)


TICKET_SORTS = ("id", "updated_at")


def _cursor_ticket_list(call: Call) -> Response:
    args = call.request.args
    sort = args.get("sort", "id")
    name = sort.removeprefix("-")
    if name not in TICKET_SORTS:
        raise invalid_value(
            f"sort must be one of {', '.join(TICKET_SORTS)}, optionally with '-'; got {sort!r}."
        )
    account = call.account
    with account.lock:
        ids = account.listed_ticket_ids(args.get("external_id"))
        keyed: list[tuple[tuple, Any]] = (
            sorted(((str(account.ticket_field(i, "updated_at")), i), i) for i in ids)
            if name == "updated_at"
            else [((i,), i) for i in ids]
        )
        descending = sort.startswith("-")
        if descending:
            keyed.reverse()
        body = cursor_page(call, "tickets", keyed, descending)
        chosen = body["tickets"]
        body["tickets"] = [account.exported_ticket(i) for i in chosen]
        if list_comment_counts(call):
            counts = account.sideloads(chosen, {"comment_count"})["comment_count"]
            for ticket in body["tickets"]:
                ticket["comment_count"] = counts[ticket["id"]]
    return json_response(body)


def handle_ticket_count(call: Call) -> Response:
    """``GET /api/v2/tickets/count(.json)``: ``{"count": {"value", "refreshed_at"}}``.

    Zendesk counts what List Tickets shows; the sandbox's count is always fresh (Zendesk's
    is refreshed up to a day late on accounts of more than 100,000 tickets).
    """
    account = call.account
    with account.lock:
        value = len(account.listed_ticket_ids())
    now = iso(account.now())
    return json_response({"count": {"value": value, "refreshed_at": now}})
