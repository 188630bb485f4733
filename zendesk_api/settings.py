"""The connection settings both plugins share, read and checked in one place.

Settings keep the seed connector's names. Meltano passes dotted setting names as a
nested object (``{"zendesk": {"domain": ...}}``); the seed's table spells them as flat
keys (``{"zendesk.domain": ...}``). Both are accepted; the nested form wins when a
setting is given both ways.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from zendesk_api.auth import ApiTokenAuth, OAuthTokenAuth, ZendeskAuth
from zendesk_api.durations import DurationError, parse_duration
from zendesk_api.redaction import register_secret

T = TypeVar("T")
GROUP = "zendesk"
_SUBDOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_CONNECT_TIMEOUT = 10.0

ZENDESK_PROPERTY = th.Property(
    GROUP,
    th.ObjectType(
        th.Property(
            "domain",
            th.StringType,
            title="Zendesk domain",
            description=(
                "Your Zendesk account: a subdomain (`acme`), a host (`acme.zendesk.com`) "
                "or a base URL (`https://acme.zendesk.com`). Plain `http://` is accepted "
                "only for loopback addresses, such as the local sandbox."
            ),
            examples=["acme", "acme.zendesk.com", "http://127.0.0.1:8123"],
        ),
        th.Property(
            "userName",
            th.StringType,
            title="User e-mail",
            description=(
                "E-mail address of the admin whose API token is used (with `zendesk.apiToken`)."
            ),
        ),
        th.Property(
            "apiToken",
            th.StringType,
            secret=True,
            title="API token",
            description=(
                "Zendesk API token (Admin Center > Apps and integrations > Zendesk API). "
                "Zendesk stops accepting API tokens on 30 April 2027: prefer "
                "`zendesk.oauthToken`. Set this or `zendesk.oauthToken`, not both."
            ),
        ),
        th.Property(
            "oauthToken",
            th.StringType,
            secret=True,
            title="OAuth access token",
            description=(
                "OAuth access token, sent as `Authorization: Bearer`. Needs the `read` "
                "scope for the export and `write` for the import. Set this or "
                "`zendesk.apiToken`, not both."
            ),
        ),
    ),
    title="Zendesk connection",
    description="Where the Zendesk account is and how to sign in.",
)

COMMON_PROPERTIES = (
    th.Property(
        "requestTimeout",
        th.StringType,
        default="120s",
        title="Request timeout",
        description=(
            "How long to wait for Zendesk to answer one request (a Go duration). "
            "Connecting has its own 10 s limit."
        ),
    ),
    th.Property(
        "defaultRetryAfter",
        th.StringType,
        default="60s",
        title="Default Retry-After",
        description=(
            "How long to wait after an HTTP 429 that carries no readable `Retry-After` "
            "header (a Go duration)."
        ),
    ),
    th.Property(
        "retryBackoff",
        th.StringType,
        default="2s",
        title="Retry backoff",
        description=(
            "First wait before retrying a server error or a network failure; each "
            "further retry waits twice as long, with random jitter (a Go duration)."
        ),
    ),
)


@dataclass(frozen=True)
class ZendeskConnection:
    """Everything needed to send requests to one Zendesk account."""

    base_url: str
    auth: ZendeskAuth
    connect_timeout: float
    #: None: no read timeout (``requestTimeout`` is ``0s``).
    read_timeout: float | None
    default_retry_after: float
    retry_backoff: float

    @property
    def timeout(self) -> tuple[float, float | None]:
        return (self.connect_timeout, self.read_timeout)

    def url(self, path: str) -> str:
        return self.base_url + path


def zendesk_setting(config: Mapping[str, Any], name: str) -> str | None:
    """A ``zendesk.<name>`` setting from the nested or the flat spelling; blank is unset."""
    nested = config.get(GROUP)
    value = nested.get(name) if isinstance(nested, Mapping) else None
    if _is_blank(value):
        value = config.get(f"{GROUP}.{name}")
    if _is_blank(value):
        return None
    return value if isinstance(value, str) else str(value)


def read_connection(config: Mapping[str, Any]) -> ZendeskConnection:
    """Check the connection settings and build a :class:`ZendeskConnection`.

    Raises ConfigValidationError naming every setting that is wrong.
    """
    errors: list[str] = []
    base_url = None
    domain = zendesk_setting(config, "domain")
    if domain is None:
        errors.append(
            "zendesk.domain is required: your Zendesk subdomain (acme), host "
            "(acme.zendesk.com) or base URL (https://acme.zendesk.com)"
        )
    else:
        try:
            base_url = base_url_from_domain(domain)
        except ValueError as exc:
            errors.append(str(exc))

    auth = None
    try:
        auth = auth_from_config(config)
    except ValueError as exc:
        errors.append(str(exc))

    durations = {}
    for prop in COMMON_PROPERTIES:
        try:
            durations[prop.name] = read_duration(config, prop.name, str(prop.default))
        except ValueError as exc:
            errors.append(str(exc))

    if errors or base_url is None or auth is None:
        raise ConfigValidationError("Zendesk connection settings are not valid", errors=errors)
    return ZendeskConnection(
        base_url=base_url,
        auth=auth,
        connect_timeout=min(_CONNECT_TIMEOUT, durations["requestTimeout"] or _CONNECT_TIMEOUT),
        read_timeout=durations["requestTimeout"] or None,  # "0s": no read timeout
        default_retry_after=durations["defaultRetryAfter"],
        retry_backoff=durations["retryBackoff"],
    )


def auth_from_config(config: Mapping[str, Any]) -> ZendeskAuth:
    """Exactly one credential: an API token with its user, or an OAuth token."""
    user_name = zendesk_setting(config, "userName")
    api_token = zendesk_setting(config, "apiToken")
    oauth_token = zendesk_setting(config, "oauthToken")

    if api_token and oauth_token:
        raise ValueError(
            "zendesk.apiToken and zendesk.oauthToken are both set: configure exactly one "
            "(an OAuth token is the way forward; API tokens stop working on 30 April 2027)"
        )
    if oauth_token:
        return OAuthTokenAuth(oauth_token)
    if api_token:
        if not user_name:
            raise ValueError(
                "zendesk.userName is required with zendesk.apiToken: the e-mail address "
                "of the admin who owns the token"
            )
        return ApiTokenAuth(user_name, api_token)
    raise ValueError(
        "no credentials: set zendesk.userName and zendesk.apiToken (API token), "
        "or zendesk.oauthToken (OAuth access token)"
    )


def base_url_from_domain(domain: str) -> str:
    """``acme``, ``acme.zendesk.com`` or ``https://acme.zendesk.com`` -> the base URL."""
    text = domain.strip()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                f"zendesk.domain '{domain}' is not a usable URL: expected "
                "https://<subdomain>.zendesk.com"
            )
        if parts.query or parts.fragment:
            raise ValueError(f"zendesk.domain '{domain}' must not carry a query or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError(
                f"zendesk.domain '{domain}' uses plain http: the token would cross the "
                "network unencrypted. Use https://, or http only for a loopback address "
                "such as the local sandbox (http://127.0.0.1:<port>)"
            )
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    if "/" in text or " " in text:
        raise ValueError(f"zendesk.domain '{domain}' is neither a subdomain, a host nor a URL")
    if "." in text or ":" in text:
        return f"https://{text}"
    if not _SUBDOMAIN.match(text):
        raise ValueError(f"zendesk.domain '{domain}' is not a valid Zendesk subdomain")
    return f"https://{text}.zendesk.com"


