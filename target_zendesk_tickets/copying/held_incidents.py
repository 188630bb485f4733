"""Closed incidents held back until their problem's copy exists.

A closed ticket cannot change once it is in Zendesk, so a closed incident must be imported
with its ``problem_id`` already pointing at the problem's copy. The export's order is by time
of change, so the problem may come later in the same run; the incident is then held (with
its comments) instead of going in without the link. It is sent once the problem's copy is
made, or at the end of the input (then without the link, counted): the STATE after it waits
until then, so a run stopped meanwhile resumes from before the held incident.

At most ``MAX_HELD`` tickets are held (each keeps its comments in memory); beyond that a
closed incident goes in at once, without the link, and is counted. And a problem is waited
for across at most ``MAX_STATES`` STATEs (about 10,000 tickets of the tap's export): a
problem that far away (or deleted for good) must not leave the rest of the run without a
checkpoint, so its incidents then go in without the link, counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.copying.source import SourceTicket

#: The most closed incidents held at once.
MAX_HELD = 1_000
#: The most STATEs kept back while waiting for one problem.
MAX_STATES = 10


@dataclass
class HeldIncident:
    stream: str
    ticket: SourceTicket
    comments: list[dict[str, Any]] = field(default_factory=list)


class HeldIncidents:
    def __init__(self, limit: int = MAX_HELD) -> None:
        self.limit = limit
        self._by_problem: dict[str, list[HeldIncident]] = {}
        self._problem_of: dict[str, str] = {}  # a held ticket's key -> its problem
        self._count = 0
        self._since: dict[str, int] = {}  # problem -> the STATE count when first waited for
        self.states = 0  # STATEs seen (kept back or passed on)
        self.held_ever = 0  # how many were held in the run (for the summary)

    def __len__(self) -> int:
        return self._count

    @property
    def full(self) -> bool:
        return self._count >= self.limit

    @property
    def problems(self) -> list[str]:
        return list(self._by_problem)

    def hold(self, problem: str, incident: HeldIncident) -> None:
        self.drop(incident.ticket.key)  # one version of a ticket at a time: the newest
        self._by_problem.setdefault(problem, []).append(incident)
        self._since.setdefault(problem, self.states)
        if incident.ticket.key is not None:
            self._problem_of[incident.ticket.key] = problem
        self._count += 1
        self.held_ever += 1

    def drop(self, key: str | None) -> list[HeldIncident]:
        """The held version of the ticket with this key, taken out: a newer version (or
        its deletion) came, and supersedes it."""
        problem = self._problem_of.pop(key, None) if key is not None else None
        if problem is None:
            return []
        waiting = self._by_problem[problem]
        dropped = [h for h in waiting if h.ticket.key == key]
        kept = [h for h in waiting if h.ticket.key != key]
        if kept:
            self._by_problem[problem] = kept
        else:
            del self._by_problem[problem]
            self._since.pop(problem, None)
        self._count -= len(dropped)
        return dropped

    def take(self, ready: Callable[[str], bool]) -> Iterator[HeldIncident]:
        """The held incidents whose problem is ``ready``, taken out, in the order held."""
        for problem in [p for p in self._by_problem if ready(p)]:
            taken = self._by_problem.pop(problem)
            self._since.pop(problem, None)
            for held in taken:
                if held.ticket.key is not None:
                    self._problem_of.pop(held.ticket.key, None)
            self._count -= len(taken)
            yield from taken

    def waited_too_long(self, problem: str) -> bool:
        """Whether ``problem`` has been waited for across ``MAX_STATES`` STATEs."""
        return self.states - self._since.get(problem, self.states) >= MAX_STATES

    def take_all(self) -> Iterator[HeldIncident]:
        return self.take(lambda _: True)
