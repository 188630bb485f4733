"""Who is calling, and may they? Zendesk's rules for API tokens and OAuth tokens.

Only the Authorization header counts, as on Zendesk. Basic auth must use the API-token form
``{email}/token:{token}``; a plain ``email:password`` pair is refused like a wrong token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from zendesk_sandbox.config import Credentials
from zendesk_sandbox.errors import ApiError

ADMIN = "admin"
AGENT = "agent"
FULL_ACCESS = frozenset({"read", "write"})

NOT_AUTHENTICATED = {"error": "Couldn't authenticate you"}
FORBIDDEN_ROLE = {
    "error": {
        "title": "Forbidden",
        "message": (
            "You do not have access to this page. Please contact the account owner of this "
            "help desk for further help."
        ),
    }
}


@dataclass(frozen=True)
class Caller:
    """An authenticated user: role decides admin-only endpoints, scopes limit OAuth tokens."""

    role: str
    scopes: frozenset[str]


def auth_mode(header: str | None) -> str:
    """``basic``, ``bearer``, ``none`` or ``other``: what the request log records (no secrets)."""
    if not header:
        return "none"
    scheme = header.split(" ", 1)[0].lower()
    return scheme if scheme in ("basic", "bearer") else "other"


#: Looks up a bearer token the OAuth server issued (see ``oauth.py``): its caller, None
#: when unknown, or the 401 ApiError when it expired or was revoked.
IssuedTokens = Callable[[str], "Caller | None"]


def authenticate(
    header: str | None, credentials: Credentials, issued: IssuedTokens | None = None
) -> Caller:
    """Return the caller named by an Authorization header, or raise the 401 ApiError."""
    caller = _identify(header or "", credentials, issued)
    if caller is None:
        raise ApiError(401, NOT_AUTHENTICATED)
    return caller


def require(caller: Caller, *, admin: bool, scope: str) -> None:
    """Raise the 403 Zendesk gives when the caller lacks the role or the OAuth scope."""
    if admin and caller.role != ADMIN:
        raise ApiError(403, FORBIDDEN_ROLE)
    if scope not in caller.scopes:
        raise ApiError(
            403,
            {
                "error": "Forbidden",
                "description": f"You are missing the following required scopes: {scope}",
            },
        )


def _identify(header: str, credentials: Credentials, issued: IssuedTokens | None) -> Caller | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        caller = _bearer_caller(value.strip(), credentials)
        if caller is None and issued is not None:
            caller = issued(value.strip())
        return caller
    if scheme.lower() == "basic":
        return _basic_caller(value.strip(), credentials)
    return None


def _bearer_caller(token: str, credentials: Credentials) -> Caller | None:
    if _same(token, credentials.oauth_token):
        return Caller(ADMIN, FULL_ACCESS)
    if _same(token, credentials.readonly_oauth_token):
        return Caller(ADMIN, frozenset({"read"}))
    return None


def _basic_caller(encoded: str, credentials: Credentials) -> Caller | None:
    try:
        username, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not username.endswith("/token"):
        return None  # email:password is no longer accepted
    email = username.removesuffix("/token").lower()
    users = (
        (credentials.admin_email, credentials.admin_token, ADMIN),
        (credentials.agent_email, credentials.agent_token, AGENT),
    )
    for user_email, user_token, role in users:
        # An API token carries all of its user's permissions.
        if email == user_email.lower() and _same(token, user_token):
            return Caller(role, FULL_ACCESS)
    return None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
