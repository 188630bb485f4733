"""What Zendesk keeps about one ticket, read for each exported ticket: its metric set (from
the export itself), its comments and its side conversations (one request each).

* ``ticket_metrics``: the export's ``metric_sets`` side-load puts each ticket's metric set
  in the ticket as ``metric_set``; it is taken out before the ticket goes out, so the
  ticket stays as it is without the side-load. A deleted ticket has no metric set (Zendesk
  cannot read the metrics of a deleted ticket): its row is marked deleted instead, by
  ``ticket_id`` with ``_sdc_deleted_at``.
* comments and side conversations: :class:`PartsReader` reads both on one thread, so a
  ticket costs at most one request in flight at a time (``ticket_reads.py``). An account
  without side conversations (no Collaboration add-on) answers the first such request with
  a 404 ``InvalidEndpoint`` (or a 403); they are not asked for again in the run.
  When files are fetched (``file_downloads.py``), a ticket's attachments are downloaded on
  that thread too, right after its comments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tap_zendesk_tickets.api_reads import NotOnThisAccountError, SupportReader, TicketComments

METRIC_SET = "metric_set"
#: Fetches the files of a ticket's comments into ``TicketComments.files``.
FetchFiles = Callable[[int, TicketComments], None]
DELETED = "deleted"


def take_metric_set(ticket: dict[str, Any], deleted_at: str | None) -> dict[str, Any] | None:
    """Take the ticket's metric set out of it; for a deleted ticket, the row that marks its
    metrics deleted. None when a live ticket came without one."""
    metrics = ticket.pop(METRIC_SET, None)
    if ticket.get("status") == DELETED:
        if isinstance(metrics, dict):
            return {**metrics, "_sdc_deleted_at": deleted_at}
        return {"ticket_id": ticket.get("id"), "_sdc_deleted_at": deleted_at}
    return metrics if isinstance(metrics, dict) else None


@dataclass(frozen=True)
class TicketParts:
    """What one ticket's own requests read; ``gone``: Zendesk no longer has the ticket."""

    comments: TicketComments | None = None
    side_conversations: list[dict[str, Any]] | None = None
    gone: bool = False


class PartsReader:
    """Reads the parts of one ticket the selected streams need (thread-safe)."""

    def __init__(
        self,
        reader: SupportReader,
        *,
        comments: bool,
        side_conversations: bool,
        fetch_files: FetchFiles | None = None,
    ) -> None:
        self._reader = reader
        self._comments = comments
        self._fetch_files = fetch_files
        self._side_conversations = side_conversations
        #: Set when the account turned out to have no side conversations.
        self.unavailable: NotOnThisAccountError | None = None

    def read(self, ticket_id: int) -> TicketParts:
        comments = None
        if self._comments:
            comments = self._reader.comments(ticket_id)
            if comments is None:
                return TicketParts(gone=True)
            if self._fetch_files is not None:
                self._fetch_files(ticket_id, comments)
        sides = None
        if self._side_conversations and self.unavailable is None:
            try:
                sides = self._reader.side_conversations(ticket_id)
            except NotOnThisAccountError as exc:
                self.unavailable = exc
            else:
                if sides is None:
                    return TicketParts(gone=True)
        return TicketParts(comments, sides)


def with_ticket_id(records: Sequence[Mapping[str, Any]], ticket_id: int) -> list[dict[str, Any]]:
    """Records of a ticket, each with its ``ticket_id`` (comments do not carry it)."""
    return [{**record, "ticket_id": ticket_id} for record in records]
