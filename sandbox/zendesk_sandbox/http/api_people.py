"""Handlers of the people endpoints: users, their look-ups and export, and memberships."""

from __future__ import annotations

import math

from werkzeug.wrappers import Response

from zendesk_sandbox.errors import ApiError, invalid_value
from zendesk_sandbox.http.api_export import cursor_envelope, decode_cursor, start_position
from zendesk_sandbox.http.auth import AGENT, FORBIDDEN_ROLE
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.pagination import by_id, paginated, positive_int
from zendesk_sandbox.http.responses import json_response
from zendesk_sandbox.timefmt import iso

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
SHOW_MANY_LIMIT = 100
USER_EXPORT_PAGE = 1000


def _users(call: Call) -> list[dict]:
    base = call.account.base_url
    return [user.to_json(base) for user in call.account.directory.people.users]


def handle_user_list(call: Call) -> Response:
    """``GET /api/v2/users``, optionally ``?role=agent`` or ``?role[]=agent&role[]=admin``."""
    roles = set(call.request.args.getlist("role[]")) | set(call.request.args.getlist("role"))
    with call.account.lock:
        users = [u for u in _users(call) if not roles or u["role"] in roles]
    return paginated(call, "users", by_id(users))


def handle_user_show(call: Call) -> Response:
    """``GET /api/v2/users/{id}``."""
    with call.account.lock:
        user = call.account.directory.user(call.values["user_id"])
        if user is None:
            raise ApiError(404, NOT_FOUND)
        return json_response({"user": user.to_json(call.account.base_url)})


def handle_user_show_many(call: Call) -> Response:
    """``GET /api/v2/users/show_many?ids=1,2`` or ``?external_ids=a,b`` (up to 100)."""
    args = call.request.args
    ids, external_ids = _list(args.get("ids")), _list(args.get("external_ids"))
    if not ids and not external_ids:
        raise invalid_value("ids or external_ids is required.")
    if len(ids) > SHOW_MANY_LIMIT or len(external_ids) > SHOW_MANY_LIMIT:
        raise invalid_value(f"show_many takes at most {SHOW_MANY_LIMIT} ids.")
    people = call.account.directory.people
    with call.account.lock:
        if ids:
            try:
                found = [people.by_id.get(int(i)) for i in ids]
            except ValueError:
                raise invalid_value("ids must be integers.") from None
        else:
            found = [people.by_external_id.get(e) for e in external_ids]
        base = call.account.base_url
        return json_response({"users": [u.to_json(base) for u in found if u is not None]})


def handle_user_search(call: Call) -> Response:
    """``GET /api/v2/users/search?query=email:x@y`` (or a bare e-mail), ``?external_id=``.

    Only e-mail and external_id look-ups are answered; other queries are a 400 (the
    sandbox has no full-text index of people).
    """
    args = call.request.args
    people = call.account.directory.people
    with call.account.lock:
        if "external_id" in args:
            user = people.by_external_id.get(args["external_id"])
        elif "query" in args:
            query = args["query"].strip()
            email = query.removeprefix("email:").strip().strip('"')
            if "@" not in email or " " in email:
                raise invalid_value(
                    "The sandbox's user search understands email:ADDRESS and external_id only."
                )
            user = people.find_email(email)
        else:
            raise invalid_value("query or external_id is required.")
        found = [user.to_json(call.account.base_url)] if user is not None else []
    return paginated(call, "users", by_id(found))


def handle_create_or_update(call: Call) -> Response:
    """``POST /api/v2/users/create_or_update``: 201 when created, 200 when updated."""
    body = call.json_body()
    _refuse_agent_making_staff(call, body.get("user"))
    user, created = call.account.create_or_update_user(body.get("user"))
    return json_response({"user": user}, 201 if created else 200)


def handle_create_user(call: Call) -> Response:
    """``POST /api/v2/users``: 201 with the new user; a 422 when the e-mail is taken."""
    body = call.json_body()
    _refuse_agent_making_staff(call, body.get("user"))
    return json_response({"user": call.account.create_user(body.get("user"))}, 201)


