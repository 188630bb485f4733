"""Handlers of the ticket writes and look-ups beyond the bulk import and List Tickets:
single import, show_many, update, update_many, delete, destroy_many and search."""

from __future__ import annotations

from urllib.parse import urlencode

from werkzeug.wrappers import Response

from zendesk_sandbox.account.imports import MAX_BATCH, restricted_keys
from zendesk_sandbox.account.search import parse_query
from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import by_id, paginated, positive_int
from zendesk_sandbox.http.responses import (
    encoded_json_response,
    json_response,
    list_comment_counts,
    warn_header,
    with_comment_counts,
)
from zendesk_sandbox.http.views import event_json

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
SEARCH_PAGE = 100
SEARCH_LIMIT = 1000  # Zendesk's search returns at most 1,000 results per query
# Zendesk documents a 422 "Insufficient Resource Error" for a page past them (page 11 at
# 100 a page); the body is the sandbox's guess in its usual error shape.
BEYOND_SEARCH_LIMIT = {
    "error": "InsufficientResourceError",
    "description": (
        "Search returns at most 1000 results per query; use the export search results "
        "endpoint or narrow the query."
    ),
}


def handle_import_one(call: Call) -> Response:
    """``POST /api/v2/imports/tickets(.json)``: 201 ``{"ticket"}``, or 422 RecordInvalid."""
    raw = call.json_body().get("ticket")
    if not isinstance(raw, dict):
        raise invalid_value('The request body needs a "ticket" object.')
    headers = warn_header(restricted_keys([raw], "ticket")) if call.account.strict else {}
    try:
        ticket = call.account.import_ticket(raw, call.user_id)
    except ApiError as error:
        error.headers.update(headers)  # the keys were stripped before the ticket was checked
        raise
    return json_response({"ticket": ticket}, 201, headers)


def handle_ticket_show_many(call: Call) -> Response:
    """``GET /api/v2/tickets/show_many?ids=1,2`` (up to 100; deleted and unknown left out),
    with ``include=comment_count``."""
    ids = _ids(call.request.args.get("ids"))
    account = call.account
    with account.lock:
        shown = [i for i in ids if account.ticket_state(i) not in ("missing", "deleted")]
        encoded = [account.ticket_json(i) for i in shown]
        if list_comment_counts(call):
            counts = account.sideloads(shown, {"comment_count"})["comment_count"]
            encoded = with_comment_counts(encoded, counts, shown)
    return encoded_json_response(b'{"tickets":[' + b",".join(encoded) + b"]}")


def handle_ticket_update(call: Call) -> Response:
    """``PUT /api/v2/tickets/{id}(.json)`` with ``{"ticket": {...}}``."""
    body = call.json_body()
    ticket, audit = call.account.update_ticket(
        call.values["ticket_id"], body.get("ticket"), call.user_id
    )
    event = event_json(audit, with_comments=True, base_url=call.base_url)
    audit_json = {
        "id": audit["id"],
        "ticket_id": audit["ticket_id"],
        "created_at": event["created_at"],
        "author_id": audit["author_id"],
        "events": event["child_events"],
    }
    return json_response({"ticket": ticket, "audit": audit_json})


def handle_update_many(call: Call) -> Response:
    """``PUT /api/v2/tickets/update_many(.json)``: ``?ids=1,2`` with ``{"ticket": {...}}``
    (one change for all), or ``{"tickets": [{"id": 1, ...}, ...]}``; up to 100. A job."""
    body = call.json_body()
    if "ids" in call.request.args:
        changes = body.get("ticket")
        if not isinstance(changes, dict):
            raise invalid_value('update_many with ids needs a "ticket" object.')
        updates = [{**changes, "id": i} for i in _ids(call.request.args["ids"])]
    else:
        given = body.get("tickets")
        if not isinstance(given, list) or not given:
            raise invalid_value('The request body needs a "tickets" list (or ids and "ticket").')
        if not all(isinstance(u, dict) and type(u.get("id")) is int for u in given):
            raise invalid_value('Each of "tickets" needs an integer "id".')
        updates = given
    if len(updates) > MAX_BATCH:
        raise invalid_value(f"update_many takes at most {MAX_BATCH} tickets.")
    return json_response({"job_status": call.account.start_updates(updates, call.user_id)})


def handle_ticket_delete(call: Call) -> Response:
    """``DELETE /api/v2/tickets/{id}(.json)``: 204; the ticket is soft-deleted."""
    call.account.delete_ticket(call.values["ticket_id"], call.user_id)
    return Response(status=204)


def handle_destroy_many(call: Call) -> Response:
    """``DELETE /api/v2/tickets/destroy_many(.json)?ids=1,2``: a job (up to 100)."""
    ids = _ids(call.request.args.get("ids"))
    return json_response({"job_status": call.account.start_destroy(ids, call.user_id)})


def handle_search(call: Call) -> Response:
    """``GET /api/v2/search(.json)?query=type:ticket tags:x``: offset pages of 100 at most,
    1,000 results at most; each result has ``result_type: "ticket"``."""
    args = call.request.args
    terms = parse_query(args.get("query", ""))
    page = positive_int(args, "page", 1)
    per_page = positive_int(args, "per_page", SEARCH_PAGE, SEARCH_PAGE)
    if (page - 1) * per_page >= SEARCH_LIMIT:
        raise ApiError(422, BEYOND_SEARCH_LIMIT)
    account = call.account
    with account.lock:
        ids = account.search_ticket_ids(terms)[:SEARCH_LIMIT]
        chosen = ids[(page - 1) * per_page : page * per_page]
        results = [{**account.exported_ticket(i), "result_type": "ticket"} for i in chosen]
    kept = {key: value for key, value in args.items() if key != "page"}

    def page_url(number: int) -> str:
        return f"{call.base_url}{call.path}?{urlencode({**kept, 'page': number})}"

    return json_response(
        {
            "results": results,
            "facets": None,
            "next_page": page_url(page + 1) if page * per_page < len(ids) else None,
            "previous_page": page_url(page - 1) if page > 1 else None,
            "count": len(ids),
        }
    )


def _ids(value: str | None) -> list[int]:
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not parts:
        raise invalid_value("ids is required: a comma-separated list of ticket ids.")
    if len(parts) > MAX_BATCH:
        raise invalid_value(f"At most {MAX_BATCH} ids.")
    try:
        return [int(part) for part in parts]
    except ValueError:
        raise invalid_value("ids must be integers.") from None


def handle_ticket_incidents(call: Call) -> Response:
    """``GET /api/v2/tickets/{id}/incidents``: the incidents whose problem is the ticket,
    by id (cursor or offset pages); a 404 for a ticket the account does not have."""
    account = call.account
    problem = call.values["ticket_id"]
    with account.lock:
        if account.ticket_state(problem) in ("missing", "deleted"):
            raise ApiError(404, NOT_FOUND)
        incidents = [account.exported_ticket(i) for i in account.incident_ids(problem)]
    return paginated(call, "tickets", by_id(incidents))
