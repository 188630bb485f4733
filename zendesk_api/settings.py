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
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from zendesk_api.auth import ApiTokenAuth, OAuthTokenAuth, ZendeskAuth
from zendesk_api.connection import ZendeskConnection
from zendesk_api.durations import DurationError, parse_duration
from zendesk_api.oauth import (
    ClientCredentialsGrant,
    Lifetimes,
    RefreshTokenGrant,
    RenewingOAuthAuth,
)
from zendesk_api.redaction import register_secret
from zendesk_api.token_file import TokenFile

T = TypeVar("T")
GROUP = "zendesk"
_SUBDOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_CONNECT_TIMEOUT = 10.0

#: Scopes the OAuth client settings ask for unless a plugin says otherwise.
DEFAULT_SCOPES = "read"
_SIGN_IN_MODES = (
    "client credentials: zendesk.oauthClientId and zendesk.oauthClientSecret (recommended); "
    "the refresh-token grant: those two with zendesk.oauthRefreshToken and "
    "zendesk.oauthTokenFile; a fixed OAuth access token: zendesk.oauthToken; an API token: "
    "zendesk.userName and zendesk.apiToken"
)


def zendesk_property(default_scopes: str) -> th.Property:
    """The ``zendesk`` settings group; ``default_scopes`` is what the plugin needs."""
    return th.Property(
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
                "oauthClientId",
                th.StringType,
                title="OAuth client ID",
                description=(
                    "Unique identifier of a confidential OAuth client of the account, made "
                    "by an admin (Admin Center > Apps and integrations > APIs > OAuth "
                    "clients). With `zendesk.oauthClientSecret` alone: the client-credentials "
                    "grant, which Zendesk recommends for data pipelines; access tokens are "
                    "obtained and renewed before they expire."
                ),
            ),
            th.Property(
                "oauthClientSecret",
                th.StringType,
                secret=True,
                title="OAuth client secret",
                description=(
                    "Secret of the OAuth client (Zendesk shows it once, when the client is made)."
                ),
            ),
            th.Property(
                "oauthRefreshToken",
                th.StringType,
                secret=True,
                title="OAuth refresh token",
                description=(
                    "A refresh token issued to the OAuth client through the "
                    "authorization-code flow. With the client ID and secret: the "
                    "refresh-token grant. Each refresh replaces it; the newest is kept in "
                    "`zendesk.oauthTokenFile`, so this setting can stay as it is."
                ),
            ),
            th.Property(
                "oauthTokenFile",
                th.StringType,
                title="OAuth token file",
                description=(
                    "Where the refresh-token grant keeps the newest token pair: a JSON file, "
                    "mode 0600, replaced atomically, in a folder that exists. Required with "
                    "`zendesk.oauthRefreshToken`; one file for each plugin and refresh token."
                ),
            ),
            th.Property(
                "oauthScopes",
                th.StringType,
                default=default_scopes,
                title="OAuth scopes",
                description=(
                    "Scopes the OAuth client settings ask for, separated by spaces. The "
                    "default is what this plugin needs."
                ),
            ),
            th.Property(
                "oauthTokenLifetime",
                th.StringType,
                title="OAuth access token lifetime",
                description=(
                    "How long the access tokens the OAuth client settings obtain should live "
                    "(a Go duration, sent as `expires_in`; Zendesk allows 5m to 48h). Unset: "
                    "the OAuth client's own lifetime (30 minutes by default)."
                ),
            ),
            th.Property(
                "oauthRefreshTokenLifetime",
                th.StringType,
                title="OAuth refresh token lifetime",
                description=(
                    "How long each new refresh token of the refresh-token grant should live "
                    "(a Go duration, sent as `refresh_token_expires_in`; Zendesk allows 7 to "
                    "90 days). Unset: the OAuth client's own (30 days by default)."
                ),
            ),
            th.Property(
                "oauthToken",
                th.StringType,
                secret=True,
                title="OAuth access token",
                description=(
                    "A fixed OAuth access token, sent as `Authorization: Bearer`; it is not "
                    "renewed, and tokens of new OAuth clients expire (30 minutes by default): "
                    "for long runs use `zendesk.oauthClientId` and "
                    "`zendesk.oauthClientSecret`. Needs the `read` scope for the export and "
                    "`write` for the import."
                ),
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
                    "Zendesk makes no new API tokens from 27 October 2026 and stops "
                    "accepting them on 30 April 2027: prefer the OAuth client settings."
                ),
            ),
        ),
        title="Zendesk connection",
        description=(
            "Where the Zendesk account is and how to sign in: with an OAuth client (client "
            "credentials, or a refresh token), a fixed OAuth access token, or an API token; "
            "exactly one of these."
        ),
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


def zendesk_setting(config: Mapping[str, Any], name: str) -> str | None:
    """A ``zendesk.<name>`` setting from the nested or the flat spelling; blank is unset."""
    nested = config.get(GROUP)
    value = nested.get(name) if isinstance(nested, Mapping) else None
    if _is_blank(value):
        value = config.get(f"{GROUP}.{name}")
    if _is_blank(value):
        return None
    return value if isinstance(value, str) else str(value)


