"""Closed incidents held back until their problem's copy exists.

A closed ticket cannot change once it is in Zendesk, so a closed incident must be imported
with its ``problem_id`` already pointing at the problem's copy. The export's order is by time
of change, so the problem may come later in the same run; the incident is then held (with
its comments) instead of going in without the link. It is sent once the problem's copy is
made, or at the end of the input (then without the link, counted): the STATE after it waits
until then, so a run stopped meanwhile resumes from before the held incident.

At most ``MAX_HELD`` tickets are held (each keeps its comments in memory); beyond that a
closed incident goes in at once, without the link, and is counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.copying.source import SourceTicket

#: The most closed incidents held at once.
MAX_HELD = 1_000


@dataclass
class HeldIncident:
    stream: str
    ticket: SourceTicket
    comments: list[dict[str, Any]] = field(default_factory=list)


class HeldIncidents:
    def __init__(self, limit: int = MAX_HELD) -> None:
        self.limit = limit
        self._by_problem: dict[str, list[HeldIncident]] = {}
        self.held_ever = 0  # how many were held in the run (for the summary)

    def __len__(self) -> int:
        return sum(len(waiting) for waiting in self._by_problem.values())

    @property
    def full(self) -> bool:
        return len(self) >= self.limit

    @property
    def problems(self) -> list[str]:
        return list(self._by_problem)

    def hold(self, problem: str, incident: HeldIncident) -> None:
        self._by_problem.setdefault(problem, []).append(incident)
        self.held_ever += 1

    def drop(self, key: str | None) -> list[HeldIncident]:
        """The held versions of the ticket with this key, taken out: a newer version (or
        its deletion) came, and supersedes them."""
        if key is None:
            return []
        dropped = []
        for problem in list(self._by_problem):
            waiting = self._by_problem[problem]
            dropped += [h for h in waiting if h.ticket.key == key]
            kept = [h for h in waiting if h.ticket.key != key]
            if kept:
                self._by_problem[problem] = kept
            else:
                del self._by_problem[problem]
        return dropped

    def take(self, ready: Callable[[str], bool]) -> Iterator[HeldIncident]:
        """The held incidents whose problem is ``ready``, taken out, in the order held."""
        for problem in [p for p in self._by_problem if ready(p)]:
            yield from self._by_problem.pop(problem)

    def take_all(self) -> Iterator[HeldIncident]:
        return self.take(lambda _: True)
