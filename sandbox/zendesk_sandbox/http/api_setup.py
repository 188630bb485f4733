"""Handlers of the endpoints that set an account up: creating groups, organizations,
memberships, ticket fields and forms, user and organization fields; changing a ticket
field's options; listing user fields, organization fields and custom roles.

``ROUTES`` is this module's part of the route table (app.py adds it). Each create answers
201 with the new record under its singular name, as Zendesk's reference shows for every one
of them; a refusal is a 422 ``RecordInvalid`` naming each field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import paginated
from zendesk_sandbox.http.responses import json_response

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
Handler = Callable[[Call], Response]


def create_handler(kind: str) -> Handler:
    """``POST /api/v2/{kind}s``: ``{kind: {...}}`` -> 201 ``{kind: record}``."""

    def handle(call: Call) -> Response:
        record = call.account.create_structure(kind, call.json_body().get(kind))
        return json_response({kind: record}, 201)

    return handle


def handle_ticket_field_update(call: Call) -> Response:
    """``PUT /api/v2/ticket_fields/{id}``: 200 ``{"ticket_field"}``."""
    spec = call.json_body().get("ticket_field")
    field = call.account.update_ticket_field(call.values["record_id"], spec)
    return json_response({"ticket_field": field})


def record_fields_list(owner: str) -> Handler:
    """``GET /api/v2/user_fields`` or ``/organization_fields``, by position."""
    name = f"{owner}_fields"

    def handle(call: Call) -> Response:
        with call.account.lock:
            table = _table(call, owner)
            records = [
                ((item.position, item.id), item.to_json(call.account.base_url))
                for item in table.values()
            ]
        return paginated(call, name, sorted(records, key=lambda pair: pair[0]))

    return handle


def record_field_show(owner: str) -> Handler:
    """``GET /api/v2/user_fields/{id}`` or ``/organization_fields/{id}``."""

    def handle(call: Call) -> Response:
        with call.account.lock:
            item = _table(call, owner).get(call.values["record_id"])
            if item is None:
                raise ApiError(404, NOT_FOUND)
            return json_response({f"{owner}_field": item.to_json(call.account.base_url)})

    return handle


def handle_custom_roles(call: Call) -> Response:
    """``GET /api/v2/custom_roles``: every role in one answer, as Zendesk's reference shows."""
    with call.account.lock:
        directory = call.account.directory
        members = Counter(user.custom_role_id for user in directory.people.users)
        roles = [role.to_json(members[role.id]) for role in directory.custom_roles]
    return json_response({"custom_roles": roles})


def _table(call: Call, owner: str) -> dict:
    directory = call.account.directory
    return directory.user_fields if owner == "user" else directory.organization_fields


# (endpoint name, path, method, handler, admin only, OAuth scope, fault route)
ROUTES: list[tuple[str, str, str, Handler, bool, str, str]] = [
    ("group_create", "/api/v2/groups", "POST", create_handler("group"), True, "write", "structure"),
    (
        "custom_status_create",
        "/api/v2/custom_statuses",
        "POST",
        create_handler("custom_status"),
        True,
        "write",
        "structure",
    ),
    (
        "organization_create",
        "/api/v2/organizations",
        "POST",
        create_handler("organization"),
        True,
        "write",
        "structure",
    ),
    (
        "group_membership_create",
        "/api/v2/group_memberships",
        "POST",
        create_handler("group_membership"),
        True,
        "write",
        "users",
    ),
    (
        "organization_membership_create",
        "/api/v2/organization_memberships",
        "POST",
        create_handler("organization_membership"),
        True,
        "write",
        "users",
    ),
    (
        "ticket_field_update",
        "/api/v2/ticket_fields/<int:record_id>",
        "PUT",
        handle_ticket_field_update,
        True,
        "write",
        "structure",
    ),
    (
        "ticket_form_create",
        "/api/v2/ticket_forms",
        "POST",
        create_handler("ticket_form"),
        True,
        "write",
        "structure",
    ),
    *[
        route
        for owner in ("user", "organization")
        for route in (
            (
                f"{owner}_field_create",
                f"/api/v2/{owner}_fields",
                "POST",
                create_handler(f"{owner}_field"),
                True,
                "write",
                "structure",
            ),
            (
                f"{owner}_field_list",
                f"/api/v2/{owner}_fields",
                "GET",
                record_fields_list(owner),
                False,
                "read",
                "structure",
            ),
            (
                f"{owner}_field_show",
                f"/api/v2/{owner}_fields/<int:record_id>",
                "GET",
                record_field_show(owner),
                False,
                "read",
                "structure",
            ),
        )
    ],
    (
        "custom_roles",
        "/api/v2/custom_roles",
        "GET",
        handle_custom_roles,
        False,
        "read",
        "structure",
    ),
]
