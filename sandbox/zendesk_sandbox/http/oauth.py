"""Zendesk's OAuth server, as far as a server-side connector meets it.

OAuth clients (identifier and secret), the client-credentials and refresh-token grants
that ``POST /oauth/tokens`` (token_endpoint.py) answers, and the access tokens those hand
out. Tokens expire on the
sandbox clock after the lifetimes a request asked for (``expires_in``,
``refresh_token_expires_in``, within Zendesk's bounds, which tests may lower), else after
``access_token_lifetime`` / ``refresh_token_lifetime`` seconds (settable far below Zendesk's
minimums, so tests stay fast). A refresh hands out a new pair and
invalidates the old one, access token included. The authorization-code flow needs a browser;
``issue`` stands in for it and hands out a pair directly.

What Zendesk documents and what is this sandbox's guess is listed in docs/sandbox.md; where
Zendesk says nothing, the sandbox is the stricter of the plausible choices.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.http.auth import ADMIN, AGENT, Caller

# Error bodies in the OAuth 2.0 shape (RFC 6749 section 5.2) with the descriptions of the
# Rails OAuth server Zendesk answers with; INVALID_TOKEN is quoted from live reports.
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": (
        "The access token provided is expired, revoked, malformed or invalid for other reasons."
    ),
}
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": (
        "Client authentication failed due to unknown client, no client authentication "
        "included, or unsupported authentication method."
    ),
}
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": (
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    ),
}
INVALID_SCOPE = {
    "error": "invalid_scope",
    "error_description": "The requested scope is invalid, unknown, or malformed.",
}
INVALID_REQUEST = {
    "error": "invalid_request",
    "error_description": (
        "The request is missing a required parameter, includes an unsupported parameter "
        "value, or is otherwise malformed."
    ),
}
UNSUPPORTED_GRANT_TYPE = {
    "error": "unsupported_grant_type",
    "error_description": (
        "The authorization grant type is not supported by the authorization server."
    ),
}

#: ``read``, ``write``, ``impersonate``, or a resource scope such as ``tickets:read``.
SCOPE = re.compile(r"^(?:read|write|impersonate|[a-z_]+:(?:read|write))$")
DEFAULT_CLIENT_SCOPES = frozenset({"read", "write"})
ROLES = (ADMIN, AGENT)


@dataclass(frozen=True)
class OAuthClient:
    """A confidential client; its tokens act as the user who made it (``role``)."""

    identifier: str
    secret: str
    scopes: frozenset[str] = DEFAULT_CLIENT_SCOPES
    role: str = ADMIN

    def public(self) -> dict:
        """What the admin API shows: everything but the secret."""
        return {"identifier": self.identifier, "scopes": sorted(self.scopes), "role": self.role}


@dataclass
class _Token:
    client: str
    scopes: frozenset[str]
    role: str
    expires_at: float
    revoked: bool = False
    #: Refresh tokens only: the access token issued with it, invalidated by the refresh.
    pair: str | None = None


class OAuthServer:
    """Clients and tokens of one sandbox account. Thread-safe."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        credentials = config.credentials
        self._clients = {
            credentials.oauth_client_id: OAuthClient(
                credentials.oauth_client_id, credentials.oauth_client_secret
            )
        }
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._grants: Counter[str] = Counter()
        self._refusals: Counter[str] = Counter()

    # -- clients -------------------------------------------------------------------------

    def add_client(
        self,
        identifier: str,
        secret: str,
        scopes: Iterable[str] | str = DEFAULT_CLIENT_SCOPES,
        role: str = ADMIN,
    ) -> dict:
        """Create (or replace) a client; ValueError for a bad identifier, scope or role."""
        if not isinstance(identifier, str) or not identifier.strip():
            raise ValueError('"identifier" must be a non-empty string')
        if not isinstance(secret, str) or len(secret) < 8:
            raise ValueError('"secret" must be a string of at least 8 characters')
        if role not in ROLES:
            raise ValueError(f'"role" must be one of {ROLES}')
        allowed = parse_scopes(scopes)
        if not allowed:
            raise ValueError(
                f'"scopes" must name known scopes such as "read write", not {scopes!r}'
            )
        client = OAuthClient(identifier, secret, allowed, role)
        with self._lock:
            self._clients[identifier] = client
        return client.public()

    def clients(self) -> list[dict]:
        with self._lock:
            return [client.public() for client in self._clients.values()]

    # -- the token endpoint --------------------------------------------------------------

    def token_request(self, body: object) -> tuple[int, dict]:
        """Answer ``POST /oauth/tokens``: ``(status, JSON body)``."""
        with self._lock:
            try:
                answer = self._grant(body)
            except ApiError as error:
                body = error.body if isinstance(error.body, dict) else {"error": error.body}
                self._refusals[str(body.get("error"))] += 1
                return error.status, body
            return 201, answer  # Zendesk's OpenAPI description: 201 Created

    def _grant(self, body: object) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, INVALID_REQUEST)
        grant_type = body.get("grant_type")
        if grant_type not in ("client_credentials", "refresh_token"):
            raise ApiError(400, UNSUPPORTED_GRANT_TYPE if grant_type else INVALID_REQUEST)
        client = self._authenticate_client(body.get("client_id"), body.get("client_secret"))
        lifetimes = self._lifetimes(body)
        requested = body.get("scope")
        if grant_type == "client_credentials":
            scopes = _requested_scopes(requested, allowed=client.scopes)
            answer = self._new_access(client.identifier, scopes, client.role, lifetimes)
        else:
            answer = self._rotate(client, body.get("refresh_token"), requested, lifetimes)
        self._grants[grant_type] += 1
        return answer

    def _lifetimes(self, body: dict) -> tuple[float, float]:
        """The lifetimes asked for (``expires_in``, ``refresh_token_expires_in``), else the
        account's; a 400 outside Zendesk's bounds (``*_lifetime_range``)."""
        config = self.config
        chosen = []
        for name, default, (shortest, longest) in (
            ("expires_in", config.access_token_lifetime, config.access_token_lifetime_range),
            (
                "refresh_token_expires_in",
                config.refresh_token_lifetime,
                config.refresh_token_lifetime_range,
            ),
        ):
            asked = body.get(name)
            if asked is None:
                chosen.append(float(default))
            elif type(asked) is int and shortest <= asked <= longest:
                chosen.append(float(asked))
            else:
                raise ApiError(400, _lifetime_refused(name, shortest, longest))
        return chosen[0], chosen[1]

    def _authenticate_client(self, identifier: object, secret: object) -> OAuthClient:
        client = self._clients.get(identifier) if isinstance(identifier, str) else None
        if client is None or not isinstance(secret, str) or not _same(secret, client.secret):
            raise ApiError(401, INVALID_CLIENT)
        return client

    def _rotate(
        self,
        client: OAuthClient,
        token: object,
        requested: object,
        lifetimes: tuple[float, float],
    ) -> dict:
        record = self._refresh.get(token) if isinstance(token, str) else None
        if record is None or record.client != client.identifier or not self._live(record):
            raise ApiError(400, INVALID_GRANT)
        # A refresh may narrow the scopes, never widen them; omitted means the same.
        if requested is None or requested == "":
            scopes = record.scopes
        else:
            scopes = _requested_scopes(requested, allowed=record.scopes)
        record.revoked = True
        if record.pair in self._access:
            self._access[record.pair].revoked = True
        return self._new_pair(client.identifier, scopes, record.role, lifetimes)

    # -- issuing -------------------------------------------------------------------------

    def issue(
        self, client_id: str | None = None, scopes: Iterable[str] | str | None = None
    ) -> dict:
        """A token pair as the authorization-code flow would hand it to ``client_id``."""
        with self._lock:
            identifier = client_id or self.config.credentials.oauth_client_id
            client = self._clients.get(identifier)
            if client is None:
                raise KeyError(f"no OAuth client {identifier!r}")
            granted = client.scopes if scopes is None else parse_scopes(scopes)
            if not granted or not granted <= client.scopes:
                raise ValueError(f"scopes {scopes!r} are not a subset of {sorted(client.scopes)}")
            self._grants["authorization_code"] += 1
            config = self.config
            lifetimes = (config.access_token_lifetime, config.refresh_token_lifetime)
            return self._new_pair(client.identifier, granted, client.role, lifetimes)

    def _new_access(
        self, client: str, scopes: frozenset[str], role: str, lifetimes: tuple[float, float]
    ) -> dict:
        token = secrets.token_hex(32)
        lifetime = lifetimes[0]
        self._access[token] = _Token(client, scopes, role, self._clock() + lifetime)
        return {
            "access_token": token,
            "token_type": "bearer",
            "scope": " ".join(sorted(scopes)),
            "expires_in": _whole_or_float(lifetime),
        }

    def _new_pair(
        self, client: str, scopes: frozenset[str], role: str, lifetimes: tuple[float, float]
    ) -> dict:
        answer = self._new_access(client, scopes, role, lifetimes)
        token = secrets.token_hex(32)
        lifetime = lifetimes[1]
        self._refresh[token] = _Token(
            client, scopes, role, self._clock() + lifetime, pair=answer["access_token"]
        )
        return {
            **answer,
            "refresh_token": token,
            "refresh_token_expires_in": _whole_or_float(lifetime),
        }

    # -- using and revoking tokens -------------------------------------------------------

    def caller(self, token: str) -> Caller | None:
        """Who a bearer token signs in as; None if unknown, the 401 if expired or revoked."""
        with self._lock:
            record = self._access.get(token)
            if record is None:
                return None
            if not self._live(record):
                raise ApiError(401, INVALID_TOKEN)
            return Caller(record.role, record.scopes)

    def revoke(self, client_id: str | None = None, *, refresh_tokens: bool = False) -> int:
        """Revoke the live access tokens (and refresh tokens) of a client, or of every client."""
        with self._lock:
            kinds = [self._access, self._refresh] if refresh_tokens else [self._access]
            revoked = 0
            for tokens in kinds:
                for record in tokens.values():
                    if (client_id is None or record.client == client_id) and self._live(record):
                        record.revoked = True
                        revoked += 1
            return revoked

    def stats(self) -> dict:
        """Grants answered, refusals by error code, and live tokens (no token values)."""
        with self._lock:
            return {
                "grants": dict(self._grants),
                "refused": dict(self._refusals),
                "live_access_tokens": sum(map(self._live, self._access.values())),
                "live_refresh_tokens": sum(map(self._live, self._refresh.values())),
            }

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token handed out, for tests that search output for them."""
        with self._lock:
            return [*self._access, *self._refresh]

    def _live(self, record: _Token) -> bool:
        return not record.revoked and self._clock() < record.expires_at


def parse_scopes(scopes: Iterable[str] | str) -> frozenset[str]:
    """A set of known scopes; empty if any is unknown (or none is given)."""
    words = scopes.split() if isinstance(scopes, str) else list(scopes)
    if not all(isinstance(word, str) and SCOPE.match(word) for word in words):
        return frozenset()
    return frozenset(words)


def _requested_scopes(requested: object, *, allowed: frozenset[str]) -> frozenset[str]:
    """The scopes a token gets. A known scope the client does not allow is a 400; a word
    that is no scope at all is granted as asked and grants nothing, so the API refuses the
    token later with a 403 naming the scope it needs (as recorded of Zendesk)."""
    words = frozenset(requested.split()) if isinstance(requested, str) else frozenset()
    known = frozenset(word for word in words if SCOPE.match(word))
    if not words or not known <= allowed:
        raise ApiError(400, INVALID_SCOPE)
    return words


def _lifetime_refused(name: str, shortest: float, longest: float) -> dict:
    return {
        "error": "invalid_request",
        "error_description": (
            f"{name} must be a whole number of seconds from {shortest:g} to {longest:g}."
        ),
    }


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _whole_or_float(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds
