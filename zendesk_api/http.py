"""The HTTP client both plugins use: one session, a User-Agent, timeouts, and
``requests`` failures translated into :mod:`zendesk_api.errors` at this boundary."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from importlib import metadata
from typing import IO, Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from zendesk_api.connection import ZendeskConnection
from zendesk_api.errors import (
    ZendeskError,
    ZendeskResponseError,
    ZendeskSetupError,
    ZendeskTransportError,
    error_from_response,
    request_path,
)
from zendesk_api.retry import RetryBudget, RetryPolicy

DISTRIBUTION = "zendesk-tickets-singer"
logger = logging.getLogger(__name__)


def package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0.0.0+unknown"


def user_agent(component: str) -> str:
    """For example ``tap-zendesk-tickets/0.1.0 python-requests/2.34.2``."""
    return f"{component}/{package_version()} python-requests/{requests.__version__}"


def new_session(component: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"User-Agent": user_agent(component), "Accept": "application/json"})
    return session


def transport_error(exc: requests.RequestException, method: str, url: str) -> ZendeskTransportError:
    """Describe a request that got no HTTP answer, and whether it may have been sent."""
    where = f"{method} {request_path(url)}"
    if isinstance(exc, requests.exceptions.SSLError):
        return ZendeskSetupError(
            f"TLS with {_host(url)} failed for {where}: {_reason(exc)}. The request never "
            "reached Zendesk. Check zendesk.domain: https:// to a server that does not speak "
            "TLS (a plain-http address or port)? A certificate error means the host is not "
            "the one expected, or a proxy intercepts TLS (give its CA in REQUESTS_CA_BUNDLE)"
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return ZendeskSetupError(
            f"the proxy failed {where}: {_reason(exc)}. The request never reached Zendesk. "
            "Check the proxy settings (HTTPS_PROXY, NO_PROXY) and zendesk.domain"
        )
    if isinstance(exc, requests.ConnectTimeout) or _refused(exc):
        return ZendeskTransportError(
            f"could not connect to Zendesk for {where}: {_reason(exc)}", sent=False
        )
    if isinstance(exc, requests.ReadTimeout):
        return ZendeskTransportError(
            f"Zendesk did not answer {where} in time (requestTimeout): {_reason(exc)}",
            sent=True,
        )
    return ZendeskTransportError(f"the connection broke during {where}: {_reason(exc)}", sent=True)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _refused(exc: requests.RequestException) -> bool:
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, NewConnectionError | NameResolutionError)


def _reason(exc: BaseException) -> str:
    cause = exc.args[0] if exc.args else exc
    reason = getattr(cause, "reason", None) or cause
    text = str(reason)
    # urllib3 prefixes the connection object's repr; the part after it is the useful bit.
    return text.split("): ", 1)[-1] if "): " in text else text


def decode_json(response: requests.Response, loads: Callable[[bytes], Any] = json.loads) -> Any:
    """The body as JSON, or ZendeskResponseError when it is malformed or cut short.

    ``loads`` parses the bytes (any ValueError means malformed), ``json.loads`` by default.
    """
    try:
        return loads(response.content)
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for a body cut mid-character
        detail = (
            f"{exc.msg} at position {exc.pos}"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        raise ZendeskResponseError(
            f"Zendesk answered {response.request.method} {request_path(response.url)} "
            f"with HTTP {response.status_code} but the body is not valid JSON "
            f"({len(response.content)} bytes, {detail})"
        ) from None


class ZendeskClient:
    """The one request path to one account: single attempts, and calls retried by its policy.

    ``response_hooks`` see every HTTP answer (errors included) before it is read: the
    tap paces itself on the rate-limit headers there, the target counts free job slots.
    """

    def __init__(
        self,
        connection: ZendeskConnection,
        component: str,
        session: requests.Session | None = None,
        *,
        policy: RetryPolicy | None = None,
        loads: Callable[[bytes], Any] = json.loads,
    ) -> None:
        """``loads`` parses the JSON bodies that :meth:`fetch` returns (see decode_json)."""
        self.connection = connection
        self.loads = loads
        self.session = session or new_session(component)
        self.policy = policy or RetryPolicy(
            backoff=connection.retry_backoff,
            default_retry_after=connection.default_retry_after,
        )
        self.response_hooks: list[Callable[[requests.Response], None]] = []

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        """One attempt. Returns any HTTP answer; raises ZendeskTransportError without one.

        A 401 to a renewable credential (OAuth client settings) is the one answer sent
        again, once, with a renewed token: Zendesk did nothing with a request it refused
        to authenticate, so even an import is safe to resend.
        """
        url = path if path.startswith(("http://", "https://")) else self.connection.url(path)
        response = self._send_once(method, url, params, body)
        auth = self.connection.auth
        if response.status_code == 401 and auth.renew_after_401(response.request):
            response.close()
            response = self._send_once(method, url, params, body)
        return response

    def send_file(
        self,
        path: str,
        *,
        params: dict[str, Any],
        open_file: Callable[[], IO[bytes]],
        content_type: str,
    ) -> requests.Response:
        """One POST of a file's raw bytes, streamed from ``open_file()`` (opened anew for each
        send, so that a request sent again after a renewed token starts from the first
        byte). Like :meth:`send`, it returns any HTTP answer."""
        url = self.connection.url(path)
        headers = {"Content-Type": content_type}

        def once() -> requests.Response:
            with open_file() as data:
                return self._send_once("POST", url, params, None, data=data, headers=headers)

        response = once()
        if response.status_code == 401 and self.connection.auth.renew_after_401(response.request):
            response.close()
            response = once()
        return response

    def _send_once(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        body: Any,
        *,
        data: IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                data=data,
                headers=headers,
                auth=self.connection.auth,
                timeout=self.connection.timeout,
            )
        except requests.RequestException as exc:
            raise transport_error(exc, method, url) from None
        logger.debug(
            "%s %s -> HTTP %s in %.3fs",
            method,
            request_path(url),
            response.status_code,
            response.elapsed.total_seconds(),
        )
        for hook in self.response_hooks:
            hook(response)
        return response

    def fetch(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        """One attempt: the JSON body of a 2xx answer; any failure as a ZendeskError."""
        response = self.send(method, path, params=params, body=body)
        with response:
            if response.status_code >= 400:
                raise error_from_response(response)
            return decode_json(response, self.loads)

    def get_json(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        budget: RetryBudget,
        what: str | None = None,
        deadline: float | None = None,
        on_retry: Callable[[ZendeskError], None] | None = None,
    ) -> Any:
        """``GET path`` retried by the policy within ``budget``: a GET is always safe to repeat."""
        return self.policy.call(
            lambda: self.fetch("GET", path, params=params),
            what=what or f"GET {path}",
            budget=budget,
            deadline=deadline,
            on_retry=on_retry,
        )
