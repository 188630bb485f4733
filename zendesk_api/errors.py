"""Zendesk's error answers, turned into exceptions with one readable message.

Zendesk answers errors in several shapes (reference: the API's request-format page
and observed bodies):

* ``{"error": "RecordNotFound", "description": "Not found"}``
* ``{"error": {"title": "Forbidden", "message": "You do not have access ..."}}``
* ``{"errors": [{"code": "...", "title": "...", "detail": "..."}]}``
* ``{"error": "RecordInvalid", "description": "...", "details": {"base": [{"description": ...}]}}``
* ``{"error": "invalid_grant", "error_description": "..."}`` (OAuth, RFC 6749 section 5.2)
* plain text (rate limits, unknown accounts, proxies)

Every exception here says what happened (HTTP status, method, path, Zendesk's own
text) and, where we know, what to do about it.
"""

from __future__ import annotations

import enum
import json
from typing import Any
from urllib.parse import urlsplit

import requests

from zendesk_api.rate_limit import parse_retry_after

_MAX_TEXT = 300  # an HTML error page is not worth more than this in a log line


class Recovery(enum.Enum):
    """How a failed request can be recovered from; each error class says which applies."""

    #: Ask again after an exponential backoff (the request did not get through).
    BACKOFF = "backoff"
    #: Ask again after the wait Zendesk gave (``Retry-After``), or ``defaultRetryAfter``.
    WAIT = "wait"
    #: Zendesk may have acted on the request: an idempotent one is asked again after a
    #: backoff; any other must first be looked up, so it is not done twice.
    MAYBE_SENT = "maybe-sent"
    #: Asking again would fail the same way.
    FATAL = "fatal"


class ZendeskError(Exception):
    """Any failure talking to Zendesk. ``str()`` is the full user-facing message."""

    @property
    def recovery(self) -> Recovery:
        return Recovery.FATAL


