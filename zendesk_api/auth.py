"""The fixed credentials: an API token (HTTP Basic) or an OAuth access token (Bearer).

Both are ``requests`` auth objects. Their ``repr`` and ``str`` never show the token,
so an auth object that ends up in a log line or an exception leaks nothing. OAuth
credentials that renew themselves (client credentials, refresh tokens) build on
``OAuthTokenAuth`` in :mod:`zendesk_api.oauth`.
"""

from __future__ import annotations

import base64

import requests

from zendesk_api.redaction import register_secret


class ZendeskAuth(requests.auth.AuthBase):
    """Base class: sets the ``Authorization`` header on each request."""

    #: Which settings hold this credential, for error messages.
    settings: str = ""
    #: Whether a new token can be had when Zendesk refuses this one (see renew_after_401).
    renewable: bool = False

    def __init__(self, header_value: str | None = None) -> None:
        if header_value is not None:
            self._use_header(header_value)

    def _use_header(self, header_value: str) -> None:
        """Send ``header_value`` from now on; a renewed token replaces the one before."""
        register_secret(header_value)
        register_secret(header_value.split(" ", 1)[-1])
        self.__header_value = header_value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.__header_value
        return request

    def renew_after_401(self, request: requests.PreparedRequest) -> bool:
        """Zendesk answered ``request`` with 401: may it be sent again with a new token?

        A fixed credential cannot be renewed, so no.
        """
        return False

    @property
    def mode(self) -> str:
        """Human-readable description of the credential, without the secret."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.mode}, token=<redacted>)"

    __str__ = __repr__


class ApiTokenAuth(ZendeskAuth):
    """``Authorization: Basic base64("{email}/token:{api_token}")``."""

    settings = "zendesk.userName and zendesk.apiToken"

    def __init__(self, user_name: str, api_token: str) -> None:
        register_secret(api_token)
        self.user_name = user_name
        pair = f"{user_name}/token:{api_token}".encode()
        super().__init__("Basic " + base64.b64encode(pair).decode("ascii"))

    @property
    def mode(self) -> str:
        return f"API token of {self.user_name}"


class OAuthTokenAuth(ZendeskAuth):
    """``Authorization: Bearer {access_token}``."""

    settings = "zendesk.oauthToken"

    def __init__(self, access_token: str | None = None) -> None:
        """``None``: a subclass obtains the token later."""
        if access_token is None:
            super().__init__()
            return
        register_secret(access_token)
        super().__init__(f"Bearer {access_token}")

    @property
    def mode(self) -> str:
        return "OAuth access token"
