"""Problem and incident links, kept whichever of the two comes first.

An incident's ``problem_id`` is the source's id of its problem ticket; in the destination it
must be the id of the problem's copy. When that copy exists (made by an earlier run, or
earlier in this one), the incident is imported with the link. When the problem comes later
(the export's order is by time of change, not by kind), the incident goes in without it and
waits: once the problem's copy is made, each waiting incident's copy is updated with the
link. Which incidents wait for a problem comes from two places: the incidents this run
imported without it, and the problem's own list of incidents (the tap's
``ticket_incidents`` stream), which also covers incidents copied by an earlier run that
stopped before their problem came.

A problem deleted in the source is never copied: incidents that wait for it (or come after
it) are left out of the link at once, rather than waiting for a copy that cannot come.

Those link updates are sent before the next STATE is passed on (the pipeline waits for the
problem's job first), so a run resumed from any STATE still finds the problem, and its
incidents, after it: no link is lost across runs, crashes or resumes. A closed incident
cannot be updated, so it is not imported before its problem: it is held
(``held_incidents.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from target_zendesk_tickets.copying.copies import CopyIndex
from target_zendesk_tickets.copying.links import PREFIX

logger = logging.getLogger(__name__)

PROBLEM = "problem_id"


def sibling_link(link: str | None, ticket_id: Any) -> str | None:
    """The link of another ticket of the same source account: ``zendesk:<host>:<id>``."""
    if not link or not link.startswith(PREFIX) or not isinstance(ticket_id, int):
        return None
    host = link[len(PREFIX) :].rsplit(":", 1)[0]
    return f"{PREFIX}{host}:{ticket_id}"


class ProblemLinks:
    def __init__(self, index: CopyIndex, incidents_of: Callable[[int], list[int]]) -> None:
        """``incidents_of(problem source id)``: the problem's incidents, as the input said."""
        self.index = index
        self._incidents_of = incidents_of
        #: problem link -> the links of incidents that wait for it
        self._waiting: dict[str, set[str]] = {}
        #: problem link -> the source id of problems sent in this run, to link once in
        self._sent: dict[str, int] = {}
        #: link -> copy id of tickets this run imported that a link is made with
        self._imported: dict[str, int] = {}
        #: link -> copy id of every problem this run imported (few: no look-up for them)
        self._problems: dict[str, int] = {}
        self._problem_links: set[str] = set()  # of every problem sent in this run
        #: links of problems deleted in the source (never imported: no copy can come)
        self._deleted: set[str] = set()
        #: waiting incidents that the last :meth:`updates` linked
        self.resolved = 0

    def problem_key(self, incident_link: str | None, body: Mapping[str, Any]) -> str | None:
        """The link of the problem an incident refers to, or None."""
        return sibling_link(incident_link, body.get(PROBLEM))

    def resolve(self, incident_link: str, problem_link: str, *, wait: bool = True) -> int | None:
        """The problem copy's id, or None: then the incident waits for it (``wait``)."""
        if problem_link in self._problems:
            return self._problems[problem_link]
        copy = self.index.find(problem_link, closed=False, old=False)
        if copy is not None:
            return copy.id
        if wait and problem_link not in self._deleted:
            self._waiting.setdefault(problem_link, set()).add(incident_link)
        return None

    def problem_deleted(self, link: str) -> set[str]:
        """A problem deleted in the source: the incidents that waited for it (none will be
        linked to it: a deleted ticket is never imported)."""
        self._deleted.add(link)
        return self._waiting.pop(link, set())

    def restored(self, link: str | None) -> None:
        """A ticket that comes again, not deleted (Zendesk restores deleted tickets)."""
        if link:
            self._deleted.discard(link)

    def is_deleted(self, problem_link: str) -> bool:
        """Whether the problem was deleted in the source (seen so in this run's input)."""
        return problem_link in self._deleted

    def imported(self, link: str, copy_id: int) -> None:
        """A ticket's import completed: its copy's id, kept if a link will need it."""
        if link in self._problem_links:
            self._problems[link] = copy_id
        if link in self._sent or any(link in waiting for waiting in self._waiting.values()):
            self._imported[link] = copy_id

    def sent(self, problem_link: str, source_id: Any) -> None:
        """A problem ticket was sent (imported or updated): its incidents are linked next."""
        if isinstance(source_id, int):
            self._sent[problem_link] = source_id
            self._problem_links.add(problem_link)

    def was_sent(self, problem_link: str) -> bool:
        """Whether this run sent the problem (its copy exists once its job has finished)."""
        return problem_link in self._problem_links

    def _copy_id(self, link: str) -> int | None:
        copy = self.index.find(link, closed=False, old=False)
        return copy.id if copy is not None else None

    @property
    def due(self) -> bool:
        """Whether links are to be made once the jobs in flight have finished."""
        return any(
            self._waiting.get(link) or self._incidents_of(source_id)
            for link, source_id in self._sent.items()
        )

    def updates(self) -> list[dict[str, Any]]:
        """The incident copies to point at their problem's copy (call once the problems'
        jobs finished): ``[{"id": incident copy, "problem_id": problem copy}]``."""
        updates = []
        self.resolved = 0
        for link, source_id in self._sent.items():
            problem_id = self._problems.get(link) or self._copy_id(link)
            waited = self._waiting.pop(link, set())
            incidents = set(waited)
            incidents |= {
                key for key in (sibling_link(link, i) for i in self._incidents_of(source_id)) if key
            }
            if problem_id is None:
                continue  # not in the destination after all (refused): counted there
            self.resolved += len(waited)
            known = {key: self._imported[key] for key in incidents if key in self._imported}
            found = [
                self.index.find(key, closed=False, old=False)
                for key in sorted(incidents - known.keys())
            ]
            copies = [c for c in found if c is not None and not c.closed]  # closed: unchangeable
            self.index.details_many(copies, count_comments=set())  # their current problem_id
            updates += [
                {"id": copy.id, PROBLEM: problem_id}
                for copy in copies
                if (copy.ticket or {}).get(PROBLEM) != problem_id
            ]
            # Imported without the link by this run: linked for sure.
            updates += [{"id": copy_id, PROBLEM: problem_id} for copy_id in known.values()]
        self._sent.clear()
        self._imported.clear()
        return updates
