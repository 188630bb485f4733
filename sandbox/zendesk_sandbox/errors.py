"""The one exception handlers raise to answer with a Zendesk-shaped error."""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP error answer: a dict body goes out as JSON, a str body as plain text."""

    def __init__(
        self, status: int, body: dict | str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def invalid_value(description: str, status: int = 400) -> ApiError:
    """Zendesk's usual shape for a bad parameter: ``{"error": "InvalidValue", ...}``."""
    return ApiError(status, {"error": "InvalidValue", "description": description})
