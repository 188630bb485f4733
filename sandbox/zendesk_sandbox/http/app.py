"""The WSGI application: routing and the path every API request takes.

An API request goes: route (unknown -> 404 ``InvalidEndpoint``) -> authenticate (401) ->
check role and scope (403) -> scripted fault, if one is queued for the route -> rate limits
(429) -> handler. Requests refused before the rate limits, and requests that take a fault,
are not counted against the limits (and a faulted request is never refused by them).
Every API response carries the rate-limit headers of the buckets it belongs to.

``POST /oauth/tokens`` (``token_endpoint.py``) takes the same path without the sign-in and the
rate limits: a token request carries its client's credentials in its body.
``/_sandbox/...`` is the admin API (no auth, see ``admin.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from zendesk_sandbox.config import (
    ACCOUNT_BUCKET,
    ATTACHMENT_DOWNLOAD_BUCKET,
    EXPORT_BUCKET,
    TICKET_UPDATE_BUCKET,
    UPDATE_BUCKET,
    USER_EXPORT_BUCKET,
    USER_UPSERT_BUCKET,
)
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.http import (
    admin,
    api,
    api_analytics,
    api_conversations,
    api_files,
    api_people,
    api_setup,
    api_structure,
    api_tickets,
)
from zendesk_sandbox.http.api_export import handle_export
from zendesk_sandbox.http.auth import AGENT, NOT_AUTHENTICATED, auth_mode, authenticate, require
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.controls import SandboxControls
from zendesk_sandbox.http.faults import Fault
from zendesk_sandbox.http.requestlog import safe_query, safe_target
from zendesk_sandbox.http.responses import error_response
from zendesk_sandbox.http.token_endpoint import handle_token_request
from zendesk_sandbox.timefmt import format_wait

log = logging.getLogger("zendesk_sandbox.requests")

INVALID_ENDPOINT = {"error": "InvalidEndpoint", "description": "Not found"}
ACCOUNT_ONLY = (ACCOUNT_BUCKET,)


@dataclass(frozen=True)
class Endpoint:
    """An API endpoint: its handler, the fault route it answers to, and who may call it."""

    handler: Callable[[Call], Response]
    route: str
    admin_only: bool = False
    scope: str = "read"
    buckets: tuple[str, ...] = ACCOUNT_ONLY
    #: False for the token endpoint: the client signs in with the body, not a header.
    signed_in: bool = True


EXPORTS = (ACCOUNT_BUCKET, EXPORT_BUCKET)
UPDATES = (ACCOUNT_BUCKET, UPDATE_BUCKET, TICKET_UPDATE_BUCKET)


def _structure(kind: str, admin_only: bool = False) -> tuple[Endpoint, Endpoint]:
    return (
        Endpoint(api_structure.list_handler(kind), "structure", admin_only),
        Endpoint(api_structure.show_handler(kind), "structure", admin_only),
    )


ENDPOINTS = {
    "export": Endpoint(handle_export, "export", True, "read", EXPORTS),
    "import": Endpoint(api.handle_create_many, "import", True, "write"),
    "import_one": Endpoint(api_tickets.handle_import_one, "import", True, "write"),
    "job_list": Endpoint(api.handle_job_list, "job_status"),
    "job_show_many": Endpoint(api.handle_job_show_many, "job_status"),
    "job_show": Endpoint(api.handle_job_show, "job_status"),
    "ticket_list": Endpoint(api.handle_ticket_list, "tickets"),
    "ticket_count": Endpoint(api.handle_ticket_count, "tickets"),
    "ticket_show": Endpoint(api.handle_ticket_show, "tickets"),
    "ticket_show_many": Endpoint(api_tickets.handle_ticket_show_many, "tickets"),
    "ticket_update": Endpoint(api_tickets.handle_ticket_update, "update", False, "write", UPDATES),
    "update_many": Endpoint(api_tickets.handle_update_many, "update", False, "write"),
    "ticket_delete": Endpoint(api_tickets.handle_ticket_delete, "delete", True, "write"),
    "destroy_many": Endpoint(api_tickets.handle_destroy_many, "delete", True, "write"),
    "comments": Endpoint(api_conversations.handle_comments, "comments"),
    "ticket_incidents": Endpoint(api_tickets.handle_ticket_incidents, "tickets"),
    "ticket_events": Endpoint(
        api_conversations.handle_ticket_events, "ticket_events", True, "read", EXPORTS
    ),
    "search": Endpoint(api_tickets.handle_search, "search"),
    "user_export": Endpoint(
        api_people.handle_user_export,
        "user_export",
        True,
        "read",
        (ACCOUNT_BUCKET, USER_EXPORT_BUCKET),
    ),
    "user_list": Endpoint(api_people.handle_user_list, "users"),
    "user_show": Endpoint(api_people.handle_user_show, "users"),
    "user_show_many": Endpoint(api_people.handle_user_show_many, "users"),
    "user_search": Endpoint(api_people.handle_user_search, "users"),
    "user_create_or_update": Endpoint(
        api_people.handle_create_or_update,
        "users",
        False,
        "write",
        (ACCOUNT_BUCKET, USER_UPSERT_BUCKET),
    ),
    "user_create": Endpoint(api_people.handle_create_user, "users", False, "write"),
    "user_create_or_update_many": Endpoint(
        api_people.handle_create_or_update_many, "users", True, "write"
    ),
    "user_count": Endpoint(api_people.handle_user_count, "users"),
    "organization_count": Endpoint(api_structure.handle_organization_count, "structure"),
    "group_memberships": Endpoint(api_people.handle_group_memberships, "users"),
    "organization_memberships": Endpoint(api_people.handle_organization_memberships, "users"),
    "organization_search": Endpoint(api_structure.handle_organization_search, "structure"),
    "ticket_field_create": Endpoint(api_structure.handle_field_create, "structure", True, "write"),
    "oauth_tokens": Endpoint(handle_token_request, "oauth", buckets=(), signed_in=False),
    # Uploads are allowed to end users too [DOC]; a file's bytes need no sign-in unless
    # private attachments are on (the handler checks then).
    "upload": Endpoint(api_files.handle_upload, "uploads", False, "write"),
    "attachment_show": Endpoint(api_files.handle_attachment_show, "uploads"),
    "attachment_content": Endpoint(
        api_files.handle_content,
        "downloads",
        buckets=(ATTACHMENT_DOWNLOAD_BUCKET,),
        signed_in=False,
    ),
}
for _kind in api_structure.KINDS:
    ENDPOINTS[f"{_kind}_list"], ENDPOINTS[f"{_kind}_show"] = _structure(_kind)
for _name, _, _, _handler, _admin_only, _scope, _route in api_setup.ROUTES:
    ENDPOINTS[_name] = Endpoint(_handler, _route, _admin_only, _scope)
for _name, _, _handler, _route, _admin_only, _export in api_analytics.ROUTES:
    ENDPOINTS[_name] = Endpoint(
        _handler, _route, _admin_only, buckets=EXPORTS if _export else ACCOUNT_ONLY
    )

# Paths without ".json"; the app strips the suffix before matching, so both forms work.
API_MAP = Map(
    [
        Rule("/api/v2/incremental/tickets/cursor", endpoint="export", methods=["GET"]),
        Rule("/api/v2/incremental/ticket_events", endpoint="ticket_events", methods=["GET"]),
        Rule("/api/v2/incremental/users/cursor", endpoint="user_export", methods=["GET"]),
        Rule("/api/v2/imports/tickets/create_many", endpoint="import", methods=["POST"]),
        Rule("/api/v2/imports/tickets", endpoint="import_one", methods=["POST"]),
        Rule("/api/v2/job_statuses", endpoint="job_list", methods=["GET"]),
        Rule("/api/v2/job_statuses/show_many", endpoint="job_show_many", methods=["GET"]),
        Rule("/api/v2/job_statuses/<job_id>", endpoint="job_show", methods=["GET"]),
        Rule("/api/v2/tickets", endpoint="ticket_list", methods=["GET"]),
        Rule("/api/v2/tickets/show_many", endpoint="ticket_show_many", methods=["GET"]),
        Rule("/api/v2/tickets/count", endpoint="ticket_count", methods=["GET"]),
        Rule("/api/v2/tickets/update_many", endpoint="update_many", methods=["PUT"]),
        Rule("/api/v2/tickets/destroy_many", endpoint="destroy_many", methods=["DELETE"]),
        Rule("/api/v2/tickets/<int:ticket_id>", endpoint="ticket_show", methods=["GET"]),
        Rule("/api/v2/tickets/<int:ticket_id>", endpoint="ticket_update", methods=["PUT"]),
        Rule("/api/v2/tickets/<int:ticket_id>", endpoint="ticket_delete", methods=["DELETE"]),
        Rule("/api/v2/tickets/<int:ticket_id>/comments", endpoint="comments", methods=["GET"]),
        Rule(
            "/api/v2/tickets/<int:ticket_id>/incidents",
            endpoint="ticket_incidents",
            methods=["GET"],
        ),
        Rule("/api/v2/search", endpoint="search", methods=["GET"]),
        Rule("/api/v2/users", endpoint="user_list", methods=["GET"]),
        Rule("/api/v2/users", endpoint="user_create", methods=["POST"]),
        Rule("/api/v2/users/show_many", endpoint="user_show_many", methods=["GET"]),
        Rule("/api/v2/users/count", endpoint="user_count", methods=["GET"]),
        Rule(
            "/api/v2/users/create_or_update_many",
            endpoint="user_create_or_update_many",
            methods=["POST"],
        ),
        Rule("/api/v2/organizations/count", endpoint="organization_count", methods=["GET"]),
        Rule("/api/v2/users/search", endpoint="user_search", methods=["GET"]),
        Rule(
            "/api/v2/users/create_or_update",
            endpoint="user_create_or_update",
            methods=["POST"],
        ),
        Rule("/api/v2/users/<int:user_id>", endpoint="user_show", methods=["GET"]),
        Rule(
            "/api/v2/users/<int:user_id>/group_memberships",
            endpoint="group_memberships",
            methods=["GET"],
        ),
        Rule(
            "/api/v2/users/<int:user_id>/organization_memberships",
            endpoint="organization_memberships",
            methods=["GET"],
        ),
        Rule("/api/v2/group_memberships", endpoint="group_memberships", methods=["GET"]),
        Rule(
            "/api/v2/groups/<int:group_id>/memberships",
            endpoint="group_memberships",
            methods=["GET"],
        ),
        Rule(
            "/api/v2/organization_memberships",
            endpoint="organization_memberships",
            methods=["GET"],
        ),
        Rule("/api/v2/organizations/search", endpoint="organization_search", methods=["GET"]),
        Rule("/api/v2/ticket_fields", endpoint="ticket_field_create", methods=["POST"]),
        *[
            rule
            for kind in api_structure.KINDS
            for rule in (
                Rule(f"/api/v2/{kind}", endpoint=f"{kind}_list", methods=["GET"]),
                Rule(f"/api/v2/{kind}/<int:record_id>", endpoint=f"{kind}_show", methods=["GET"]),
            )
        ],
        Rule("/oauth/tokens", endpoint="oauth_tokens", methods=["POST"]),
        *[
            Rule(path, endpoint=name, methods=[method])
            for name, path, method, *_ in api_setup.ROUTES
        ],
        *[Rule(path, endpoint=name, methods=["GET"]) for name, path, *_ in api_analytics.ROUTES],
        Rule("/api/v2/uploads", endpoint="upload", methods=["POST"]),
        Rule(
            "/api/v2/attachments/<int:attachment_id>", endpoint="attachment_show", methods=["GET"]
        ),
        Rule("/attachments/token/<token>/", endpoint="attachment_content", methods=["GET"]),
    ]
)


class FaultResetError(ConnectionAbortedError):
    """Raised to make werkzeug drop the connection (silently) for a ``reset`` fault."""


class SandboxApp:
    """The WSGI callable serving one sandbox."""

    def __init__(self, sandbox: SandboxControls) -> None:
        self.sandbox = sandbox

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            response = admin.dispatch(self.sandbox, request)
        else:
            response = self._serve_api(request)
        return response(environ, start_response)

    def _serve_api(self, request: Request) -> Response:
        sandbox = self.sandbox
        entry: dict[str, Any] = {
            "time": sandbox.account.now(),
            "method": request.method,
            "path": request.path,
            "query": safe_query(request.args.to_dict()),
            "route": None,
            "auth": auth_mode(request.headers.get("Authorization")),
            "status": None,
            "fault": None,
        }
        try:
            response = self._answer(request, entry)
        finally:
            sandbox.requests.add(entry)
            log.info(
                "%s %s -> %s (auth=%s%s)",
                entry["method"],
                safe_target(request.path, entry["query"]),
                entry["status"] or "connection reset",
                entry["auth"],
                f", fault={entry['fault']}" if entry["fault"] else "",
            )
        return response

    def _answer(self, request: Request, entry: dict) -> Response:
        sandbox = self.sandbox
        try:
            name, values = API_MAP.bind("sandbox").match(
                request.path.removesuffix(".json"), method=request.method
            )
        except HTTPException:
            response = error_response(ApiError(404, INVALID_ENDPOINT))
            self._add_limit_headers(response, "unknown", ACCOUNT_ONLY)
            entry["status"] = response.status_code
            return response
        endpoint = ENDPOINTS[name]
        entry["route"] = endpoint.route
        call = Call(
            request,
            sandbox.account,
            sandbox.base_url,
            request.path,
            dict(values),
            sandbox.oauth,
            file_host=sandbox.file_host,
        )
        try:
            caller = None
            if endpoint.signed_in:
                caller = authenticate(
                    request.headers.get("Authorization"),
                    sandbox.config.credentials,
                    sandbox.oauth.caller,
                )
                if caller.role == AGENT and sandbox.config.empty:
                    raise ApiError(401, NOT_AUTHENTICATED)  # a new account has no such agent
                require(caller, admin=endpoint.admin_only, scope=endpoint.scope)
                call.caller = caller
            fault = sandbox.faults.take(endpoint.route)
            if fault is None:
                # Per-ticket update windows are kept per user and ticket.
                key = (caller.role if caller else None, values.get("ticket_id"))
                sandbox.limiter.admit(endpoint.buckets, sandbox.account.now(), key)
                response = endpoint.handler(call)
            else:
                entry["fault"] = fault.kind
                response = self._act_out(fault, endpoint, call)
        except ApiError as error:
            response = error_response(error)
        self._add_limit_headers(response, endpoint.route, endpoint.buckets or ACCOUNT_ONLY)
        entry["status"] = response.status_code
        return response

    def _act_out(self, fault: Fault, endpoint: Endpoint, call: Call) -> Response:
        """Answer a request the way a scripted fault says."""
        if fault.kind == "truncated_json":
            response = _run(endpoint, call)
            body = response.get_data()
            response.set_data(body[: len(body) // 2])  # also fixes Content-Length
            return response
        if fault.after:
            real = _run(endpoint, call)  # the import happens; the client will not know
            if fault.kind == "slow":
                self.sandbox.stopping.wait(fault.delay)
                return real
        if fault.kind == "reset":
            # werkzeug takes a ConnectionError from the app for a dropped connection and stays
            # quiet; the request handler (server.py) then closes the socket with a TCP reset.
            raise FaultResetError("sandbox fault: connection reset")
        if fault.kind == "slow":
            self.sandbox.stopping.wait(fault.delay)
            return _run(endpoint, call)
        status, body, headers = fault.answer(endpoint.route)
        return Response(body, status=status, headers=headers)

    def _add_limit_headers(self, response: Response, route: str, buckets: tuple) -> None:
        sandbox = self.sandbox
        if not sandbox.config.rate_limit_headers:
            # As recorded answers of 2024 show: none at all (a 429's Retry-After stays).
            for key in [k for k, _ in response.headers.items() if _is_rate_limit_header(k)]:
                del response.headers[key]
            return
        for key, value in sandbox.limiter.headers(buckets, sandbox.account.now()).items():
            response.headers.setdefault(key, value)
        if route == "import" and sandbox.config.max_jobs:
            active, wait = sandbox.account.inflight_jobs()
            resets = format_wait(wait) if active else "0"
            response.headers["zendesk-ratelimit-inflight-jobs"] = (
                f"total={sandbox.config.max_jobs}; "
                f"remaining={max(0, sandbox.config.max_jobs - active)}; resets={resets}"
            )


RATE_LIMIT_HEADER_PREFIXES = ("x-rate-limit", "ratelimit-", "zendesk-ratelimit-")


def _is_rate_limit_header(name: str) -> bool:
    return name.lower().startswith(RATE_LIMIT_HEADER_PREFIXES)


def _run(endpoint: Endpoint, call: Call) -> Response:
    try:
        return endpoint.handler(call)
    except ApiError as error:
        return error_response(error)
