"""Handlers of the structure endpoints: groups, organizations, brands, forms and fields.

Lists paginate as Zendesk's do (cursor or offset, 100 at most; see ``pagination.py``),
except ticket forms, which Zendesk lists in one answer.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.generated.structure import Structure
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import by_id, paginated
from zendesk_sandbox.http.responses import json_response
from zendesk_sandbox.timefmt import iso

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
# (list name, one record's name, the structure's records by id)
KINDS: dict[str, tuple[str, Callable[[Structure], dict]]] = {
    "groups": ("group", lambda s: s.group_by_id),
    "organizations": ("organization", lambda s: s.organization_by_id),
    "brands": ("brand", lambda s: s.brand_by_id),
    "ticket_forms": ("ticket_form", lambda s: s.form_by_id),
    "ticket_fields": ("ticket_field", lambda s: s.field_by_id),
}


def _records(call: Call, kind: str) -> list[dict]:
    table = KINDS[kind][1](call.account.directory.structure)
    return [record.to_json(call.account.base_url) for record in table.values()]


def list_handler(kind: str) -> Callable[[Call], Response]:
    """The handler of ``GET /api/v2/{kind}``."""

    def handle(call: Call) -> Response:
        with call.account.lock:
            records = _records(call, kind)
        if kind == "ticket_forms":
            records.sort(key=lambda form: form["position"])
            body = {kind: records, "next_page": None, "previous_page": None}
            return json_response({**body, "count": len(records)})
        if kind == "ticket_fields":
            ordered = [((r["position"], r["id"]), r) for r in records]
            return paginated(call, kind, sorted(ordered, key=lambda pair: pair[0]))
        return paginated(call, kind, by_id(records))

    return handle


def show_handler(kind: str) -> Callable[[Call], Response]:
    """The handler of ``GET /api/v2/{kind}/{id}``."""
    name, table_of = KINDS[kind]

    def handle(call: Call) -> Response:
        with call.account.lock:
            record = table_of(call.account.directory.structure).get(call.values["record_id"])
            if record is None:
                raise ApiError(404, NOT_FOUND)
            return json_response({name: record.to_json(call.account.base_url)})

    return handle


def handle_organization_search(call: Call) -> Response:
    """``GET /api/v2/organizations/search?name=X`` (exact, any case) or ``?external_id=``."""
    args = call.request.args
    if "name" not in args and "external_id" not in args:
        raise invalid_value("name or external_id is required.")
    with call.account.lock:
        found = [
            org
            for org in _records(call, "organizations")
            if ("name" in args and org["name"].lower() == args["name"].strip().lower())
            or ("external_id" in args and org["external_id"] == args["external_id"])
        ]
    return paginated(call, "organizations", by_id(found))


def handle_field_create(call: Call) -> Response:
    """``POST /api/v2/ticket_fields``: 201 with the new field (admins only)."""
    item = call.account.create_field(call.json_body().get("ticket_field"))
    return json_response({"ticket_field": item}, 201)


def handle_organization_count(call: Call) -> Response:
    """``GET /api/v2/organizations/count``: ``{"count": {"value", "refreshed_at"}}``."""
    with call.account.lock:
        value = len(call.account.directory.structure.organization_by_id)
    return json_response({"count": {"value": value, "refreshed_at": iso(call.account.now())}})
