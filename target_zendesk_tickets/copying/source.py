"""A source ticket as the copy engine receives it from the input (read once, in
:mod:`target_zendesk_tickets.singer_input.tickets`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from target_zendesk_tickets.importing.batches import TicketRef


@dataclass(frozen=True)
class SourceTicket:
    #: The import body (None for a deleted ticket: Zendesk cannot import one).
    body: dict[str, Any] | None
    ref: TicketRef
    deleted: bool = False
    #: ``zendesk:<host>:<id>`` with ``upsert`` (the copy's external_id), else None.
    link: str | None = None
    #: The source ticket's own external_id, kept beside the link (sourceExternalIdField).
    own_external_id: str | None = None
    #: A deleted ticket that was a problem (its incidents can no longer be linked to it).
    deleted_problem: bool = False

    @property
    def key(self) -> str | None:
        """What the copy is found by: the link, else the body's external_id."""
        return self.ref.external_id
