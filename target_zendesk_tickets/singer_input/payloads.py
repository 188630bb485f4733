"""Finding the ticket in a RECORD. Three shapes are accepted (docs/target.md):

1. the record is the ticket object (what tap-zendesk-tickets sends);
2. the record has a single property whose value is the ticket as JSON text
   (``{"ticket_json": "{\\"subject\\": ...}"}``), for taps that pass raw payloads through;
3. the seed's Conduit (OpenCDC) record,
   ``{"key", "metadata", "position", "operation", "payload": {"before", "after"}}``,
   where ``after`` is the ticket object or its JSON text (Conduit's raw-data form,
   base64 of the JSON text, is accepted too).

Anything else that does not yield a JSON object is an error naming what was found.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_CONDUIT_KEYS = frozenset({"key", "metadata", "position", "operation", "payload"})
_CONDUIT_PAYLOAD_KEYS = frozenset({"before", "after"})

#: Names a one-property record may use and still be a ticket (shape 1), not a wrapper.
TICKET_FIELDS = frozenset(
    {
        # Returned by Zendesk (the Ticket object).
        "id", "url", "external_id", "via", "created_at", "updated_at", "generated_timestamp",
        "type", "subject", "raw_subject", "description", "priority", "status",
        "custom_status_id", "recipient", "requester_id", "submitter_id", "assignee_id",
        "organization_id", "group_id", "collaborator_ids", "follower_ids", "email_cc_ids",
        "forum_topic_id", "problem_id", "has_incidents", "is_public", "due_at", "tags",
        "custom_fields", "fields", "satisfaction_rating", "sharing_agreement_ids",
        "followup_ids", "ticket_form_id", "brand_id", "allow_channelback",
        "allow_attachments", "from_messaging_channel", "encoded_id", "support_type",
        # Write-only or import-only.
        "comment", "comments", "requester", "collaborators", "email_ccs", "followers",
        "solved_at", "assignee_email", "macro_ids", "metadata",
    }
)  # fmt: skip


class PayloadError(ValueError):
    """The record holds no usable ticket; the message says what it holds instead."""


def ticket_from_record(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ticket a RECORD carries, or None for a Conduit delete (nothing to import)."""
    keys = [key for key in record if not key.startswith("_sdc_")]
    if not keys:
        raise PayloadError("the record is empty: it has no ticket fields")
    if _is_conduit_record(record, keys):
        return _from_conduit(record)
    if len(keys) == 1 and keys[0] not in TICKET_FIELDS:
        name = keys[0]
        return _ticket_from_value(record[name], f"property '{name}'")
    return dict(record)


def _is_conduit_record(record: Mapping[str, Any], keys: list[str]) -> bool:
    payload = record.get("payload")
    return (
        isinstance(payload, Mapping)
        and bool(payload.keys() & _CONDUIT_PAYLOAD_KEYS)
        and set(payload) <= _CONDUIT_PAYLOAD_KEYS
        and set(keys) <= _CONDUIT_KEYS
    )


def _from_conduit(record: Mapping[str, Any]) -> dict[str, Any] | None:
    after = record["payload"].get("after")
    if after is None:
        if str(record.get("operation", "")).lower() == "delete":
            return None
        raise PayloadError(
            "the Conduit record has no payload.after (only a delete may come without "
            f"one; this record's operation is {record.get('operation')!r})"
        )
    return _ticket_from_value(after, "payload.after of the Conduit record")


def _ticket_from_value(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise PayloadError(f"{where} is {_kind(value)}, not a ticket object or its JSON text")
    parsed = _parse_json_text(value, where)
    if not isinstance(parsed, dict):
        raise PayloadError(f"{where} is JSON text of {_kind(parsed)}, not of a ticket object")
    return parsed


def _parse_json_text(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        decoded = _base64_json(text)
        if decoded is not None:
            return decoded
        problem = (
            f"{exc.msg} at position {exc.pos}" if isinstance(exc, json.JSONDecodeError) else exc
        )
        raise PayloadError(f"{where} is not valid JSON text ({problem})") from None


def _base64_json(text: str) -> Any:
    """Conduit serialises raw payload bytes as base64; None when ``text`` is not that."""
    try:
        raw = base64.b64decode(text, validate=True)
        return json.loads(raw, parse_float=Decimal) if raw.lstrip()[:1] == b"{" else None
    except (binascii.Error, ValueError):
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"
