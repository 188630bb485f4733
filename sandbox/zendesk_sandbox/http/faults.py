"""Scripted faults: a FIFO queue of misbehaviours that tests ask the sandbox to show.

A request takes the first queued fault whose route matches it (``any`` matches every API
route); faults for other routes stay queued. Each fault serves ``count`` requests, then
leaves the queue. How a fault is acted out on the wire lives in ``app.py``; this module holds
the model and the bodies of the simple HTTP answers.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, fields

from zendesk_sandbox.http.ratelimit import ACCOUNT_LIMIT_TEXT, EXPORT_LIMIT_BODY

ROUTES = (
    "export",
    "import",
    "job_status",
    "tickets",
    "update",
    "delete",
    "comments",
    "ticket_events",
    "search",
    "user_export",
    "users",
    "structure",
    "oauth",
    "uploads",
    "downloads",
    "any",
)
KINDS = (
    "429",
    "500",
    "502",
    "503",
    "504",
    "status",
    "malformed_json",
    "truncated_json",
    "reset",
    "slow",
)
# Kinds that may run after the import was done: the client cannot tell if its batch landed.
AFTER_KINDS = ("500", "502", "504", "reset", "slow")

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

# Small bodies like the ones Zendesk and its edge proxies send.
SERVER_ERROR_BODIES: dict[str, tuple[str, bytes]] = {
    "500": (
        JSON_TYPE,
        b'{"error":"InternalServerError","description":"Something went wrong. Try again."}',
    ),
    "502": (HTML_TYPE, b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"),
    "503": (TEXT_TYPE, b"Service Unavailable: Zendesk is down for maintenance.\n"),
    "504": (HTML_TYPE, b"<html><body><h1>504 Gateway Time-out</h1></body></html>\n"),
}
MALFORMED_BODY = b'{"tickets": [{"id": 1,, "status": oops'


@dataclass
class Fault:
    """One scripted fault. See docs/sandbox.md for what each kind does."""

    kind: str
    route: str = "any"
    count: int = 1
    retry_after: str | None = None  # sent verbatim as Retry-After when set
    status: int | None = None  # kind "status" only
    body: object = None  # kind "status" only: a str, or JSON-able data
    content_type: str | None = None  # kind "status" only
    # kind "slow" only: seconds before handling the request (without ``after``, an import is
    # done only then, even when the client has given up waiting).
    delay: float = 0.0
    after: bool = False  # import faults: do the import, then misbehave

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {KINDS}")
        if self.route not in ROUTES:
            raise ValueError(f"unknown fault route {self.route!r}; use one of {ROUTES}")
        if not isinstance(self.count, int) or self.count < 1:
            raise ValueError("a fault's count must be a positive integer")
        if self.kind == "status" and not (isinstance(self.status, int) and self.status >= 100):
            raise ValueError("a 'status' fault needs an integer 'status'")
        if self.kind == "slow" and not (isinstance(self.delay, int | float) and self.delay >= 0):
            raise ValueError("a 'slow' fault needs a 'delay' in seconds")
        if self.after and self.kind not in AFTER_KINDS:
            raise ValueError(f"'after' only works with the kinds {AFTER_KINDS}")
        if self.retry_after is not None:
            self.retry_after = str(self.retry_after)

    @classmethod
    def from_dict(cls, data: object) -> Fault:
        """Build a fault from the admin API's JSON; unknown keys are an error."""
        if not isinstance(data, dict):
            raise ValueError("a fault must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault fields {unknown}")
        if "kind" not in data:
            raise ValueError("a fault needs a 'kind'")
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    def answer(self, route: str) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers of a fault that is a plain HTTP answer."""
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        if self.kind == "429":
            if route in ("export", "ticket_events", "user_export"):
                body, content_type = json.dumps(EXPORT_LIMIT_BODY).encode(), JSON_TYPE
            else:
                body, content_type = ACCOUNT_LIMIT_TEXT.encode(), TEXT_TYPE
            status = 429
        elif self.kind in SERVER_ERROR_BODIES:
            content_type, body = SERVER_ERROR_BODIES[self.kind]
            status = int(self.kind)
        elif self.kind == "malformed_json":
            status, body, content_type = 200, MALFORMED_BODY, JSON_TYPE
        else:  # "status"
            status = int(self.status or 500)
            body, content_type = _encode_body(self.body)
        headers["Content-Type"] = self.content_type or content_type
        return status, body, headers


def _encode_body(body: object) -> tuple[bytes, str]:
    if body is None:
        return b"", TEXT_TYPE
    if isinstance(body, str):
        return body.encode(), TEXT_TYPE
    return json.dumps(body).encode(), JSON_TYPE


class FaultQueue:
    """Thread-safe FIFO of faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, route: str) -> Fault | None:
        """Use up one request's worth of the first fault that applies to ``route``."""
        with self._lock:
            for position, fault in enumerate(self._faults):
                if fault.route in (route, "any"):
                    fault.count -= 1
                    if fault.count == 0:
                        del self._faults[position]
                    return fault
            return None

    def pending(self) -> list[dict]:
        """The queued faults, first in line first."""
        with self._lock:
            return [fault.to_dict() for fault in self._faults]