def read_connection(
    config: Mapping[str, Any], *, default_scopes: str = DEFAULT_SCOPES
) -> ZendeskConnection:
    """Check the connection settings and build a :class:`ZendeskConnection`.

    ``default_scopes`` are asked for when ``zendesk.oauthScopes`` is not set. Raises
    ConfigValidationError naming every setting that is wrong.
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
        auth = auth_from_config(config, default_scopes=default_scopes)
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
    connection = ZendeskConnection(
        base_url=base_url,
        auth=auth,
        connect_timeout=min(_CONNECT_TIMEOUT, durations["requestTimeout"] or _CONNECT_TIMEOUT),
        read_timeout=durations["requestTimeout"] or None,  # "0s": no read timeout
        default_retry_after=durations["defaultRetryAfter"],
        retry_backoff=durations["retryBackoff"],
    )
    if isinstance(auth, RenewingOAuthAuth):
        auth.connect(connection)  # tokens come from the same account, with the same waits
    return connection


def auth_from_config(
    config: Mapping[str, Any], *, default_scopes: str = DEFAULT_SCOPES
) -> ZendeskAuth:
    """Exactly one way to sign in; a ValueError names what was combined or is missing."""
    given = {name: zendesk_setting(config, name) for name in _CREDENTIAL_SETTINGS}
    modes = [
        [f"{GROUP}.{name}" for name in names if given[name]]
        for names in (("apiToken",), ("oauthToken",), _CLIENT_SETTINGS)
    ]
    combined = [settings for settings in modes if settings]
    if len(combined) > 1:
        named = [
            first + (f" (with {', '.join(rest)})" if rest else "") for first, *rest in combined
        ]
        both = "both" if len(named) == 2 else "all"
        raise ValueError(
            f"{', '.join(named[:-1])} and {named[-1]} are {both} set: configure exactly one "
            f"way to sign in ({_SIGN_IN_MODES})"
        )
    if given["oauthToken"]:
        return OAuthTokenAuth(given["oauthToken"])
    if given["apiToken"]:
        if not given["userName"]:
            raise ValueError(
                "zendesk.userName is required with zendesk.apiToken: the e-mail address "
                "of the admin who owns the token"
            )
        return ApiTokenAuth(given["userName"], given["apiToken"])
    if combined:
        return _client_auth(config, given, default_scopes)
    raise ValueError(f"no credentials: set one way to sign in ({_SIGN_IN_MODES})")


_CLIENT_SETTINGS = ("oauthClientId", "oauthClientSecret", "oauthRefreshToken", "oauthTokenFile")
_CREDENTIAL_SETTINGS = ("userName", "apiToken", "oauthToken", *_CLIENT_SETTINGS)


def _client_auth(
    config: Mapping[str, Any], given: dict[str, str | None], default_scopes: str
) -> RenewingOAuthAuth:
    """The client-credentials or the refresh-token grant, from the OAuth client settings."""
    client_id, secret = given["oauthClientId"], given["oauthClientSecret"]
    refresh_token, token_file = given["oauthRefreshToken"], given["oauthTokenFile"]
    missing = [
        f"{GROUP}.{name}"
        for name, value in (("oauthClientId", client_id), ("oauthClientSecret", secret))
        if not value
    ]
    if missing:
        what = "the refresh-token grant" if refresh_token else "client credentials"
        raise ValueError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required for "
            f"{what}: the OAuth client's unique identifier and its secret"
        )
    if token_file and not refresh_token:
        raise ValueError(
            "zendesk.oauthTokenFile is set without zendesk.oauthRefreshToken: the file keeps "
            "the tokens of the refresh-token grant; leave it out for client credentials"
        )
    scopes = " ".join((zendesk_setting(config, "oauthScopes") or default_scopes).split())
    lifetimes = Lifetimes(
        _whole_seconds(config, "oauthTokenLifetime"),
        _whole_seconds(config, "oauthRefreshTokenLifetime"),
    )
    assert client_id  # checked above
    assert secret
    if refresh_token is None:
        if lifetimes.refresh is not None:
            raise ValueError(
                "zendesk.oauthRefreshTokenLifetime is set without zendesk.oauthRefreshToken: "
                "client credentials get no refresh token; leave it out"
            )
        return RenewingOAuthAuth(
            ClientCredentialsGrant(client_id, secret, scopes, lifetimes=lifetimes)
        )
    if not token_file:
        raise ValueError(
            "zendesk.oauthTokenFile is required with zendesk.oauthRefreshToken: each refresh "
            "replaces the refresh token, so the newest must be kept for the next run"
        )
    path = Path(token_file).expanduser()
    if path.is_dir() or not path.parent.is_dir():
        raise ValueError(
            f"zendesk.oauthTokenFile '{token_file}' must name a file in a folder that exists"
        )
    grant = RefreshTokenGrant(
        client_id,
        secret,
        scopes,
        refresh_token=refresh_token,
        token_file=TokenFile(path),
        lifetimes=lifetimes,
    )
    return RenewingOAuthAuth(grant)


def _whole_seconds(config: Mapping[str, Any], name: str) -> int | None:
    """A token lifetime setting (a Go duration) in whole seconds; None when unset."""
    value = zendesk_setting(config, name)
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except DurationError as exc:
        raise ValueError(f"{GROUP}.{name}: {exc}") from None
    if seconds < 1 or not float(seconds).is_integer():
        raise ValueError(f"{GROUP}.{name}: '{value}' must be a whole number of seconds, 1s or more")
    return int(seconds)


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

    def __init__(self, config: Mapping[str, Any], *, default_scopes: str = DEFAULT_SCOPES) -> None:
        self.config = config
        self.default_scopes = default_scopes
        self.errors: list[str] = []

    def connection(self) -> ZendeskConnection | None:
        try:
            return read_connection(self.config, default_scopes=self.default_scopes)
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


#: The settings that hold secrets, masked from the start.
SECRET_SETTINGS = ("apiToken", "oauthToken", "oauthClientSecret", "oauthRefreshToken")


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
    candidates = [config.get(f"{GROUP}.{name}") for name in SECRET_SETTINGS]
    if isinstance(nested, Mapping):
        candidates += [nested.get(name) for name in SECRET_SETTINGS]
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
