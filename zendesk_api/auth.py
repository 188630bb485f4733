"""The two ways to authenticate: an API token (HTTP Basic) or an OAuth access token (Bearer).

Both are ``requests`` auth objects. Their ``repr`` and ``str`` never show the token,
so an auth object that ends up in a log line or an exception leaks nothing.
"""

from __future__ import annotations

import base64

import requests

from zendesk_api.redaction import register_secret


class ZendeskAuth(requests.auth.AuthBase):
    """Base class: sets the ``Authorization`` header on each request."""

    #: Which settings hold this credential, for error messages.
    settings: str = ""

    def __init__(self, header_value: str) -> None:
        self.__header_value = header_value
        register_secret(header_value)
        register_secret(header_value.split(" ", 1)[-1])

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.__header_value
        return request

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

    def __init__(self, access_token: str) -> None:
        register_secret(access_token)
        super().__init__(f"Bearer {access_token}")

    @property
    def mode(self) -> str:
        return "OAuth access token"
