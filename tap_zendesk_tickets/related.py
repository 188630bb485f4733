"""Every record a ticket refers to, emitted before the ticket: the order contract.

For each export page, before its first ticket goes out (:meth:`Related.before_page`):

1. ``ticket_fields``, ``ticket_forms``, ``brands``, ``custom_statuses``: the account's
   whole lists, each read before the first page whose tickets refer to one (on Zendesk
   every ticket has a brand, a form, a custom status and custom fields, so that is the
   run's first page with tickets; a run that finds no change reads nothing). A later page
   that refers to one missing from them reads that list again, once a run (it was made
   during the run);
2. ``groups``, ``organizations``, ``users``: the page's side-loads (``include=``), each
   record once a run unless it changed; users the page's tickets refer to that the
   side-load lacks are asked for with ``users/show_many``.

For each ticket, just before it (:meth:`Related.before_ticket`), what Zendesk keeps about
that ticket (``per_ticket.py``): its ``ticket_metrics`` row (the export's ``metric_sets``
side-load, taken out of the ticket); when ``ticket_comments`` is selected, its comments
(``GET /api/v2/tickets/{id}/comments``, ``include=users``), preceded by their authors not
sent yet (``users/show_many`` for any the answer lacks); when ``side_conversations`` is, its
side conversations. Those requests are read a few tickets ahead (``ticket_reads.py``);
deleted tickets are not asked about.
Each comment that has attachments says in ``attachment_files`` where their bytes wait in the
file spool, when files are fetched (``file_downloads.py``; fetched by the thread that read
the comments, right after them).

Only selected streams are read or emitted. A reference that Zendesk cannot give (a user
deleted for good, a field removed) is left out: a warning for each page that finds some
(each id is reported once), and a count at the end of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from tap_zendesk_tickets.api_reads import SupportReader, TicketComments
from tap_zendesk_tickets.file_downloads import FILES_FIELD, AttachmentDownloads
from tap_zendesk_tickets.per_ticket import PartsReader, TicketParts, take_metric_set, with_ticket_id
from tap_zendesk_tickets.references import (
    BRANDS,
    COMMENTS,
    CUSTOM_ROLES,
    CUSTOM_STATUSES,
    GROUP_MEMBERSHIPS,
    GROUPS,
    ORGANIZATION_FIELD_DEFINITIONS,
    ORGANIZATION_MEMBERSHIPS,
    ORGANIZATIONS,
    SIDE_CONVERSATIONS,
    TICKET_FIELDS,
    TICKET_FORMS,
    TICKET_INCIDENTS,
    TICKET_METRICS,
    USER_FIELD_DEFINITIONS,
    USERS,
    SentRecords,
    ids_of,
    referrers,
)
from tap_zendesk_tickets.sdk_hooks import FedStream
from tap_zendesk_tickets.ticket_reads import TicketReads
from zendesk_api.errors import ZendeskHTTPError

logger = logging.getLogger(__name__)

#: The export's side-loads, in the order they are emitted (users refer to the others).
SIDE_LOADS = (GROUPS, ORGANIZATIONS, USERS)
#: The export's side-load of ticket metrics (inside each ticket, not a stream's name).
METRIC_SETS = "metric_sets"
#: The account's lists read once a run, in the order they are emitted.
LISTS = {
    TICKET_FIELDS: "/api/v2/ticket_fields.json",
    TICKET_FORMS: "/api/v2/ticket_forms.json",
    BRANDS: "/api/v2/brands.json",
    CUSTOM_STATUSES: "/api/v2/custom_statuses.json",
}
#: The account's lists a copy creating the source's structure needs: read once a run,
#: before the first ticket, whatever it refers to (definitions before what uses them).
ACCOUNT_LISTS = {
    USER_FIELD_DEFINITIONS: "/api/v2/user_fields.json",
    ORGANIZATION_FIELD_DEFINITIONS: "/api/v2/organization_fields.json",
    CUSTOM_ROLES: "/api/v2/custom_roles.json",
    GROUP_MEMBERSHIPS: "/api/v2/group_memberships.json",
    ORGANIZATION_MEMBERSHIPS: "/api/v2/organization_memberships.json",
}
DELETED = "deleted"
PROBLEM = "problem"


class Related:
    """Emits, through the selected side streams, what each ticket refers to."""

    def __init__(
        self,
        streams: Mapping[str, FedStream],
        reader: SupportReader,
        *,
        in_flight: int = 1,
        downloads: AttachmentDownloads | None = None,
    ) -> None:
        """``in_flight``: how many tickets' comments may be read at once; ``downloads``
        fetches their attachments (None: files are not fetched)."""
        self._streams = {name: stream for name, stream in streams.items() if stream.selected}
        self._reader = reader
        self._downloads = downloads
        self._parts = PartsReader(
            reader,
            comments=COMMENTS in self._streams,
            side_conversations=SIDE_CONVERSATIONS in self._streams,
            fetch_files=downloads.fetch if downloads else None,
        )
        self._reads = TicketReads(self._parts.read, in_flight)
        self._told_unavailable = False
        self._sent = SentRecords()
        self._page = 0
        #: The page each list was last read for, whether it was read again, and its ids.
        self._read_on: dict[str, int] = {}
        self._read_again: set[str] = set()
        self._listed: dict[str, set[int]] = {}
        #: Ids Zendesk could not give, by kind, with the first ticket that referred to each.
        self.missing: dict[str, dict[int, Any]] = {}
        self.deleted_tickets = 0  # their comments are not asked for

    @property
    def includes(self) -> list[str]:
        """The export side-loads to ask for: those of the selected streams."""
        found = [kind for kind in SIDE_LOADS if kind in self._streams]
        return [*found, METRIC_SETS] if TICKET_METRICS in self._streams else found

    def before_page(
        self, side_loads: Mapping[str, Sequence[dict[str, Any]]], tickets: Sequence[dict[str, Any]]
    ) -> None:
        """Emit what ``tickets`` (the page's tickets about to go out) refer to."""
        if not tickets:
            return
        self._page += 1
        self._emit_account_lists()
        kinds = [kind for kind in (*LISTS, *SIDE_LOADS) if kind in self._streams]
        wanted = referrers(kinds, tickets)
        for kind in LISTS:
            if kind in self._streams:
                self._emit_list(kind, wanted[kind])
        for kind in SIDE_LOADS:
            if kind not in self._streams:
                continue
            records = list(side_loads.get(kind) or [])
            if kind == USERS:
                records += self._users_missing(wanted[kind], records)
            else:
                self._note_missing(kind, wanted[kind], ids_of(records))
            self._streams[kind].emit(self._sent.fresh(kind, records))
        if self._reads_per_ticket:
            self._reads.plan(
                ticket["id"]
                for ticket in tickets
                if isinstance(ticket.get("id"), int) and ticket.get("status") != DELETED
            )

    @property
    def _reads_per_ticket(self) -> bool:
        return COMMENTS in self._streams or (
            SIDE_CONVERSATIONS in self._streams and self._parts.unavailable is None
        )

    def _emit_account_lists(self) -> None:
        """Once a run, before the first ticket: the selected lists of ``ACCOUNT_LISTS``."""
        for kind, path in ACCOUNT_LISTS.items():
            if kind not in self._streams or kind in self._read_on:
                continue
            self._read_on[kind] = self._page
            try:
                records = self._reader.list_all(path, kind)
            except ZendeskHTTPError as exc:
                if exc.status not in (403, 404):
                    raise
                # Custom roles are an Enterprise feature: an account without them says so.
                logger.info("The account has no %s to read (%s): none is sent", kind, exc)
                continue
            self._streams[kind].emit(records)

    def _emit_incidents(self, ticket: Mapping[str, Any]) -> None:
        """A problem ticket's incidents (``ticket_incidents``), just before it."""
        ticket_id = ticket.get("id")
        if (
            TICKET_INCIDENTS not in self._streams
            or ticket.get("type") != PROBLEM
            or not ticket.get("has_incidents")
            or not isinstance(ticket_id, int)
        ):
            return
        path = f"/api/v2/tickets/{ticket_id}/incidents.json"
        try:
            incidents = self._reader.list_all(path, "tickets")
        except ZendeskHTTPError as exc:
            if exc.status != 404:
                raise
            return  # deleted since its page was read: the next run sends it as deleted
        self._streams[TICKET_INCIDENTS].emit(
            [
                {"problem_id": ticket_id, "incident_id": incident["id"]}
                for incident in incidents
                if isinstance(incident.get("id"), int)
            ]
        )

    def before_ticket(self, ticket: dict[str, Any]) -> None:
        """Emit what Zendesk keeps about the ticket: its metrics, its comments (their
        authors first), its side conversations, and a problem's incidents."""
        self._emit_incidents(ticket)
        if TICKET_METRICS in self._streams:
            metrics = take_metric_set(ticket, ticket.get("_sdc_deleted_at"))
            if metrics is not None:
                self._streams[TICKET_METRICS].emit([metrics])
        ticket_id = ticket.get("id")
        self._tell_if_unavailable()
        if not self._reads_per_ticket or not isinstance(ticket_id, int):
            return
        if ticket.get("status") == DELETED:
            self.deleted_tickets += 1
            return
        parts = self._reads.take(ticket_id)
        self._tell_if_unavailable()
        if parts.gone:
            logger.warning(
                "Zendesk no longer has ticket %s (deleted since its export page was read?): "
                "its comments and side conversations are left out; the next run sends it "
                "as deleted",
                ticket_id,
            )
            return
        self._emit_comments(ticket_id, parts)
        if parts.side_conversations is not None and SIDE_CONVERSATIONS in self._streams:
            self._streams[SIDE_CONVERSATIONS].emit(
                with_ticket_id(parts.side_conversations, ticket_id)
            )

    def _emit_comments(self, ticket_id: int, parts: TicketParts) -> None:
        found, comments_stream = parts.comments, self._streams.get(COMMENTS)
        if found is None or comments_stream is None:
            return
        if USERS in self._streams:
            authors = {
                author: ticket_id
                for author in (comment.get("author_id") for comment in found.comments)
                if isinstance(author, int)
            }
            users = list(found.users) + self._users_missing(authors, found.users)
            self._streams[USERS].emit(self._sent.fresh(USERS, users))
        comments_stream.emit(
            {**comment, "ticket_id": ticket_id, **_files_of(comment, found)}
            for comment in found.comments
        )

    def _tell_if_unavailable(self) -> None:
        """One INFO line when the account turns out to have no side conversations."""
        if self._parts.unavailable is None or self._told_unavailable:
            return
        self._told_unavailable = True
        logger.info(
            "The account has no side conversations to read (%s: the Collaboration add-on "
            "is needed, and an agent's or admin's role): side_conversations sends nothing "
            "in this run",
            self._parts.unavailable,
        )

    def close(self) -> None:
        """End of the run: record counts, and what the Support API reads cost."""
        self._reads.close()
        for stream in self._streams.values():
            stream.close()
        made = self._reader.requests
        if made:
            logger.info(
                "Support API requests besides the export: %s",
                ", ".join(f"{kind} {count}" for kind, count in sorted(made.items())),
            )
        if self.deleted_tickets:
            logger.info("Comments not asked for: %d deleted tickets", self.deleted_tickets)
        files = self._downloads.summary() if self._downloads else None
        if files:
            logger.info("%s", files[0].upper() + files[1:])
        for kind, ids in sorted(self.missing.items()):
            logger.warning(
                "%d %s referred to in this run are not in Zendesk's answers; they have no "
                "%s record",
                len(ids),
                kind,
                kind,
            )

    def _users_missing(
        self, wanted: Mapping[int, Any], have: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Users of ``wanted`` (id -> the ticket that refers to it) neither in ``have`` nor
        sent nor known missing already: asked for with ``users/show_many``."""
        there = ids_of(have)
        known_missing = self.missing.get(USERS, {})
        asked = {
            user_id: ticket
            for user_id, ticket in wanted.items()
            if user_id not in there
            and user_id not in known_missing
            and not self._sent.has(USERS, user_id)
        }
        if not asked:
            return []
        found = self._reader.users(asked)
        got = ids_of(found)
        self._report(USERS, {i: ticket for i, ticket in asked.items() if i not in got})
        return found

    def _emit_list(self, kind: str, wanted: Mapping[int, Any]) -> None:
        """``wanted``: the ids of ``kind`` the page refers to, with a ticket referring to each."""
        if kind not in self._read_on:
            if not wanted:
                return  # read when a ticket first refers to one
            self._read(kind)
        elif kind not in self._read_again and self._read_on[kind] < self._page:
            known = self._listed[kind]
            missing = self.missing.get(kind, {})
            if any(i not in known and i not in missing for i in wanted):
                logger.info("A ticket refers to %s missing from the list: reading it again", kind)
                self._read_again.add(kind)
                self._read(kind)
        self._note_missing(kind, wanted, self._listed[kind])

    def _read(self, kind: str) -> None:
        records = self._reader.list_all(LISTS[kind], kind)
        self._read_on[kind] = self._page
        self._listed[kind] = ids_of(records)
        self._streams[kind].emit(self._sent.fresh(kind, records))

    def _note_missing(self, kind: str, wanted: Mapping[int, Any], listed: set[int]) -> None:
        """Report the ids of ``wanted`` that are neither in ``listed`` nor sent."""
        known = self.missing.get(kind, {})
        lost = {
            record_id: ticket
            for record_id, ticket in wanted.items()
            if record_id not in listed
            and record_id not in known
            and not self._sent.has(kind, record_id)
        }
        self._report(kind, lost)

    def _report(self, kind: str, lost: Mapping[int, Any]) -> None:
        """One warning for the ids of ``kind`` found missing now (each is reported once)."""
        if not lost:
            return
        self.missing.setdefault(kind, {}).update(lost)
        examples = ", ".join(f"{i} (ticket {t})" for i, t in list(lost.items())[:3])
        logger.warning(
            "Zendesk's answers lack %d %s that tickets refer to (deleted for good?), for "
            "example %s: they have no %s record",
            len(lost),
            kind,
            examples,
            kind,
        )


def _files_of(comment: Mapping[str, Any], found: TicketComments) -> dict[str, Any]:
    """``{"attachment_files": [...]}`` for a comment whose files were fetched, else nothing."""
    files = found.files.get(comment.get("id"))  # type: ignore[arg-type]
    return {FILES_FIELD: files} if files is not None else {}
