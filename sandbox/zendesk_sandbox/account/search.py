"""Ticket search (``GET /api/v2/search.json``): the query language the sandbox understands,
and an index that lags behind the tickets as Zendesk's does.

Zendesk says search results can take a few minutes to reflect a change. The sandbox keeps,
for each changed ticket, its searchable facts at every change, and answers from the newest
ones older than ``search_delay`` seconds: a ticket imported a moment ago is not found yet,
and a ticket whose tag was just removed is still found by it. Generated tickets that never
changed are indexed from the start.

Understood terms (combined with AND): ``type:ticket``, ``tags:X`` (or ``tag:X``),
``external_id:X``, ``status:X``; values may be quoted. Anything else is a 400: the sandbox
has no full-text index, and a silently empty answer would hide that.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from zendesk_sandbox.errors import invalid_value

TERM = re.compile(r'(\w+):(?:"([^"]*)"|(\S+))|(\S+)')
KEYS = {
    "type": "type",
    "tags": "tags",
    "tag": "tags",
    "external_id": "external_id",
    "status": "status",
}


@dataclass(frozen=True)
class Facts:
    """What search knows of a ticket."""

    tags: frozenset[str]
    external_id: str | None
    status: str

    @classmethod
    def of(cls, ticket: dict) -> Facts:
        external_id = ticket.get("external_id")
        return cls(
            frozenset(ticket.get("tags") or ()),
            None if external_id is None else str(external_id),
            ticket.get("status") or "",
        )

    def matches(self, terms: list[tuple[str, str]]) -> bool:
        if self.status == "deleted":
            return False
        for key, value in terms:
            if key == "tags" and value not in self.tags:
                return False
            if key == "external_id" and self.external_id != value:
                return False
            if key == "status" and self.status != value.lower():
                return False
        return True


def parse_query(query: str) -> list[tuple[str, str]]:
    """The ``(key, value)`` terms of a query, or the 400 for one the sandbox cannot answer."""
    terms = []
    for match in TERM.finditer(query):
        name, quoted, bare, word = match.groups()
        if word is not None or name not in KEYS:
            raise invalid_value(
                f"The sandbox's search understands type:ticket, tags:, external_id: and "
                f"status: only; got {match.group(0)!r}."
            )
        terms.append((KEYS[name], quoted if quoted is not None else bare))
    if not terms:
        raise invalid_value("query is required.")
    kinds = {value for key, value in terms if key == "type"}
    if kinds - {"ticket"}:
        raise invalid_value("The sandbox's search finds tickets only (type:ticket).")
    return [(key, value) for key, value in terms if key != "type"]


class SearchHistory:
    """The searchable facts of each changed ticket, at each change."""

    def __init__(self) -> None:
        self._times: dict[int, list[float]] = {}
        self._facts: dict[int, list[Facts]] = {}

    def record(self, ticket_id: int, at: float, ticket: dict) -> None:
        times = self._times.setdefault(ticket_id, [])
        facts = self._facts.setdefault(ticket_id, [])
        position = bisect.bisect_right(times, at)
        times.insert(position, at)
        facts.insert(position, Facts.of(ticket))

    def changed(self) -> list[int]:
        return list(self._times)

    def as_of(self, ticket_id: int, when: float) -> Facts | None:
        """The facts indexed by ``when``; None if the ticket had not been indexed yet."""
        times = self._times.get(ticket_id)
        if not times:
            return None
        position = bisect.bisect_right(times, when)
        return self._facts[ticket_id][position - 1] if position else None

    def ever_had_external_id(self, external_id: str) -> list[int]:
        return [
            ticket_id
            for ticket_id, facts in self._facts.items()
            if any(f.external_id == external_id for f in facts)
        ]
