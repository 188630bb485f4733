"""Every ticket of one account, generated or stored, in export order, with its conversation.

Generated tickets that nobody changed are not kept as objects: they are rebuilt from the
seed when needed (see ``generated/tickets.py``). Tickets that were changed, added or
imported are kept in full in ``_stored``, their audits in ``conversations``. The export
order is a sorted list of ``(generated_timestamp, id)`` kept up to date on every change, so
a page is a bisect and a slice.

``Tickets`` takes no lock: ``Account`` calls it under its own.
"""

from __future__ import annotations

import bisect
import copy
import json
from collections.abc import Callable, Iterable

from zendesk_sandbox.account.events import EventIndex, EventKey
from zendesk_sandbox.account.journal import Journal
from zendesk_sandbox.account.search import SearchHistory
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated.conversations import (
    Conversations,
    generated_audit_id,
    generated_audits,
    plan,
)
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.tickets import (
    AI_AGENT_EVERY,
    TicketFactory,
    TicketKeys,
    ticket_from_external_id,
)
from zendesk_sandbox.timefmt import iso, parse_iso

# Encoded tickets are cached so that paging again is cheap; the cap bounds memory
# (about 2 kB per ticket) for very large accounts. Past it, tickets are encoded per page.
JSON_CACHE_LIMIT = 120_000
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class Tickets:
    """The tickets' state, and the indexes every change keeps in step with it."""

    def __init__(
        self,
        config: SandboxConfig,
        directory: Directory,
        *,
        search: SearchHistory,
        journal: Journal,
        clock: Callable[[], float],
        base_url: str,
    ) -> None:
        self._config = config
        self._search = search
        self._journal = journal
        self._clock = clock
        self.base_url = base_url
        self._keys = TicketKeys.generate(config.seed, config.tickets)
        self._factory = TicketFactory(config.seed, directory)
        self.conversations = Conversations(config.seed, config.account)
        self._events: EventIndex | None = None  # built on the first events export
        #: problem id -> ids of tickets naming it as problem_id, built on first use
        self._incidents: dict[int, set[int]] | None = None
        self._stored: dict[int, dict] = {}
        self._stored_by_external_id: dict[str, set[int]] = {}
        self._deleted = set(self._keys.deleted)
        self._ai_agent = set(range(AI_AGENT_EVERY, config.tickets + 1, AI_AGENT_EVERY))
        self._archived: set[int] = set()
        self.max_id = config.tickets
        generated = self._keys.generated
        self._order = sorted(zip(generated[1:], range(1, config.tickets + 1), strict=True))
        self._json_cache: dict[int, bytes] = {}

    # -- reading ---------------------------------------------------------------------------

    @property
    def generated_count(self) -> int:
        """How many tickets the seed generated (ids ``1..generated_count``)."""
        return self._keys.count

    def generated(self, ticket_id: int) -> dict:
        """Ticket ``ticket_id`` as the seed generates it, before any change to it."""
        keys = self._keys
        return self._factory.build(
            ticket_id,
            created=keys.created[ticket_id],
            updated=keys.updated[ticket_id],
            generated=keys.generated[ticket_id],
            deleted=ticket_id in keys.deleted,
            base_url=self.base_url,
        )

    def exists(self, ticket_id: int) -> bool:
        return ticket_id in self._stored or 1 <= ticket_id <= self._keys.count

    def known(self, ids: Iterable[int]) -> list[int]:
        """``ids`` as a list, or KeyError naming those that do not exist."""
        ids = list(ids)
        unknown = [ticket_id for ticket_id in ids if not self.exists(ticket_id)]
        if unknown:
            raise KeyError(f"no such tickets: {unknown}")
        return ids

    def ticket(self, ticket_id: int) -> dict:
        """The current ticket object (not a copy: callers must not change it)."""
        stored = self._stored.get(ticket_id)
        if stored is not None:
            return stored
        if not 1 <= ticket_id <= self._keys.count:
            raise KeyError(ticket_id)
        return self.generated(ticket_id)

    def state(self, ticket_id: int) -> str:
        """``missing``, ``deleted``, ``archived`` or ``active``."""
        if not self.exists(ticket_id):
            return "missing"
        if ticket_id in self._deleted:
            return "deleted"
        return "archived" if ticket_id in self._archived else "active"

    def is_archived(self, ticket_id: int) -> bool:
        return ticket_id in self._archived

    def encoded(self, ticket_id: int) -> bytes:
        """The JSON encoding of one ticket; KeyError if unknown."""
        cached = self._json_cache.get(ticket_id)
        if cached is None:
            cached = ENCODER.encode(self.ticket(ticket_id)).encode()
            if len(self._json_cache) < JSON_CACHE_LIMIT:
                self._json_cache[ticket_id] = cached
        return cached

    def counts(self) -> dict:
        """Tickets in the export, deleted and archived, and the highest id."""
        return {
            "tickets": len(self._order),
            "deleted": len(self._deleted),
            "archived": len(self._archived),
            "max_id": self.max_id,
        }

    # -- the export ------------------------------------------------------------------------

    def export_slice(
        self,
        after: tuple[int, int],
        limit: int,
        cutoff: int,
        exclude_deleted: bool,
        support_type_scope: str = "agent",
    ) -> tuple[list[tuple[int, int]], list[bytes], bool]:
        """The next export page after position ``after``.

        Returns the ``(generated_timestamp, id)`` keys of up to ``limit`` tickets ordered
        after ``after`` whose generated_timestamp is at most ``cutoff``, their JSON, and
        whether any such ticket is left after them.
        """
        order = self._order
        shown = self._export_filter(exclude_deleted, support_type_scope)
        position = bisect.bisect_right(order, after)
        keys: list[tuple[int, int]] = []
        while position < len(order) and len(keys) < limit:
            key = order[position]
            if key[0] > cutoff:
                break
            if shown(key[1]):
                keys.append(key)
            position += 1
        more = False
        while position < len(order) and order[position][0] <= cutoff:
            if shown(order[position][1]):
                more = True
                break
            position += 1
        return keys, [self.encoded(ticket_id) for _, ticket_id in keys], more

    def _export_filter(
        self, exclude_deleted: bool, support_type_scope: str
    ) -> Callable[[int], bool]:
        """Which ticket ids an export with these parameters shows."""
        deleted, ai_agent = self._deleted, self._ai_agent

        def shown(ticket_id: int) -> bool:
            if exclude_deleted and ticket_id in deleted:
                return False
            if support_type_scope == "agent":
                return ticket_id not in ai_agent
            if support_type_scope == "ai_agent":
                return ticket_id in ai_agent
            return True

        return shown

    def visible_ids(
        self, cutoff: float, exclude_deleted: bool, support_type_scope: str
    ) -> list[int]:
        """Ids of every ticket a full export up to ``cutoff`` shows, in export order."""
        shown = self._export_filter(exclude_deleted, support_type_scope)
        return [
            ticket_id
            for generated, ticket_id in self._order
            if generated <= cutoff and shown(ticket_id)
        ]

    def listed_ids(self, external_id: str | None = None) -> list[int]:
        """Ids List Tickets shows, ascending: neither deleted nor archived.

        With ``external_id``, only the tickets that carry it.
        """
        if external_id is None:
            candidates: Iterable[int] = range(1, self.max_id + 1)
        else:
            matches = set(self._stored_by_external_id.get(external_id, ()))
            generated = ticket_from_external_id(self._config.seed, external_id)
            # A generated ticket that was never changed still has its generated external_id.
            if generated is not None and generated <= self._keys.count:
                matches.update({generated} - self._stored.keys())
            candidates = sorted(matches)
        hidden = self._deleted | self._archived
        return [ticket_id for ticket_id in candidates if ticket_id not in hidden]

    def incident_ids(self, problem_id: int) -> list[int]:
        """Ids of the listed tickets (neither deleted nor archived) whose ``problem_id`` is
        ``problem_id``, ascending. The index is built once (one pass over the account), then
        kept in step by :meth:`put`, so a problem costs its own incidents, not the account."""
        if self._incidents is None:
            self._incidents = {}
            for ticket_id in range(1, self.max_id + 1):
                if self.exists(ticket_id):
                    self._index_incident(ticket_id, self.ticket(ticket_id))
        return sorted(
            ticket_id
            for ticket_id in self._incidents.get(problem_id, ())
            if ticket_id not in self._deleted
            and ticket_id not in self._archived
            # an entry left by a change made in place is checked against the ticket
            and self.ticket(ticket_id).get("problem_id") == problem_id
        )

    def _index_incident(self, ticket_id: int, ticket: dict) -> None:
        problem = ticket.get("problem_id")
        if self._incidents is not None and isinstance(problem, int):
            self._incidents.setdefault(problem, set()).add(ticket_id)

    # -- conversations and ticket events ---------------------------------------------------

    def audits(self, ticket_id: int, ticket: dict | None = None) -> list[dict]:
        """A ticket's conversation: as stored, or as generated from the seed.

        ``ticket`` stands in for a ticket that is not in the account yet (a new one).
        """
        stored = self.conversations.stored.get(ticket_id)
        if stored is not None:
            return stored
        keys = self._keys
        if 1 <= ticket_id <= keys.count:
            original = self.ticket(ticket_id)
            created, updated = keys.created[ticket_id], keys.updated[ticket_id]
        else:
            original = ticket or self.ticket(ticket_id)
            created = int(parse_iso(original["created_at"]) or 0)
            updated = int(parse_iso(original["updated_at"]) or created)
        config = self._config
        return generated_audits(
            config.seed, config.account, original, created, max(created, updated)
        )

    def event_keys(self, ticket_id: int) -> list[EventKey]:
        """``(at, audit id, ticket id)`` of each audit of a ticket, oldest first."""
        stored = self.conversations.stored.get(ticket_id)
        if stored is not None:
            return [(audit["at"], audit["id"], ticket_id) for audit in stored]
        keys = self._keys
        if not 1 <= ticket_id <= keys.count:
            return []
        created, updated = keys.created[ticket_id], keys.updated[ticket_id]
        account = self._config.account
        times = plan(self._config.seed, ticket_id, created, max(created, updated))
        return [
            (at, generated_audit_id(account, ticket_id, index), ticket_id)
            for index, at in enumerate(times)
        ]

    def event_index(self) -> EventIndex:
        """Every audit of the account in events-export order, built on first use."""
        if self._events is None:
            keys: list[EventKey] = []
            for ticket_id in range(1, self.max_id + 1):
                if self.exists(ticket_id):
                    keys.extend(self.event_keys(ticket_id))
            self._events = EventIndex(keys)
        return self._events

    # -- changing ----------------------------------------------------------------------------

    def put(
        self,
        ticket: dict,
        audits: list[dict] | None = None,
        *,
        at: float | None = None,
    ) -> None:
        """Store a new or changed ticket and keep the order and indexes in step.

        ``audits`` replaces the ticket's conversation; without it a generated ticket keeps
        the conversation it had (it is written down now, before the ticket changes).
        """
        ticket_id = ticket["id"]
        if audits is None:
            audits = self.audits(ticket_id, ticket)
        old_events = self.event_keys(ticket_id) if self._events is not None else None
        previous = self._stored.get(ticket_id)
        old_key = None
        if previous is not None:
            old_key = (previous["generated_timestamp"], ticket_id)
            old_external = previous.get("external_id")
            if isinstance(old_external, str):
                self._stored_by_external_id.get(old_external, set()).discard(ticket_id)
        elif ticket_id <= self._keys.count:
            old_key = (self._keys.generated[ticket_id], ticket_id)
        if old_key is not None:
            del self._order[bisect.bisect_left(self._order, old_key)]
        if self._incidents is not None:  # the old problem_id's entry is checked when read
            self._index_incident(ticket_id, ticket)
        self._stored[ticket_id] = ticket
        self.conversations.stored[ticket_id] = audits
        bisect.insort(self._order, (ticket["generated_timestamp"], ticket_id))
        if isinstance(ticket.get("external_id"), str):
            self._stored_by_external_id.setdefault(ticket["external_id"], set()).add(ticket_id)
        if ticket.get("status") == "deleted":
            self._deleted.add(ticket_id)
        else:
            self._deleted.discard(ticket_id)
        if ticket.get("support_type") == "ai_agent":
            self._ai_agent.add(ticket_id)
        else:
            self._ai_agent.discard(ticket_id)
        self._json_cache.pop(ticket_id, None)
        self.max_id = max(self.max_id, ticket_id)
        when = self._clock() if at is None else at
        self._search.record(ticket_id, when, ticket)
        if self._events is not None and old_events is not None:
            self._events.replace(ticket_id, old_events, self.event_keys(ticket_id))
        self._journal.record({"t": "ticket", "at": when, "ticket": ticket, "audits": audits})

    def restore(self, ticket: dict, audits: list[dict], at: float) -> None:
        """Put back a ticket the journal wrote down, with its conversation's ids."""
        self.conversations.note_ids(audits)
        self.put(ticket, audits, at=at)

    def archive(self, ticket_id: int) -> None:
        self._archived.add(ticket_id)

    def update(self, ids: Iterable[int], changes: dict | None = None) -> list[int]:
        """Apply ``changes`` to tickets, as an update at the sandbox's now.

        updated_at and generated_timestamp move to now first, then ``changes`` is applied
        as given, so a test can also set those two fields on purpose. A change to
        ``custom_fields`` is mirrored to ``fields`` (and the other way round).
        """
        ids = self.known(ids)
        changes = dict(changes or {})
        if "generated_timestamp" in changes and not _is_int(changes["generated_timestamp"]):
            raise ValueError("generated_timestamp must be an integer")
        if {"id", "url"} & changes.keys():
            raise ValueError("a ticket's id and url cannot be changed")
        for mirrored, source in (("fields", "custom_fields"), ("custom_fields", "fields")):
            if source in changes and mirrored not in changes:
                changes[mirrored] = changes[source]
        now = self._clock()
        for ticket_id in ids:
            ticket = copy.deepcopy(self.ticket(ticket_id))
            ticket["updated_at"] = iso(now)
            ticket["generated_timestamp"] = int(now)
            ticket.update(copy.deepcopy(changes))
            self.put(ticket)
        return ids

    def add(self, count: int) -> list[int]:
        """Create ``count`` new tickets at the sandbox's now; returns their ids."""
        if count < 0:
            raise ValueError("count must not be negative")
        now = int(self._clock())
        ids = []
        for _ in range(count):
            ticket_id = self.max_id + 1
            self.put(
                self._factory.build(
                    ticket_id,
                    created=now,
                    updated=now,
                    generated=now,
                    deleted=False,
                    base_url=self.base_url,
                    recent=True,
                )
            )
            ids.append(ticket_id)
        return ids

    def set_base_url(self, base_url: str) -> None:
        """Point ticket urls at a (new) server address."""
        self.base_url = base_url
        for ticket_id, ticket in self._stored.items():
            ticket["url"] = f"{base_url}/api/v2/tickets/{ticket_id}.json"
        self._json_cache.clear()

    def forget_encoded(self) -> None:
        """Drop every cached encoding (sideloaded users or the account's fields changed)."""
        self._json_cache.clear()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
