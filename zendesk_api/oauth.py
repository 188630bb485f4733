"""OAuth credentials that renew themselves: the client-credentials grant
(``zendesk.oauthClientId`` and ``zendesk.oauthClientSecret``) and the refresh-token grant
(those two with ``zendesk.oauthRefreshToken`` and ``zendesk.oauthTokenFile``).

The access token is checked each time a request is about to be sent, and renewed once less
than :data:`RENEW_SHARE` of its lifetime is left (Zendesk's tokens live 5 minutes to 2 days,
30 minutes by default), not at the last second: a request may wait on a slow connection,
and clocks differ. If Zendesk refuses a token with a 401 all the same (revoked early), it is
renewed once more and ``ZendeskClient.send`` sends the request again. Renewals are taken one
at a time: the target's threads share one credential, and the first to find it due renews it
for all.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import requests

from zendesk_api.auth import OAuthTokenAuth
from zendesk_api.connection import ZendeskConnection
from zendesk_api.durations import format_duration
from zendesk_api.errors import ZendeskHTTPError
from zendesk_api.redaction import register_secret
from zendesk_api.retry import RetriesExhaustedError
from zendesk_api.token_endpoint import IssuedTokens, OAuthError, TokenEndpoint
from zendesk_api.token_file import StoredTokens, TokenFile, fingerprint

logger = logging.getLogger(__name__)

#: Renew once less than this share of the token's lifetime is left (6 of 30 minutes).
RENEW_SHARE = 0.2
CLIENT_SETTINGS = "zendesk.oauthClientId and zendesk.oauthClientSecret"
_ADMIN_CENTER = "Admin Center > Apps and integrations > APIs > OAuth clients"


@dataclass(frozen=True)
class Lifetimes:
    """Token lifetimes to ask Zendesk for, in whole seconds (None: Zendesk's defaults).

    Zendesk honours ``expires_in`` from 5 minutes to 2 days and ``refresh_token_expires_in``
    from 7 to 90 days, and refuses others (the message names the settings).
    """

    access: int | None = None
    refresh: int | None = None


@dataclass(frozen=True)
class Obtained:
    """An access token ready to use, and how long it has left (``None``: no expiry given)."""

    access_token: str
    lifetime: float | None
    remaining: float | None
    #: Added to the log line: where the token came from, what came with it.
    note: str = ""


class Grant(ABC):
    """How to get an access token for one OAuth client."""

    #: For messages: ``client-credentials grant``, ``refresh-token grant``.
    name: str
    settings: str

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        scopes: str,
        *,
        lifetimes: Lifetimes | None = None,
    ) -> None:
        register_secret(client_secret)
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.lifetimes = lifetimes or Lifetimes()

    def restore(self) -> Obtained | None:
        """A token kept from an earlier run that is still good, if the grant keeps any."""
        return None

    @abstractmethod
    def obtain(self, endpoint: TokenEndpoint) -> Obtained:
        """Ask Zendesk for a new access token."""

    def body(self, grant_type: str) -> dict[str, str | int]:
        body: dict[str, str | int] = {
            "grant_type": grant_type,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": self.scopes,
        }
        if self.lifetimes.access is not None:
            body["expires_in"] = self.lifetimes.access
        if self.lifetimes.refresh is not None and grant_type == "refresh_token":
            body["refresh_token_expires_in"] = self.lifetimes.refresh
        return body

    def explain(self, error: ZendeskHTTPError) -> str:
        """What a refused token request means, and which setting to check."""
        code = (error.code or "").lower()
        if error.status == 401 or code == "invalid_client":
            hint = (
                f"Zendesk refused the OAuth client '{self.client_id}': check "
                "zendesk.oauthClientId (the client's unique identifier) and "
                f"zendesk.oauthClientSecret ({_ADMIN_CENTER}; a confidential client made by "
                "an admin)"
            )
        elif code == "invalid_scope":
            hint = (
                f"Zendesk refused the scopes '{self.scopes}': check zendesk.oauthScopes "
                f"against the scopes the OAuth client '{self.client_id}' allows"
            )
        elif error.status == 404:
            hint = f"no token endpoint at {error.path}: check zendesk.domain"
        elif code == "invalid_request" and self.lifetimes != Lifetimes():
            hint = (
                "Zendesk refused the token lifetimes asked for: check "
                "zendesk.oauthTokenLifetime (5m to 48h) and zendesk.oauthRefreshTokenLifetime "
                "(7 to 90 days)"
            )
        else:
            hint = self.refusal_hint(code)
        return f"{str(error).rstrip('.')}. {hint}"

    def refusal_hint(self, code: str) -> str:
        return f"Zendesk refused the {self.name} for the OAuth client '{self.client_id}'"


class ClientCredentialsGrant(Grant):
    """A token on behalf of the admin who made the client; no refresh token needed."""

    name = "client-credentials grant"
    settings = CLIENT_SETTINGS

    def obtain(self, endpoint: TokenEndpoint) -> Obtained:
        tokens = endpoint.request(self.body("client_credentials"))
        return Obtained(tokens.access_token, tokens.expires_in, tokens.expires_in)

    def refusal_hint(self, code: str) -> str:
        return (
            f"The OAuth client '{self.client_id}' may not use the client-credentials grant: "
            "it must be a confidential client (Zendesk offers the grant since March 2025)"
        )


class RefreshTokenGrant(Grant):
    """Trades the refresh token for a new pair, keeping the newest pair in the token file."""

    name = "refresh-token grant"
    settings = f"{CLIENT_SETTINGS}, zendesk.oauthRefreshToken and zendesk.oauthTokenFile"

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        scopes: str,
        *,
        refresh_token: str,
        token_file: TokenFile,
        wall_clock: Callable[[], float] = time.time,
        lifetimes: Lifetimes | None = None,
    ) -> None:
        super().__init__(client_id, client_secret, scopes, lifetimes=lifetimes)
        register_secret(refresh_token)
        self.token_file = token_file
        self._origin = fingerprint(refresh_token)
        self._refresh_token = refresh_token
        self._source = "zendesk.oauthRefreshToken"
        self._wall_clock = wall_clock

    def restore(self) -> Obtained | None:
        stored = self.token_file.load()
        path = self.token_file.path
        if stored is None:
            return None
        if stored.client_id != self.client_id or stored.descends_from != self._origin:
            logger.info(
                "The token file %s holds tokens of another refresh token or client; "
                "starting from zendesk.oauthRefreshToken (the file is replaced at the refresh)",
                path,
            )
            return None
        self._refresh_token = stored.refresh_token
        self._source = f"the token file {path}"
        expires_at = stored.access_token_expires_at
        if stored.access_token is None or expires_at is None or stored.scope != self.scopes:
            return None
        lifetime = expires_at - stored.issued_at
        remaining = expires_at - self._wall_clock()
        if lifetime <= 0 or remaining <= lifetime * RENEW_SHARE:
            return None
        return Obtained(stored.access_token, lifetime, remaining, note=f"kept in {path}")

    def obtain(self, endpoint: TokenEndpoint) -> Obtained:
        body = {**self.body("refresh_token"), "refresh_token": self._refresh_token}
        with self.token_file.reserve() as pending:
            issued_at = self._wall_clock()
            tokens = endpoint.request(body)
            # Zendesk always rotates; a server that does not keeps the token it was sent.
            self._refresh_token = tokens.refresh_token or self._refresh_token
            note = self._save(pending.commit, tokens, issued_at)
        return Obtained(tokens.access_token, tokens.expires_in, tokens.expires_in, note=note)

    def _save(
        self, commit: Callable[[StoredTokens], None], tokens: IssuedTokens, issued_at: float
    ) -> str:
        path = self.token_file.path
        refresh_lifetime = tokens.refresh_expires_in
        try:
            commit(
                StoredTokens(
                    client_id=self.client_id,
                    descends_from=self._origin,
                    issued_at=issued_at,
                    refresh_token=self._refresh_token,
                    refresh_token_expires_at=_after(issued_at, refresh_lifetime),
                    access_token=tokens.access_token,
                    access_token_expires_at=_after(issued_at, tokens.expires_in),
                    scope=tokens.scope or self.scopes,
                )
            )
        except OSError as exc:
            # The new pair is still in memory: this run goes on, and each later refresh
            # tries the file again. Only a run after this one would start from a spent token.
            logger.error(
                "Could not save the new OAuth tokens to %s (%s): if no later refresh of this "
                "run saves them, the next run needs a new zendesk.oauthRefreshToken",
                path,
                exc.strerror or exc,
            )
            return "not saved"
        self._source = f"the token file {path}"
        if refresh_lifetime is None:
            return f"new refresh token kept in {path}"
        return f"new refresh token valid for {format_duration(refresh_lifetime)}, kept in {path}"

    def refusal_hint(self, code: str) -> str:
        if code == "invalid_grant":
            return (
                f"Zendesk refused the refresh token from {self._source}: it has expired, was "
                "revoked, or was used already (each refresh replaces it). Get a new refresh "
                "token through the authorization-code flow and set zendesk.oauthRefreshToken "
                f"to it; {self.token_file.path} then starts again from it"
            )
        return super().refusal_hint(code)


class RenewingOAuthAuth(OAuthTokenAuth):
    """A Bearer credential that obtains its token through ``grant`` and renews it."""

    renewable = True

    def __init__(self, grant: Grant, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.grant = grant
        self.settings = grant.settings
        self._clock = clock
        self._lock = threading.Lock()
        self._endpoint: TokenEndpoint | None = None
        self._bearer: str | None = None
        self._renew_at: float | None = None
        #: Access tokens obtained so far in this run.
        self.obtained = 0

    def connect(self, connection: ZendeskConnection) -> None:
        """Where to ask for tokens: the account, timeouts and retry waits of ``connection``."""
        self._endpoint = TokenEndpoint(connection)

    @property
    def mode(self) -> str:
        return f"OAuth {self.grant.name} of client '{self.grant.client_id}'"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            if self._bearer is None:
                self._start()
            elif self._renew_at is not None and self._clock() >= self._renew_at:
                self._renew("Renewed the OAuth access token before it expires")
        return super().__call__(request)

    def renew_after_401(self, request: requests.PreparedRequest) -> bool:
        sent = request.headers.get("Authorization")
        with self._lock:
            if sent is not None and sent == self._bearer:
                logger.info(
                    "Zendesk refused the OAuth access token (HTTP 401) before it was due for "
                    "renewal, so it was revoked or expired early; renewing it now"
                )
                self._renew("Renewed the OAuth access token after a 401")
            # Otherwise another request renewed it meanwhile: send again with the new one.
        return True

    def _start(self) -> None:
        restored = self.grant.restore()
        if restored is not None:
            self._use(restored, "Using the OAuth access token")
        else:
            self._renew("Obtained an OAuth access token")

    def _renew(self, what: str) -> None:
        if self._endpoint is None:
            raise RuntimeError("RenewingOAuthAuth.connect() was not called")
        started = self._clock()
        try:
            obtained = self.grant.obtain(self._endpoint)
        except ZendeskHTTPError as exc:
            raise OAuthError(self.grant.explain(exc)) from None
        except RetriesExhaustedError as exc:
            raise OAuthError(
                f"Could not obtain an OAuth access token for the client "
                f"'{self.grant.client_id}': {exc}"
            ) from None
        self.obtained += 1
        self._use(obtained, what, started=started)

    def _use(self, obtained: Obtained, what: str, *, started: float | None = None) -> None:
        register_secret(obtained.access_token)
        self._bearer = f"Bearer {obtained.access_token}"
        self._use_header(self._bearer)
        start = self._clock() if started is None else started
        lifetime, remaining = obtained.lifetime, obtained.remaining
        if lifetime is None or remaining is None:
            self._renew_at = None
            validity = "no lifetime given, so it is renewed only if Zendesk refuses it"
        else:
            due_in = max(0.0, remaining - lifetime * RENEW_SHARE)
            self._renew_at = start + due_in
            validity = (
                f"valid for {format_duration(remaining)}, renewed after {format_duration(due_in)}"
            )
        logger.info(
            "%s (%s, client '%s', scopes '%s'): %s%s",
            what,
            self.grant.name,
            self.grant.client_id,
            self.grant.scopes,
            validity,
            f"; {obtained.note}" if obtained.note else "",
        )


def _after(start: float, seconds: float | None) -> float | None:
    return None if seconds is None else start + seconds
