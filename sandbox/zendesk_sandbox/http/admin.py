"""The admin API under ``/_sandbox/``: scripting and inspecting the sandbox over HTTP.

Real Zendesk has no such path. It needs no auth, speaks JSON, and mirrors the in-process
methods of ``Sandbox`` one for one (see docs/sandbox.md). Bad input is a 400 with
``{"error": "BadRequest", "description": ...}``, unknown tickets or paths a 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from zendesk_sandbox.http.controls import SandboxControls
from zendesk_sandbox.http.faults import Fault
from zendesk_sandbox.http.responses import json_response

ADMIN_MAP = Map(
    [
        Rule("/_sandbox/faults", endpoint="faults", methods=["GET", "POST", "DELETE"]),
        Rule("/_sandbox/tickets/update", endpoint="update", methods=["POST"]),
        Rule("/_sandbox/tickets/delete", endpoint="delete", methods=["POST"]),
        Rule("/_sandbox/tickets/add", endpoint="add", methods=["POST"]),
        Rule("/_sandbox/tickets/<int:ticket_id>", endpoint="ticket", methods=["GET"]),
        Rule("/_sandbox/clock", endpoint="clock", methods=["GET", "POST"]),
        Rule("/_sandbox/imported", endpoint="imported", methods=["GET"]),
        Rule("/_sandbox/imports", endpoint="imports", methods=["GET"]),
        Rule("/_sandbox/requests", endpoint="requests", methods=["GET", "DELETE"]),
        Rule("/_sandbox/jobs", endpoint="jobs", methods=["GET"]),
        Rule("/_sandbox/jobs/foreign", endpoint="foreign_jobs", methods=["POST"]),
        Rule("/_sandbox/config", endpoint="config", methods=["GET", "POST"]),
        Rule("/_sandbox/stats", endpoint="stats", methods=["GET"]),
        Rule("/_sandbox/oauth", endpoint="oauth", methods=["GET"]),
        Rule("/_sandbox/oauth/clients", endpoint="oauth_clients", methods=["GET", "POST"]),
        Rule("/_sandbox/oauth/tokens", endpoint="oauth_tokens", methods=["POST"]),
        Rule("/_sandbox/oauth/revoke", endpoint="oauth_revoke", methods=["POST"]),
    ]
)


def dispatch(sandbox: SandboxControls, request: Request) -> Response:
    """Answer one admin request."""
    try:
        name, values = ADMIN_MAP.bind("sandbox").match(request.path, method=request.method)
    except HTTPException:
        return _error(404, "NotFound", f"no admin endpoint {request.method} {request.path}")
    try:
        return json_response(HANDLERS[name](sandbox, request, **values))
    except KeyError as error:
        return _error(404, "NotFound", str(error.args[0] if error.args else error))
    except (ValueError, TypeError) as error:
        return _error(400, "BadRequest", str(error))


def _error(status: int, code: str, description: str) -> Response:
    return json_response({"error": code, "description": description}, status)


def _json(request: Request) -> object:
    """The JSON a request sent (an empty body counts as ``{}``)."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ValueError("the body is not valid JSON") from None


def _body(request: Request) -> dict:
    """The JSON object a request sent."""
    data = _json(request)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _ids(body: dict) -> list[int]:
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(type(i) is int for i in ids):
        raise ValueError('"ids" must be a list of ticket ids')
    return ids


def _faults(sandbox: SandboxControls, request: Request) -> dict:
    if request.method == "POST":
        body = _json(request)
        items = body if isinstance(body, list) else [body]
        faults = [Fault.from_dict(item) for item in items]  # all valid, or none is added
        for fault in faults:
            sandbox.faults.add(fault)
    elif request.method == "DELETE":
        sandbox.clear_faults()
    return {"faults": sandbox.pending_faults()}


