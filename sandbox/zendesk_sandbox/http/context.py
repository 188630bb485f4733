"""What an API handler is given about the request it answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol

from werkzeug.wrappers import Request

from zendesk_sandbox.account import Account
from zendesk_sandbox.errors import invalid_value
from zendesk_sandbox.http.auth import Caller
from zendesk_sandbox.http.oauth import OAuthServer


class UrlSigner(Protocol):
    """Hands out signed URLs for private attachments (``file_host.FileHost``)."""

    def signed_url(self, attachment: dict) -> str: ...


@dataclass
class Call:
    """One API request after routing and authentication."""

    request: Request
    account: Account
    base_url: str
    path: str  # the path as the client sent it, with or without ".json"
    values: dict = field(default_factory=dict)  # values taken from the URL path
    oauth: OAuthServer | None = None  # the account's OAuth clients and tokens
    caller: Caller | None = None  # set once the request is authenticated
    file_host: UrlSigner | None = None  # signs the URLs of private attachments

    @property
    def user_id(self) -> int:
        """The account's user behind the request's credentials."""
        return self.account.user_id_for(self.caller.role if self.caller else "admin")

    def json_body(self) -> dict:
        """The JSON object the request sent (an empty body counts as ``{}``), or the 400."""
        try:
            body = json.loads(self.request.get_data() or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise invalid_value("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise invalid_value("The request body must be a JSON object.")
        return body
