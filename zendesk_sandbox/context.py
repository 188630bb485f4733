"""What an API handler is given about the request it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from zendesk_sandbox.account import Account

if TYPE_CHECKING:
    from zendesk_sandbox.oauth import OAuthServer


@dataclass
class Call:
    """One API request after routing and authentication."""

    request: Request
    account: Account
    base_url: str
    path: str  # the path as the client sent it, with or without ".json"
    values: dict = field(default_factory=dict)  # values taken from the URL path
    oauth: OAuthServer | None = None  # the account's OAuth clients and tokens