def read_duration(config: Mapping[str, Any], name: str, default: str) -> float:
    """A Go-duration setting in seconds; a ValueError names the setting and the value."""
    value = config.get(name)
    if _is_blank(value):
        value = default
    try:
        return parse_duration(value)  # type: ignore[arg-type]  # parse_duration checks the type
    except DurationError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class SettingsReader:
    """Reads a plugin's settings and collects every problem, so that one
    ConfigValidationError names all the wrong settings at once."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.errors: list[str] = []

    def connection(self) -> ZendeskConnection | None:
        try:
            return read_connection(self.config)
        except ConfigValidationError as exc:
            self.errors.extend(exc.errors)
            return None

    def duration(self, name: str, default: str, *, above_zero: str | None = None) -> float:
        """A duration setting; ``above_zero`` says why ``0s`` is refused, if it is."""
        seconds = self.check(lambda: read_duration(self.config, name, default))
        if seconds == 0 and above_zero:
            self.errors.append(f"{name}: must be more than 0s ({above_zero})")
        return seconds or 0.0

    def check(self, read: Callable[[], T]) -> T | None:
        """Run ``read``; a ValueError becomes a listed problem (its text names the setting)."""
        try:
            return read()
        except ValueError as exc:
            self.errors.append(str(exc))
            return None

    def raise_if_invalid(self, plugin: str) -> None:
        if self.errors:
            raise ConfigValidationError(f"{plugin} settings are not valid", errors=self.errors)


def register_token_settings(config: Any) -> None:
    """Mask the configured tokens in every log line before anything validates them.

    singer-sdk's own validation runs first and quotes offending values: a token given as a
    number or a list would otherwise appear in its message.
    """
    if not isinstance(config, Mapping):
        return
    nested = config.get(GROUP)
    if isinstance(nested, str):  # the whole group given as one string: treat it as secret
        register_secret(nested)
    candidates = [config.get(f"{GROUP}.{name}") for name in ("apiToken", "oauthToken")]
    if isinstance(nested, Mapping):
        candidates += [nested.get(name) for name in ("apiToken", "oauthToken")]
    for value in candidates:
        for text in _leaf_texts(value):
            register_secret(text)


def _leaf_texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _leaf_texts(item)] + [str(value)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _leaf_texts(item)] + [str(value)]
    return [str(value)]
