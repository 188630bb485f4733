"""The WSGI application: routing and the path every API request takes.

An API request goes: route (unknown -> 404 ``InvalidEndpoint``) -> authenticate (401) ->
check role and scope (403) -> scripted fault, if one is queued for the route -> rate limits
(429) -> handler. Requests refused before the rate limits, and requests that take a fault,
are not counted against the limits (and a faulted request is never refused by them).
Every API response carries the rate-limit headers of the buckets it belongs to.

``POST /oauth/tokens`` (``oauth.py``) takes the same path without the sign-in and the
rate limits: a token request carries its client's credentials in its body.
``/_sandbox/...`` is the admin API (no auth, see ``admin.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from zendesk_sandbox import admin, api
from zendesk_sandbox.auth import auth_mode, authenticate, require
from zendesk_sandbox.config import ACCOUNT_BUCKET, EXPORT_BUCKET
from zendesk_sandbox.context import Call
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.export import handle_export
from zendesk_sandbox.faults import Fault
from zendesk_sandbox.oauth import handle_token_request
from zendesk_sandbox.ratelimit import format_wait
from zendesk_sandbox.requestlog import safe_query, safe_target
from zendesk_sandbox.responses import error_response

if TYPE_CHECKING:
    from zendesk_sandbox.server import Sandbox

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


ENDPOINTS = {
    "export": Endpoint(handle_export, "export", True, "read", (ACCOUNT_BUCKET, EXPORT_BUCKET)),
    "import": Endpoint(api.handle_create_many, "import", True, "write"),
    "job_list": Endpoint(api.handle_job_list, "job_status"),
    "job_show_many": Endpoint(api.handle_job_show_many, "job_status"),
    "job_show": Endpoint(api.handle_job_show, "job_status"),
    "ticket_list": Endpoint(api.handle_ticket_list, "tickets"),
    "ticket_show": Endpoint(api.handle_ticket_show, "tickets"),
    "oauth_tokens": Endpoint(handle_token_request, "oauth", buckets=(), signed_in=False),
}

# Paths without ".json"; the app strips the suffix before matching, so both forms work.
API_MAP = Map(
    [
        Rule("/api/v2/incremental/tickets/cursor", endpoint="export", methods=["GET"]),
        Rule("/api/v2/imports/tickets/create_many", endpoint="import", methods=["POST"]),
        Rule("/api/v2/job_statuses", endpoint="job_list", methods=["GET"]),
        Rule("/api/v2/job_statuses/show_many", endpoint="job_show_many", methods=["GET"]),
        Rule("/api/v2/job_statuses/<job_id>", endpoint="job_show", methods=["GET"]),
        Rule("/api/v2/tickets", endpoint="ticket_list", methods=["GET"]),
        Rule("/api/v2/tickets/<int:ticket_id>", endpoint="ticket_show", methods=["GET"]),
        Rule("/oauth/tokens", endpoint="oauth_tokens", methods=["POST"]),
    ]
)


class FaultResetError(ConnectionAbortedError):
    """Raised to make werkzeug drop the connection (silently) for a ``reset`` fault."""


class SandboxApp:
    """The WSGI callable serving one sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def __call__(self, environ: dict, start_response: Callable) -> object:
        request = Request(environ)
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            response = admin.dispatch(self.sandbox, request)
        else:
            response = self._serve_api(request)
        return response(environ, start_response)

    def _serve_api(self, request: Request) -> Response:
        sandbox = self.sandbox
        entry = {
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
            self._add_limit_headers(response, "unknown")
            entry["status"] = response.status_code
            return response
        endpoint = ENDPOINTS[name]
        entry["route"] = endpoint.route
        call = Call(request, sandbox.account, sandbox.base_url, request.path, values, sandbox.oauth)
        try:
            if endpoint.signed_in:
                caller = authenticate(
                    request.headers.get("Authorization"),
                    sandbox.config.credentials,
                    sandbox.oauth.caller,
                )
                require(caller, admin=endpoint.admin_only, scope=endpoint.scope)
            fault = sandbox.faults.take(endpoint.route)
            if fault is None:
                sandbox.limiter.admit(endpoint.buckets, sandbox.account.now())
                response = endpoint.handler(call)
            else:
                entry["fault"] = fault.kind
                response = self._act_out(fault, endpoint, call)
        except ApiError as error:
            response = error_response(error)
        self._add_limit_headers(response, endpoint.route)
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

    def _add_limit_headers(self, response: Response, route: str) -> None:
        sandbox = self.sandbox
        buckets = (ACCOUNT_BUCKET, EXPORT_BUCKET) if route == "export" else ACCOUNT_ONLY
        for key, value in sandbox.limiter.headers(buckets, sandbox.account.now()).items():
            response.headers.setdefault(key, value)
        if route == "import" and sandbox.config.max_jobs:
            active, wait = sandbox.account.inflight_jobs()
            resets = format_wait(wait, sandbox.config.job_delay) if active else "0"
            response.headers["zendesk-ratelimit-inflight-jobs"] = (
                f"total={sandbox.config.max_jobs}; "
                f"remaining={max(0, sandbox.config.max_jobs - active)}; resets={resets}"
            )


def _run(endpoint: Endpoint, call: Call) -> Response:
    try:
        return endpoint.handler(call)
    except ApiError as error:
        return error_response(error)