def _update(sandbox: SandboxControls, request: Request) -> dict:
    body = _body(request)
    changes = body.get("changes") or {}
    if not isinstance(changes, dict):
        raise ValueError('"changes" must be an object')
    return {"ids": sandbox.update_tickets(_ids(body), changes)}


def _delete(sandbox: SandboxControls, request: Request) -> dict:
    return {"ids": sandbox.delete_tickets(_ids(_body(request)))}


def _add(sandbox: SandboxControls, request: Request) -> dict:
    count = _body(request).get("count", 1)
    if type(count) is not int:
        raise ValueError('"count" must be an integer')
    return {"ids": sandbox.add_tickets(count)}


def _ticket(sandbox: SandboxControls, _request: Request, ticket_id: int) -> dict:
    return {"ticket": sandbox.exported_ticket(ticket_id)}


def _clock(sandbox: SandboxControls, request: Request) -> dict:
    if request.method == "POST":
        advance = _body(request).get("advance", 0)
        if isinstance(advance, bool) or not isinstance(advance, int | float):
            raise ValueError('"advance" must be a number of seconds')
        return {"now": sandbox.advance_clock(advance)}
    return {"now": sandbox.now()}


def _imported(sandbox: SandboxControls, _request: Request) -> dict:
    return {"tickets": sandbox.imported_tickets()}


def _imports(sandbox: SandboxControls, _request: Request) -> dict:
    return {"imports": sandbox.import_requests()}


def _requests(sandbox: SandboxControls, request: Request) -> dict:
    if request.method == "DELETE":
        sandbox.clear_request_log()
    return {"requests": sandbox.request_log()}


def _jobs(sandbox: SandboxControls, _request: Request) -> dict:
    return {"jobs": sandbox.jobs()}


def _foreign_jobs(sandbox: SandboxControls, request: Request) -> dict:
    body = _body(request)
    return {"ids": sandbox.start_foreign_jobs(body.get("count", 1), body.get("seconds", 3.0))}


def _config(sandbox: SandboxControls, request: Request) -> dict:
    if request.method == "POST":
        sandbox.configure(**_body(request))
    return sandbox.settings()


def _stats(sandbox: SandboxControls, _request: Request) -> dict:
    return sandbox.stats()


def _oauth(sandbox: SandboxControls, _request: Request) -> dict:
    return {**sandbox.oauth_stats(), "clients": sandbox.oauth.clients()}


def _oauth_clients(sandbox: SandboxControls, request: Request) -> dict:
    if request.method == "POST":
        body = _body(request)
        sandbox.add_oauth_client(
            body.get("identifier"),  # type: ignore[arg-type]  # add_client checks the types
            body.get("secret"),  # type: ignore[arg-type]
            body.get("scopes", "read write"),
            body.get("role", "admin"),
        )
    return {"clients": sandbox.oauth.clients()}


def _oauth_tokens(sandbox: SandboxControls, request: Request) -> dict:
    body = _body(request)
    return sandbox.issue_oauth_tokens(body.get("client_id"), body.get("scopes"))


def _oauth_revoke(sandbox: SandboxControls, request: Request) -> dict:
    body = _body(request)
    refresh = body.get("refresh_tokens", False)
    if not isinstance(refresh, bool):
        raise ValueError('"refresh_tokens" must be true or false')
    return {"revoked": sandbox.revoke_oauth_tokens(body.get("client_id"), refresh_tokens=refresh)}


HANDLERS: dict[str, Callable[..., dict]] = {
    "faults": _faults,
    "update": _update,
    "delete": _delete,
    "add": _add,
    "ticket": _ticket,
    "clock": _clock,
    "imported": _imported,
    "imports": _imports,
    "requests": _requests,
    "jobs": _jobs,
    "config": _config,
    "foreign_jobs": _foreign_jobs,
    "stats": _stats,
    "oauth": _oauth,
    "oauth_clients": _oauth_clients,
    "oauth_tokens": _oauth_tokens,
    "oauth_revoke": _oauth_revoke,
}
