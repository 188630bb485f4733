"""One Zendesk account as the request path needs it: where, as whom, how long to wait.

``settings`` reads it from the plugins' settings; ``http``, ``oauth``, ``token_endpoint``
and ``advice`` use it. It sits below them all, so none of them imports ``settings``.
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_api.auth import ZendeskAuth


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
