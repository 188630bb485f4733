"""One RECORD of a ticket stream, read once: the ticket it carries, whether it is deleted,
its import body keyed for its copy, and how to name it in messages.

Everything about a record is worked out here, in one pass: its shape (the three payload
forms of :mod:`payloads`), deletion (``status: "deleted"`` as the export marks it, or the
tap's ``_sdc_deleted_at``), the import body (:func:`to_import`, JSON values at any depth)
and its key - the link to the source ticket with ``upsert``, else its own ``external_id``
or id - derived once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from target_zendesk_tickets.copying.links import source_link
from target_zendesk_tickets.copying.source import SourceTicket
from target_zendesk_tickets.errors import BadRecordError
from target_zendesk_tickets.importing.batches import TicketRef
from target_zendesk_tickets.importing.convert import (
    ConversionError,
    external_id_text,
    is_deleted,
    to_import,
    to_json_value,
)
from target_zendesk_tickets.singer_input.payloads import PayloadError, ticket_from_record

DELETED_AT = "_sdc_deleted_at"


def read_ticket(
    record: Mapping[str, Any], stream: str, line: int, *, keyed_by_link: bool
) -> SourceTicket:
    """The ticket of one RECORD; ``keyed_by_link``: its key is the link to its source."""
    try:
        ticket = ticket_from_record(record)
        if ticket is None:  # a Conduit delete: nothing to import, nothing to name it by
            return SourceTicket(None, TicketRef(None, None, line), deleted=True)
        source_id = to_json_value(ticket.get("id"), "id")
        own = external_id_text(to_json_value(ticket.get("external_id"), "external_id"))
        link = source_link(ticket) if keyed_by_link else None
        deleted = is_deleted(ticket) or record.get(DELETED_AT) is not None
        body = None if deleted else to_import(ticket, key=link)
    except (PayloadError, ConversionError) as exc:
        raise BadRecordError(
            f"the RECORD of stream '{stream}' holds no importable ticket: {exc}"
        ) from None
    key = link or (body.get("external_id") if body is not None else None)
    return SourceTicket(
        body,
        TicketRef(source_id, key, line),
        deleted=deleted,
        link=link,
        own_external_id=own if link else None,
        deleted_problem=deleted and ticket.get("type") == "problem",
    )
