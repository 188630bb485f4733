"""Zendesk's OAuth token endpoint, ``POST {base}/oauth/tokens``: one token request.

The request is a JSON body (``grant_type``, ``client_id``, ``client_secret``, ``scope``,
``refresh_token`` for that grant, and the lifetimes asked for, ``expires_in`` and
``refresh_token_expires_in``); the answer (201 Created) carries ``access_token``, and where
Zendesk sets them ``expires_in``, ``refresh_token`` and ``refresh_token_expires_in``
(seconds). It goes through :class:`~zendesk_api.http.ZendeskClient` and its retry policy
like any other call: a token request is safe to repeat, so a 5xx, a 429 or a lost
connection is asked again within a small fixed budget.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import requests

from zendesk_api.auth import ZendeskAuth
from zendesk_api.connection import ZendeskConnection
from zendesk_api.errors import ZendeskError, ZendeskResponseError
from zendesk_api.http import DISTRIBUTION, ZendeskClient
from zendesk_api.redaction import register_secret
from zendesk_api.retry import RetryBudget

TOKEN_PATH = "/oauth/tokens"  # noqa: S105 - a path, not a password
_FIXED = "fixed for token requests"
#: Enough to ride out a short outage; a long one ends the run with a clear message
#: instead of keeping it waiting with an expired token.
TOKEN_BUDGET = RetryBudget(
    error_retries=3,
    error_setting=_FIXED,
    wait_limit=120.0,
    wait_setting=_FIXED,
    retries=6,
    retries_setting=_FIXED,
)


class OAuthError(ZendeskError):
    """Zendesk refused a token request (client, grant or scopes), or it could not be made.

    ``str()`` is one line that says what to check; asking again would not help.
    """


@dataclass(frozen=True)
class IssuedTokens:
    """What one token request obtained; lifetimes in seconds, ``None`` when not given."""

    access_token: str
    expires_in: float | None
    refresh_token: str | None
    refresh_expires_in: float | None
    scope: str | None


class _CredentialsInBody(ZendeskAuth):
    """The token endpoint reads the client's id and secret from the JSON body: no header."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request

    @property
    def mode(self) -> str:
        return "OAuth client"


class TokenEndpoint:
    """Token requests to one account, with the connection's timeouts and retry waits."""

    def __init__(self, connection: ZendeskConnection) -> None:
        self._connection = dataclasses.replace(connection, auth=_CredentialsInBody())
        self._client: ZendeskClient | None = None

    @property
    def client(self) -> ZendeskClient:
        if self._client is None:  # no session until a token is really needed
            self._client = ZendeskClient(self._connection, DISTRIBUTION)
        return self._client

    def request(self, body: dict[str, str | int]) -> IssuedTokens:
        """POST ``body``; ZendeskHTTPError for a refusal, RetriesExhaustedError past the budget."""
        client = self.client
        return client.policy.call(
            lambda: parse_answer(client.fetch("POST", TOKEN_PATH, body=body)),
            what=f"POST {TOKEN_PATH}",
            budget=TOKEN_BUDGET,
        )


def parse_answer(answer: Any) -> IssuedTokens:
    """The tokens of a 2xx answer; each is registered as a secret before anything else."""
    if not isinstance(answer, dict):
        raise ZendeskResponseError(
            f"Zendesk answered POST {TOKEN_PATH} with JSON that is not an object"
        )
    access_token = answer.get("access_token")
    refresh_token = answer.get("refresh_token")
    for value in (access_token, refresh_token):
        if isinstance(value, str):
            register_secret(value)
    if not isinstance(access_token, str) or not access_token:
        raise ZendeskResponseError(
            f"Zendesk answered POST {TOKEN_PATH} without an access_token "
            f"(fields: {', '.join(sorted(answer)) or 'none'})"
        )
    token_type = answer.get("token_type")
    if isinstance(token_type, str) and token_type.lower() != "bearer":
        raise ZendeskResponseError(
            f"Zendesk answered POST {TOKEN_PATH} with a {token_type!r} token; expected bearer"
        )
    scope = answer.get("scope")
    return IssuedTokens(
        access_token=access_token,
        expires_in=_seconds(answer.get("expires_in")),
        refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
        refresh_expires_in=_seconds(answer.get("refresh_token_expires_in")),
        scope=scope if isinstance(scope, str) else None,
    )


def _seconds(value: Any) -> float | None:
    """A lifetime in seconds; missing, not a number or not positive counts as not given."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds > 0 and math.isfinite(seconds) else None
