"""One bulk import: its tickets, and enough about each to name it in a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TicketRef:
    """Who a ticket is, for messages: its exported id, external_id and input line."""

    source_id: Any
    external_id: str | None
    line: int

    def describe(self) -> str:
        if self.source_id is not None:
            text = f"ticket {self.source_id}"
            if self.external_id is not None and self.external_id != str(self.source_id):
                text += f" (external_id {self.external_id!r})"
        elif self.external_id is not None:
            text = f"ticket with external_id {self.external_id!r}"
        else:
            text = "a ticket with neither id nor external_id"
        return f"{text}, input line {self.line}"


IMPORT, UPDATE = "import", "update"
#: Zendesk's limit for one bulk import (or update_many) call.
MAX_BATCH = 100


@dataclass
class Batch:
    """Up to 100 import bodies (or, for ``kind`` update, ticket updates) from one stream,
    in input order.

    ``number`` is given when the batch is submitted (1, 2, ...). ``tickets`` is emptied
    once Zendesk has taken the batch, so memory is held only until then; ``refs`` stay
    for the messages. ``copies`` says, per ticket, what the copy will look like (for the
    copy index once the job is done); ``comment_counts`` the copy's comments before an
    update adds one (to tell, after a lost answer, whether it was added).
    """

    stream: str
    tickets: list[dict[str, Any]]
    refs: list[TicketRef]
    kind: str = IMPORT
    copies: list[Any] = field(default_factory=list)
    comment_counts: list[int | None] = field(default_factory=list)
    number: int = 0
    submitted: bool = field(default=False, repr=False)
    #: An import call for it got no clear answer, and it is not yet known whether that
    #: call created a job (set and cleared by the importer).
    in_doubt: bool = field(default=False, repr=False)
    #: Called before every attempt to send the batch, with the attempt's number (1, 2, ...):
    #: the copy engine attaches the comments' files there, just in time (a failure it
    #: raises is not the import call's).
    before_send: Callable[[int], None] | None = field(default=None, repr=False)
    attempts: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if len(self.tickets) != len(self.refs):
            raise ValueError("a batch needs one reference per ticket")

    @property
    def size(self) -> int:
        return len(self.refs)

    @property
    def lines(self) -> str:
        first, last = self.refs[0].line, self.refs[-1].line
        return f"line {first}" if first == last else f"lines {first}-{last}"

    def describe(self) -> str:
        return f"batch {self.number} ({self.contents()})"

    def contents(self) -> str:
        """``10 tickets of stream 'tickets', input lines 13-22``, for a batch without number."""
        what = "tickets" if self.kind == IMPORT else "ticket updates"
        return f"{self.size} {what} of stream '{self.stream}', input {self.lines}"

    def describe_ticket(self, index: int) -> str:
        """``ticket 4217, input line 205, position 5 of 100 in batch 3`` (Zendesk's index + 1)."""
        where = f"position {index + 1} of {self.size} in batch {self.number}"
        if 0 <= index < self.size:
            return f"{self.refs[index].describe()}, {where}"
        return f"an entry Zendesk numbered {index}, outside batch {self.number}"
