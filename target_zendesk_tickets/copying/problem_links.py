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
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.copying.copies import CopyIndex
from target_zendesk_tickets.copying.links import PREFIX
from target_zendesk_tickets.copying.mapping_report import LEFT_OUT, MAPPED, WAITING, MappingReport

logger = logging.getLogger(__name__)

PROBLEM = "problem_id"
#: The mapping summary's name for an incident's reference to its problem.
KIND = "problem ticket"
WAITING_NOTE = "its problem is not copied yet: linked once it is"


@dataclass
class _Deletion:
    """A problem deleted in the source: at which input line, and the incidents counted as
    left out because of it (waiting again if it comes back, restored)."""

    line: int
    incidents: Counter[str] = field(default_factory=Counter)


def sibling_link(link: str | None, ticket_id: Any) -> str | None:
    """The link of another ticket of the same source account: ``zendesk:<host>:<id>``."""
    if not link or not link.startswith(PREFIX) or not isinstance(ticket_id, int):
        return None
    host = link[len(PREFIX) :].rsplit(":", 1)[0]
    return f"{PREFIX}{host}:{ticket_id}"


class ProblemLinks:
    def __init__(
        self,
        index: CopyIndex,
        incidents_of: Callable[[int], list[int]],
        report: MappingReport,
    ) -> None:
        """``incidents_of(problem source id)``: the problem's incidents, as the input said;
        ``report``: where a waiting link is counted, and then what it came to."""
        self.index = index
        self._incidents_of = incidents_of
        self.report = report
        #: problem link -> the links of incidents that wait for it (each counted as
        #: waiting this many times: once for each version of the incident sent)
        self._waiting: dict[str, Counter[str]] = {}
        #: problem link -> the source id of problems sent in this run, to link once in
        self._sent: dict[str, int] = {}
        #: link -> copy id of tickets this run imported that a link is made with
        self._imported: dict[str, int] = {}
        #: link -> copy id of every problem this run imported (few: no look-up for them)
        self._problems: dict[str, int] = {}
        self._problem_links: set[str] = set()  # of every problem sent in this run
        #: problems deleted in the source and not sent in this run (no copy can come)
        self._deleted: dict[str, _Deletion] = {}

    def problem_key(self, incident_link: str | None, body: Mapping[str, Any]) -> str | None:
        """The link of the problem an incident refers to, or None."""
        return sibling_link(incident_link, body.get(PROBLEM))

    def resolve(self, incident_link: str, problem_link: str, *, wait: bool = True) -> int | None:
        """The problem copy's id, or None: then (``wait``) the incident waits for it,
        counted as waiting, or as left out while the problem is deleted in the source."""
        if problem_link in self._problems:
            return self._problems[problem_link]
        copy = self.index.find(problem_link, closed=False, old=False)
        if copy is not None:
            return copy.id
        if not wait:
            return None
        deletion = self._deleted.get(problem_link)
        if deletion is not None:
            deletion.incidents[incident_link] += 1
            self.report.count(KIND, LEFT_OUT, _deleted_note(incident_link, problem_link))
        else:
            self._waiting.setdefault(problem_link, Counter())[incident_link] += 1
            self.report.count(KIND, WAITING, WAITING_NOTE)
        return None

    def problem_deleted(self, link: str, line: int) -> None:
        """A problem deleted in the source (input ``line``). Unless this run sent it (its
        copy is made: ``deletedTickets`` decides what becomes of it), no copy can come:
        the incidents waiting for it are counted as left out."""
        if link in self._problem_links:
            return
        deletion = self._deleted.setdefault(link, _Deletion(line))
        deletion.line = max(deletion.line, line)
        for incident, times in self._waiting.pop(link, Counter()).items():
            deletion.incidents[incident] += times
            self.report.settle(KIND, LEFT_OUT, times, _deleted_note(incident, link))

    def restored(self, link: str | None, line: int) -> None:
        """A ticket that comes again, not deleted, after its deletion (Zendesk restores
        deleted tickets): the incidents left out for it wait for it again."""
        deletion = self._deleted.get(link) if link else None
        if link is None or deletion is None or line < deletion.line:
            return  # not deleted, or a version older than the deletion
        del self._deleted[link]
        waiting = self._waiting.setdefault(link, Counter())
        for incident, times in deletion.incidents.items():
            waiting[incident] += times
            self.report.settle(KIND, WAITING, times, WAITING_NOTE, from_outcome=LEFT_OUT)

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

    def sent_in_dry_run(self) -> None:
        """A dry run sends nothing: incidents waiting for a problem it would have sent are
        counted as linked, as the real run would link them."""
        for link in self._sent:
            for times in self._waiting.pop(link, Counter()).values():
                self.report.settle(KIND, MAPPED, times)
        self._sent.clear()

    def updates(self) -> list[dict[str, Any]]:
        """The incident copies to point at their problem's copy (call once the problems'
        jobs finished): ``[{"id": incident copy, "problem_id": problem copy}]``. Each
        incident that waited is counted as what it came to: linked, or left out."""
        updates = []
        for link, source_id in self._sent.items():
            problem_id = self._problems.get(link) or self._copy_id(link)
            waited = self._waiting.pop(link, Counter())
            incidents = set(waited)
            incidents |= {
                key for key in (sibling_link(link, i) for i in self._incidents_of(source_id)) if key
            }
            if problem_id is None:  # not in the destination after all (refused there)
                for incident, times in waited.items():
                    note = f"ticket {_source_id(incident)}: its problem's copy was not made"
                    self.report.settle(KIND, LEFT_OUT, times, note)
                continue
            known = {key: self._imported[key] for key in incidents if key in self._imported}
            keys = sorted(incidents - known.keys())
            found = [self.index.find(key, closed=False, old=False) for key in keys]
            copies = [c for c in found if c is not None and not c.closed]  # closed: unchangeable
            linked = set(known) | {
                key for key, c in zip(keys, found, strict=True) if c is not None and not c.closed
            }
            for incident, times in waited.items():
                if incident in linked:
                    self.report.settle(KIND, MAPPED, times)
                else:
                    note = f"ticket {_source_id(incident)}: no open copy of it to link"
                    self.report.settle(KIND, LEFT_OUT, times, note)
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


def _source_id(link: str) -> str:
    """The source ticket id at the end of a link (``zendesk:<host>:<id>``)."""
    return link.rsplit(":", 1)[-1]


def _deleted_note(incident_link: str, problem_link: str) -> str:
    return (
        f"ticket {_source_id(incident_link)}: its problem, ticket {_source_id(problem_link)}, "
        "is deleted in the source"
    )
