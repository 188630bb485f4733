"""Safe reads (job statuses, ticket lookups), asked again through trouble until a deadline.

A GET changes nothing on Zendesk, so after a 429, a 5xx, a timeout, a broken connection
or a malformed answer it is simply sent again: after ``Retry-After`` (else
``defaultRetryAfter``) for 429 and 503, after an exponential backoff from
``retryBackoff`` otherwise, for as long as the deadline allows. 401, 403, 404 and other
4xx answers are raised at once. A TLS or proxy failure (:class:`ZendeskSetupError`) is
asked again only :data:`SETUP_TRIES` times in all: it rarely passes by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from zendesk_api.advice import with_advice
from zendesk_api.auth import OAuthTokenAuth
from zendesk_api.durations import format_duration
from zendesk_api.errors import (
    ZendeskError,
    ZendeskHTTPError,
    ZendeskRateLimitError,
    ZendeskResponseError,
    ZendeskServerError,
    ZendeskTransportError,
    error_from_response,
)
from zendesk_api.http import ZendeskClient, ZendeskSetupError, decode_json
from zendesk_api.settings import ZendeskConnection

logger = logging.getLogger(__name__)

RETRIABLE = (ZendeskRateLimitError, ZendeskServerError, ZendeskTransportError, ZendeskResponseError)
_MAX_BACKOFF = 60.0
#: Tries of a read that fails on TLS or a proxy before giving up (not the whole deadline).
SETUP_TRIES = 3


class DeadlinePassedError(ZendeskError):
    """A read kept failing until its deadline; the message has the last failure."""


def get_once(client: ZendeskClient, path: str, params: dict[str, Any] | None = None) -> Any:
    """One GET; the JSON body, or the ZendeskError that describes the failure."""
    response = client.send("GET", path, params=params)
    with response:
        if response.status_code >= 400:
            raise error_from_response(response)
        return decode_json(response)


def read_advice(
    error: ZendeskHTTPError, connection: ZendeskConnection, *, operation: str
) -> ZendeskHTTPError:
    """:func:`with_advice` for the target's reads (job statuses, ticket look-ups).

    Agents may read both, so a 403 here is not the admins-only one of the import: it is a
    role without ticket access, or an OAuth token without the 'read' scope.
    """
    if error.status != 403:
        return with_advice(error, connection, operation=operation, scope="read")
    hint = (
        f"The {connection.auth.mode} may not {operation}: Zendesk allows this to agents and admins"
    )
    if isinstance(connection.auth, OAuthTokenAuth):
        hint += ", and the OAuth token needs the 'read' scope"
    return error.with_hint(hint + "; check the user's role")


def is_retriable(error: BaseException) -> bool:
    return isinstance(error, RETRIABLE)


def retry_wait(
    error: ZendeskError, attempt: int, *, default_retry_after: float, backoff: float
) -> float:
    """How long to wait before asking again after ``error`` (attempt counts from 1)."""
    if isinstance(error, ZendeskHTTPError) and error.status in (429, 503):
        return error.retry_after if error.retry_after is not None else default_retry_after
    return min(backoff * 2 ** (attempt - 1), _MAX_BACKOFF)


class SafeReader:
    """GETs with retries bounded by a deadline on the ``clock``."""

    def __init__(
        self,
        client: ZendeskClient,
        *,
        pause: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._pause = pause
        self._clock = clock

    def get_json(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        deadline: float,
        what: str,
        operation: str,
    ) -> Any:
        """The JSON answer to ``GET path``; ``what`` and ``operation`` name it in messages."""
        connection = self.client.connection
        started = self._clock()
        attempt = 0
        while True:
            try:
                return get_once(self.client, path, params)
            except ZendeskHTTPError as exc:
                if not is_retriable(exc):
                    raise read_advice(exc, connection, operation=operation) from None
                error: ZendeskError = exc
            except (ZendeskTransportError, ZendeskResponseError) as exc:
                error = exc
            attempt += 1
            if isinstance(error, ZendeskSetupError) and attempt >= SETUP_TRIES:
                raise ZendeskSetupError(f"{error}. Gave up on {what} after {attempt} tries")
            wait = retry_wait(
                error,
                attempt,
                default_retry_after=connection.default_retry_after,
                backoff=connection.retry_backoff,
            )
            if self._clock() + wait > deadline:
                raise DeadlinePassedError(
                    f"{error}. Gave up on {what} after {attempt} tries in "
                    f"{format_duration(self._clock() - started)} (jobTimeout). Check "
                    "https://status.zendesk.com, then run again from the last STATE"
                ) from None
            logger.info("%s; asking again for %s in %s", error, what, format_duration(wait))
            self._pause(wait)