class ZendeskHTTPError(ZendeskError):
    """Zendesk answered with an HTTP error status."""

    def __init__(
        self,
        *,
        status: int,
        method: str,
        path: str,
        code: str | None,
        text: str,
        details: list[str] | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
        current_job_ids: list[str] | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.code = code
        self.text = text
        self.details = details or []
        self.hint = hint
        self.retry_after = retry_after
        #: ``TooManyJobs``: the jobs Zendesk says hold the account's job slots.
        self.current_job_ids = current_job_ids or []
        super().__init__(self._render())

    def _render(self) -> str:
        said = ": ".join(part for part in (self.code, self.text) if part)
        message = f"HTTP {self.status} on {self.method} {self.path}"
        if said:
            message += f": {said}"
        if self.details:
            message += " (" + "; ".join(self.details) + ")"
        if self.hint:  # Zendesk's own text may end with a full stop already
            message = f"{message.removesuffix('.')}. {self.hint}"
        return message

    def with_hint(self, hint: str) -> ZendeskHTTPError:
        """The same error with advice on what to do appended to the message."""
        return type(self)(
            status=self.status,
            method=self.method,
            path=self.path,
            code=self.code,
            text=self.text,
            details=self.details,
            hint=hint,
            retry_after=self.retry_after,
            current_job_ids=self.current_job_ids,
        )


class ZendeskAuthError(ZendeskHTTPError):
    """401 or 403: retrying will not help."""


class ZendeskNotFoundError(ZendeskHTTPError):
    """404: wrong domain, or an endpoint the account does not have."""


class ZendeskRateLimitError(ZendeskHTTPError):
    """429: wait ``retry_after`` seconds (when Zendesk said) and ask again."""

    @property
    def recovery(self) -> Recovery:
        return Recovery.WAIT


class ZendeskServerError(ZendeskHTTPError):
    """5xx: trouble on Zendesk's side; usually worth retrying.

    A 503 with ``Retry-After`` is maintenance: Zendesk did not take the request and says
    when to come back. Any other 5xx (including a 503 without ``Retry-After``, which a
    proxy may send after the request went through) may hide a request Zendesk acted on.
    """

    @property
    def recovery(self) -> Recovery:
        if self.status == 503 and self.retry_after is not None:
            return Recovery.WAIT
        return Recovery.MAYBE_SENT


class ZendeskClientError(ZendeskHTTPError):
    """Any other 4xx: the request itself is wrong (a 409 conflict is worth asking again)."""

    @property
    def recovery(self) -> Recovery:
        return Recovery.BACKOFF if self.status == 409 else Recovery.FATAL


class ZendeskTransportError(ZendeskError):
    """No HTTP answer: connection refused or reset, timeout, broken body."""

    def __init__(self, message: str, *, sent: bool) -> None:
        #: Whether the request may have reached Zendesk (matters for non-idempotent POSTs).
        self.sent = sent
        super().__init__(message)

    @property
    def recovery(self) -> Recovery:
        return Recovery.MAYBE_SENT if self.sent else Recovery.BACKOFF


class ZendeskSetupError(ZendeskTransportError):
    """No connection to Zendesk could be set up: TLS handshake or certificate, or a proxy.

    The request never left (``sent`` is False), and asking again rarely helps: the cause is
    usually the settings (``zendesk.domain``, the proxy, the CA bundle), not Zendesk.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, sent=False)


class ZendeskResponseError(ZendeskError):
    """A 2xx answer whose body is not the JSON we expect (malformed or truncated)."""

    @property
    def recovery(self) -> Recovery:
        return Recovery.MAYBE_SENT


def request_path(url: str) -> str:
    """The path of a URL, without the query (which may hold a long cursor)."""
    return urlsplit(url).path or "/"


def describe_body(response: requests.Response) -> tuple[str | None, str, list[str]]:
    """Return Zendesk's error code, its message and any per-field details."""
    try:
        body: Any = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        if len(text) > _MAX_TEXT:
            text = text[:_MAX_TEXT] + "..."
        return None, text, []
    return describe_error_document(body)


def current_job_ids(response: requests.Response) -> list[str]:
    """The ``current_job_ids`` of a ``TooManyJobs`` answer (none in any other)."""
    try:
        body: Any = response.json()
    except ValueError:
        return []
    ids = body.get("current_job_ids") if isinstance(body, dict) else None
    return [str(job_id) for job_id in ids if job_id] if isinstance(ids, list) else []


def describe_error_document(body: Any) -> tuple[str | None, str, list[str]]:
    """Read the code, message and details out of any of Zendesk's error shapes."""
    if not isinstance(body, dict):
        return None, json.dumps(body)[:_MAX_TEXT], []

    code: str | None = None
    text = ""
    error = body.get("error")
    if isinstance(error, dict):  # {"error": {"title": ..., "message": ...}}
        code = _text(error.get("title"))
        text = _text(error.get("message"))
    elif error is not None:
        code = _text(error)
        text = _text(body.get("description") or body.get("error_description"))

    errors = body.get("errors")
    if isinstance(errors, list):  # {"errors": [{"code", "title", "detail"}]}
        parts = [_describe_list_error(item) for item in errors]
        text = "; ".join(part for part in [text, *parts] if part)
        if code is None and errors and isinstance(errors[0], dict):
            code = _text(errors[0].get("code")) or None

    if not text and not code:
        text = _text(body.get("description") or body.get("message")) or json.dumps(body)[:_MAX_TEXT]
    return code or None, text, describe_details(body.get("details"))


def describe_details(details: Any) -> list[str]:
    """RecordInvalid ``details``: ``{"field": [{"description": ..., "error": ...}]}``."""
    if isinstance(details, str):
        return [details]
    if not isinstance(details, dict):
        return []
    described = []
    for field, problems in details.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            if isinstance(problem, dict):
                message = _text(problem.get("description") or problem.get("message"))
                message = message or _text(problem.get("error") or problem.get("type"))
            else:
                message = _text(problem)
            described.append(f"{field}: {message}" if field != "base" else message)
    return described


def _describe_list_error(item: Any) -> str:
    if not isinstance(item, dict):
        return _text(item)
    title = _text(item.get("title"))
    detail = _text(item.get("detail"))
    return " - ".join(part for part in (title, detail) if part)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


_CLASS_BY_STATUS: dict[int, type[ZendeskHTTPError]] = {
    401: ZendeskAuthError,
    403: ZendeskAuthError,
    404: ZendeskNotFoundError,
    429: ZendeskRateLimitError,
}


def error_from_response(
    response: requests.Response, *, hint: str | None = None
) -> ZendeskHTTPError:
    """Build the exception that describes an error response, with its ``Retry-After``."""
    code, text, details = describe_body(response)
    status = response.status_code
    cls = _CLASS_BY_STATUS.get(status)
    if cls is None:
        cls = ZendeskServerError if status >= 500 else ZendeskClientError
    method = response.request.method if response.request is not None else "GET"
    return cls(
        status=status,
        method=method or "GET",
        path=request_path(response.url),
        code=code,
        text=text,
        details=details,
        hint=hint,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        current_job_ids=current_job_ids(response) if status == 429 else None,
    )
