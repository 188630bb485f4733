"""What the account derives from its tickets for analytics: metric sets, metric events,
satisfaction ratings, tags, side conversations, and the audits as the Ticket Audits API
lists them.

Every answer is read off the tickets and their audits as they are now
(``generated/ticket_analytics.py``, ``generated/ticket_extras.py``), so it agrees with the
export. Generated tickets nobody changed are computed once and kept; changed ones (those
with a stored conversation) are computed again at every read, which is cheap since few
tickets change. ``Account`` calls this under its lock.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterable

from zendesk_sandbox.account.events import EventIndex, EventKey
from zendesk_sandbox.account.tickets import Tickets
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.ticket_analytics import Timeline, metric_events, metric_set, timeline
from zendesk_sandbox.generated.ticket_extras import rating_record, side_conversations
from zendesk_sandbox.timefmt import parse_iso

ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class AccountAnalytics:
    """Analytics reads of one account (see the module docstring)."""

    def __init__(self, config: SandboxConfig, directory: Directory, *, tickets: Tickets) -> None:
        self._config = config
        self._directory = directory
        self._tickets = tickets
        #: Per generated ticket nobody changed: its metric set (JSON), metric events,
        #: rating and tags, computed on first use.
        self._metric_json: dict[int, bytes] = {}
        self._events: dict[int, list[dict]] = {}
        self._static_event_keys: list[EventKey] | None = None
        self._static_ratings: list[tuple[int, int, int]] | None = None  # (at, id, ticket)
        self._static_tags: Counter[str] | None = None
        self._cached_for = tickets.base_url

    # -- which tickets ---------------------------------------------------------------------

    def _changed(self) -> set[int]:
        if self._cached_for != self._base_url:  # records hold urls: a new address drops them
            self._metric_json.clear()
            self._cached_for = self._base_url
        return set(self._tickets.conversations.stored)

    def _unchanged_generated(self) -> Iterable[int]:
        changed = self._changed()
        return (i for i in range(1, self._tickets.generated_count + 1) if i not in changed)

    def _live(self, ticket_id: int) -> bool:
        return self._tickets.state(ticket_id) in ("active", "archived")

    def _story(self, ticket_id: int) -> tuple[dict, Timeline]:
        ticket = self._tickets.ticket(ticket_id)
        return ticket, timeline(ticket, self._tickets.audits(ticket_id), self._is_agent(ticket))

    def _is_agent(self, ticket: dict) -> Callable[[int | None], bool]:
        """Agents wrote a comment when the account knows them as such; in the idealised
        account (no people), whoever is neither the requester nor a CC."""
        customers = {ticket.get("requester_id"), *(ticket.get("email_cc_ids") or ())}

        def is_agent(author: int | None) -> bool:
            user = self._directory.user(author)
            if user is not None:
                return user.is_agent
            return author is not None and author not in customers

        return is_agent

    # -- ticket metrics ----------------------------------------------------------------------

    def metric_set(self, ticket_id: int) -> dict | None:
        """The metric set of a live ticket; None for a deleted or unknown one."""
        encoded = self.encoded_metric_sets([ticket_id]).get(ticket_id)
        return None if encoded is None else json.loads(encoded)

    def encoded_metric_sets(self, ticket_ids: Iterable[int]) -> dict[int, bytes]:
        """The JSON of each live ticket's metric set (deleted and unknown ones left out)."""
        changed = self._changed()
        found = {}
        for ticket_id in ticket_ids:
            if not self._tickets.exists(ticket_id) or not self._live(ticket_id):
                continue
            cached = self._metric_json.get(ticket_id) if ticket_id not in changed else None
            if cached is None:
                ticket, story = self._story(ticket_id)
                metrics = metric_set(ticket, story, self._config.account, self._base_url)
                cached = ENCODER.encode(metrics).encode()
                if ticket_id not in changed:
                    self._metric_json[ticket_id] = cached
            found[ticket_id] = cached
        return found

    def metric_sets(self) -> list[dict]:
        """Every live ticket's metric set, by ticket id."""
        ids = [i for i in range(1, self._tickets.max_id + 1) if self._tickets.exists(i)]
        encoded = self.encoded_metric_sets(ids)
        return [json.loads(encoded[i]) for i in sorted(encoded)]

    # -- ticket metric events ----------------------------------------------------------------

    def _ticket_events(self, ticket_id: int, changed: set[int]) -> list[dict]:
        events = self._events.get(ticket_id) if ticket_id not in changed else None
        if events is None:
            ticket, story = self._story(ticket_id)
            events = metric_events(ticket, story, self._config.account)
            if ticket_id not in changed:
                self._events[ticket_id] = events
        return events

    def metric_events_page(
        self, start_time: int, limit: int, cutoff: int
    ) -> tuple[list[dict], bool]:
        """A page of the metric events export: events from ``start_time`` (inclusive) to
        ``cutoff``, ``limit`` of them plus the rest of the last one's second."""
        changed = self._changed()
        if self._static_event_keys is None:
            self._static_event_keys = [
                key
                for ticket_id in self._unchanged_generated()
                for key in _keys(self._ticket_events(ticket_id, set()))
            ]
        keys = [key for key in self._static_event_keys if key[2] not in changed]
        for ticket_id in changed:
            keys.extend(_keys(self._ticket_events(ticket_id, changed)))
        chosen, more = EventIndex(keys).page(start_time, limit, cutoff)
        by_id = {}
        for ticket_id in {key[2] for key in chosen}:
            by_id.update({e["id"]: e for e in self._ticket_events(ticket_id, changed)})
        return [copy.deepcopy(by_id[key[1]]) for key in chosen], more

    # -- satisfaction ratings ----------------------------------------------------------------

    def satisfaction_ratings(self) -> list[dict]:
        """Received ratings of live tickets, newest first (by time, then id)."""
        if self._static_ratings is None:
            self._static_ratings = [
                (rated_at, record["id"], ticket_id)
                for ticket_id in self._unchanged_generated()
                for rated_at, record in [self._rating(ticket_id)]
                if record is not None
            ]
        changed = self._changed()
        found = [
            self._rating(ticket_id)[1]
            for _, _, ticket_id in self._static_ratings
            if ticket_id not in changed and self._live(ticket_id)
        ]
        found += [self._rating(ticket_id)[1] for ticket_id in changed if self._live(ticket_id)]
        ratings = [record for record in found if record is not None]
        return sorted(ratings, key=lambda r: (r["created_at"], r["id"]), reverse=True)

    def _rating(self, ticket_id: int) -> tuple[int, dict | None]:
        """A generated ticket's rating, given when it was last updated (by the generator)."""
        if not 1 <= ticket_id <= self._tickets.generated_count:
            return 0, None  # tickets made through the API carry no received rating
        rated_at = int(parse_iso(self._tickets.generated(ticket_id)["updated_at"]) or 0)
        ticket = self._tickets.ticket(ticket_id)
        return rated_at, rating_record(ticket, rated_at, self._base_url)

    # -- tags ----------------------------------------------------------------------------------

    def tags(self) -> list[tuple[str, int]]:
        """``(name, count)`` of every tag of live tickets, most used first, then by name."""
        if self._static_tags is None:  # every generated ticket as the seed made it
            counts: Counter[str] = Counter()
            for ticket_id in range(1, self._tickets.generated_count + 1):
                counts.update(_live_tags(self._tickets.generated(ticket_id)))
            self._static_tags = counts
        counts = Counter(self._static_tags)
        for ticket_id in self._changed():
            if 1 <= ticket_id <= self._tickets.generated_count:
                counts.subtract(_live_tags(self._tickets.generated(ticket_id)))
            if self._live(ticket_id):
                counts.update(self._tickets.ticket(ticket_id).get("tags") or ())
        return sorted(((n, c) for n, c in counts.items() if c > 0), key=lambda t: (-t[1], t[0]))

    # -- side conversations and audits -------------------------------------------------------

    def side_conversations(self, ticket_id: int) -> list[dict]:
        """The side conversations of a ticket (its id must be live), oldest first."""
        if not 1 <= ticket_id <= self._tickets.generated_count:
            return []  # tickets made through the API start none
        original = self._tickets.generated(ticket_id)
        created = int(parse_iso(original["created_at"]) or 0)
        updated = int(parse_iso(original["updated_at"]) or created)
        ticket = self._tickets.ticket(ticket_id)
        return side_conversations(
            self._config.seed,
            self._config.account,
            ticket,
            created=created,
            updated=updated,
            base_url=self._base_url,
        )

    def audits(self, ticket_id: int) -> list[dict]:
        """A ticket's audits, oldest first (copies)."""
        return copy.deepcopy(self._tickets.audits(ticket_id))

    @property
    def _base_url(self) -> str:
        return self._tickets.base_url


def _live_tags(ticket: dict) -> list[str]:
    return [] if ticket.get("status") == "deleted" else list(ticket.get("tags") or ())


def _keys(events: list[dict]) -> list[EventKey]:
    return [(int(parse_iso(e["time"]) or 0), e["id"], e["ticket_id"]) for e in events]