def _refuse_agent_making_staff(call: Call, spec: object) -> None:
    """Agents create end users only; agents and admins are an admin's to make ([DOC] Users
    API, "Allowed for")."""
    asked = spec.get("role") if isinstance(spec, dict) else None
    if call.caller is not None and call.caller.role == AGENT and asked in ("agent", "admin"):
        raise ApiError(403, FORBIDDEN_ROLE)


MANY_LIMIT = 100
BULK_IMPORT_DISABLED = {
    "error": {
        "title": "Forbidden",
        "message": (
            "Bulk user imports are not enabled for this account. Contact Zendesk Customer "
            "Support to enable them."
        ),
    }
}


def handle_create_or_update_many(call: Call) -> Response:
    """``POST /api/v2/users/create_or_update_many``: a job; 403 while the account does not
    allow bulk user imports (``bulk_user_import``), 400 beyond 100 users."""
    if not call.account.config.bulk_user_import:
        raise ApiError(403, BULK_IMPORT_DISABLED)
    users = call.json_body().get("users")
    if not isinstance(users, list) or not users:
        raise invalid_value('The request body needs a non-empty "users" array.')
    if len(users) > MANY_LIMIT:
        raise ApiError(
            400,
            {
                "error": "TooManyValues",
                "description": f"Too many values: up to {MANY_LIMIT} users per request",
            },
        )
    return json_response({"job_status": call.account.start_users(users)})


def handle_user_count(call: Call) -> Response:
    """``GET /api/v2/users/count``: ``{"count": {"value", "refreshed_at"}}``, every role."""
    with call.account.lock:
        value = len(call.account.directory.people.users)
    return json_response({"count": {"value": value, "refreshed_at": iso(call.account.now())}})


def handle_group_memberships(call: Call) -> Response:
    """``GET /api/v2/group_memberships``, ``/groups/{id}/memberships``,
    ``/users/{id}/group_memberships``."""
    return _memberships(call, "group_memberships", "group_id")


def handle_organization_memberships(call: Call) -> Response:
    """``GET /api/v2/organization_memberships``, ``/users/{id}/organization_memberships``."""
    return _memberships(call, "organization_memberships", "organization_id")


def _memberships(call: Call, name: str, other: str) -> Response:
    directory = call.account.directory
    with call.account.lock:
        if name == "group_memberships":
            records = directory.group_memberships(call.account.base_url)
        else:
            records = directory.organization_memberships(call.account.base_url)
        if "user_id" in call.values:
            if directory.user(call.values["user_id"]) is None:
                raise ApiError(404, NOT_FOUND)
            records = [r for r in records if r["user_id"] == call.values["user_id"]]
        if "group_id" in call.values:
            if call.values["group_id"] not in directory.structure.group_by_id:
                raise ApiError(404, NOT_FOUND)
            records = [r for r in records if r[other] == call.values["group_id"]]
    return paginated(call, name, by_id(records))


def handle_user_export(call: Call) -> Response:
    """``GET /api/v2/incremental/users/cursor(.json)``: the cursor export of users.

    As the ticket cursor export (same envelope, cursor format and one-minute exclusion),
    ordered by ``(updated_at, id)``.
    """
    account, args = call.account, call.request.args
    per_page = positive_int(args, "per_page", USER_EXPORT_PAGE, USER_EXPORT_PAGE)
    now = account.now()
    cursor = args.get("cursor")
    if cursor:
        after = decode_cursor(cursor)
    else:
        after = start_position(args, now, account.config.exclusion_window)
    cutoff = math.floor(now - account.config.exclusion_window)
    keys, users, more = account.user_export_slice(after, per_page, cutoff)
    query = {"per_page": per_page} if "per_page" in args else {}
    envelope = cursor_envelope(call, keys, cursor, more, query)
    return json_response({"users": users, **envelope})


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
