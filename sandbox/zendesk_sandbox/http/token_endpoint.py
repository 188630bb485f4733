"""``POST /oauth/tokens``: the HTTP side of the OAuth server (oauth.py)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.responses import json_response


def handle_token_request(call: Call) -> Response:
    """``POST /oauth/tokens``; the body must be JSON, as Zendesk's reference says."""
    assert call.oauth is not None  # the app hands every call its account's OAuth server
    body = call.request.get_json(silent=True)  # None unless the body is JSON, and says so
    status, answer = call.oauth.token_request(body)
    return json_response(answer, status, {"Cache-Control": "no-store"})
