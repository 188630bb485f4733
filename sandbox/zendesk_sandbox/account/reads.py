"""What the account answers beyond tickets: comments, ticket events, search, users, and
the records an export page refers to.

``Account`` calls it under its lock; the tickets and their conversations are
``tickets.py``'s.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zendesk_sandbox.account.search import Facts, SearchHistory
from zendesk_sandbox.account.tickets import Tickets
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.people import User
from zendesk_sandbox.generated.tickets import ticket_from_external_id

USER_FIELDS = ("requester_id", "submitter_id", "assignee_id")
USER_LIST_FIELDS = ("collaborator_ids", "follower_ids", "email_cc_ids")


class AccountReads:
    """Comments, ticket events, search, users and side-loads of one account."""

    def __init__(
        self,
        config: SandboxConfig,
        directory: Directory,
        *,
        tickets: Tickets,
        search: SearchHistory,
        clock: Callable[[], float],
    ) -> None:
        self._config = config  # read at each use: search_delay can be changed
        self._directory = directory
        self._tickets = tickets
        self._search = search
        self._clock = clock
        self._generated_search: dict[str | None, list[int]] | None = None  # on first search

    # -- comments ------------------------------------------------------------------------

    def comments(self, ticket_id: int) -> list[tuple[dict, int]]:
        """``(comment, audit id)`` of each comment of a ticket, oldest first."""
        audits = self._tickets.audits(ticket_id)
        found = [(audit["comment"], audit["id"]) for audit in audits if audit.get("comment")]
        return [(copy.deepcopy(comment), audit_id) for comment, audit_id in found]

    def _comment_count(self, ticket_id: int) -> int:
        stored = self._tickets.conversations.stored.get(ticket_id)
        if stored is not None:
            return sum(1 for audit in stored if audit.get("comment"))
        return len(self._tickets.event_keys(ticket_id))  # one audit per generated comment

    # -- the ticket events export ----------------------------------------------------------

    def ticket_events(self, start_time: int, limit: int, cutoff: int) -> tuple[list[dict], bool]:
        """The audits of an events-export page (see ``EventIndex.page``) and whether more
        are left."""
        tickets = self._tickets
        chosen, more = tickets.event_index().page(start_time, limit, cutoff)
        by_ticket: dict[int, dict[int, dict]] = {}
        audits = []
        for _, audit_id, ticket_id in chosen:
            if ticket_id not in by_ticket:
                by_ticket[ticket_id] = {a["id"]: a for a in tickets.audits(ticket_id)}
            audits.append(copy.deepcopy(by_ticket[ticket_id][audit_id]))
        return audits, more

    # -- search --------------------------------------------------------------------------

    def search_ticket_ids(self, terms: list[tuple[str, str]]) -> list[int]:
        """Ids of the tickets whose indexed facts match ``terms``, ascending.

        The index shows each ticket as it was ``search_delay`` seconds ago.
        """
        as_of = self._clock() - self._config.search_delay
        count = self._tickets.generated_count
        changed = set(self._search.changed())
        external = [value for key, value in terms if key == "external_id"]
        if external:
            candidates = set(self._search.ever_had_external_id(external[0]))
            generated = ticket_from_external_id(self._config.seed, external[0])
            if generated is not None and generated <= count:
                candidates.add(generated)
        else:
            candidates = set(changed) | set(self._generated_index().get(_first_tag(terms), ()))
        found = []
        for ticket_id in sorted(candidates):
            facts = self._search.as_of(ticket_id, as_of) if ticket_id in changed else None
            if facts is None and 1 <= ticket_id <= count:
                # Not (re)indexed since it changed: search still has the generated ticket.
                facts = self._generated_facts(ticket_id)
            if facts is not None and facts.matches(terms):
                found.append(ticket_id)
        return found

    def _generated_index(self) -> dict[str | None, list[int]]:
        """Tag -> generated ticket ids (None -> all of them), built on the first search."""
        if self._generated_search is None:
            count = self._tickets.generated_count
            index: dict[str | None, list[int]] = {None: list(range(1, count + 1))}
            for ticket_id in range(1, count + 1):
                for tag in self._generated_facts(ticket_id).tags:
                    index.setdefault(tag, []).append(ticket_id)
            self._generated_search = index
        return self._generated_search

    def _generated_facts(self, ticket_id: int) -> Facts:
        return Facts.of(self._tickets.generated(ticket_id))

    # -- users ---------------------------------------------------------------------------

    def user_export_slice(
        self, after: tuple[int, int], limit: int, cutoff: int
    ) -> tuple[list[tuple[int, int]], list[dict], bool]:
        """The user cursor export's next page: keys ``(updated_at, id)``, users, more."""
        people, base = self._directory.people, self._tickets.base_url
        order = sorted((user.updated_at, user.id) for user in people.users)
        chosen = [key for key in order if key > after and key[0] <= cutoff]
        page = chosen[:limit]
        users = [people.by_id[user_id].to_json(base) for _, user_id in page]
        return page, users, len(chosen) > limit

    def sideloads(self, ticket_ids: list[int], includes: set[str]) -> dict:
        """The ``users``, ``groups`` and ``organizations`` the tickets refer to, and each
        ticket's ``comment_count`` (``{"comment_count": {id: n}}``)."""
        tickets = [self._tickets.ticket(ticket_id) for ticket_id in ticket_ids]
        base, directory = self._tickets.base_url, self._directory
        result: dict = {}
        if "users" in includes:
            wanted: dict[int, User] = {}
            for ticket in tickets:
                ids = [ticket.get(name) for name in USER_FIELDS]
                ids += [i for name in USER_LIST_FIELDS for i in ticket.get(name) or ()]
                for user_id in ids:
                    user = directory.user(user_id)
                    if user is not None:
                        wanted[user.id] = user
            result["users"] = [wanted[i].to_json(base) for i in sorted(wanted)]
        if "groups" in includes:
            groups = directory.structure.group_by_id
            group_ids = {t["group_id"] for t in tickets} & groups.keys()
            result["groups"] = [groups[i].to_json(base) for i in sorted(group_ids)]
        if "organizations" in includes:
            table = directory.structure.organization_by_id
            org_ids = {t["organization_id"] for t in tickets} & table.keys()
            result["organizations"] = [table[i].to_json(base) for i in sorted(org_ids)]
        if "comment_count" in includes:
            result["comment_count"] = {i: self._comment_count(i) for i in ticket_ids}
        return result


def _first_tag(terms: list[tuple[str, str]]) -> str | None:
    return next((value for key, value in terms if key == "tags"), None)
