"""Turning an exported ticket into one Zendesk's bulk import accepts. Pure functions.

* Fields Zendesk computes itself are dropped (:data:`READ_ONLY_FIELDS`, plus the SDK's
  ``_sdc_*`` metadata): an import creates a new ticket, so they would be ignored at best.
* The source ticket stays traceable: its ``id`` becomes ``external_id`` (as a string)
  when the ticket has none. An ``external_id`` the ticket has is always sent as a string
  too (``4217`` -> ``"4217"``), as Zendesk stores it. The importer relies on
  ``external_id`` to check, after an unclear answer, whether a batch was imported.
* The SDK hands over date-times as ``datetime`` and numbers as ``Decimal``; they become
  RFC 3339 strings in UTC (``2024-03-07T09:01:44Z``) and JSON numbers (integral
  values as integers), at any depth.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

#: Read-only in Zendesk's Ticket object, or a duplicate; never sent to the import.
READ_ONLY_FIELDS = frozenset(
    {
        "id",  # Zendesk assigns a new id; the old one goes to external_id
        "url",
        "generated_timestamp",
        "via",  # imports are "via api"; the original channel cannot be set
        "has_incidents",
        "is_public",
        "followup_ids",
        "forum_topic_id",
        "allow_channelback",
        "allow_attachments",
        "from_messaging_channel",
        "encoded_id",
        "satisfaction_rating",  # set by the CSAT survey, not by an import
        "fields",  # duplicate of custom_fields
        "support_type",  # agent or AI agent, decided by Zendesk
    }
)
SDC_PREFIX = "_sdc_"
DELETED = "deleted"


class ConversionError(ValueError):
    """A value that has no JSON form (for example a NaN number)."""


def is_deleted(ticket: Mapping[str, Any]) -> bool:
    """The export marks deleted tickets ``status: "deleted"``; they cannot be imported."""
    status = ticket.get("status")
    return isinstance(status, str) and status.lower() == DELETED


def to_import(ticket: Mapping[str, Any], key: str | None = None) -> dict[str, Any]:
    """The import body for one exported ticket; ``key`` (the copy's link to its source)
    becomes its ``external_id`` when given, else its own external_id or id does."""
    result = {
        name: to_json_value(value, name)
        for name, value in ticket.items()
        if name not in READ_ONLY_FIELDS and not name.startswith(SDC_PREFIX)
    }
    source_id = ticket.get("id")
    if key:
        result["external_id"] = key
    elif _is_blank(result.get("external_id")):
        if source_id is not None:
            result["external_id"] = external_id_text(to_json_value(source_id, "id"))
    else:
        result["external_id"] = external_id_text(result["external_id"])
    return result


def external_id_text(value: Any) -> str | None:
    """``external_id`` as Zendesk stores it: a string (``4217`` -> ``"4217"``).

    Zendesk keeps external_id as a string; a number sent as a JSON number would come back
    as a string, and the look-up after an unclear answer compares them.
    """
    if value is None or isinstance(value, str):
        return value
    return json.dumps(to_json_value(value, "external_id"), separators=(",", ":"))


def to_json_value(value: Any, where: str = "value") -> Any:  # noqa: PLR0911 - one per type
    """``value`` with every datetime, date, Decimal and tuple replaced by its JSON form."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Decimal):
        return _decimal(value, where)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConversionError(f"{where} is {value}, which JSON cannot carry")
        return value
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise ConversionError(f"{where} is a {type(value).__name__}, which has no JSON form")


def format_datetime(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a ``Z``; naive values are taken as UTC (as Zendesk's are)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def _decimal(value: Decimal, where: str) -> int | float:
    if not value.is_finite():
        raise ConversionError(f"{where} is {value}, which JSON cannot carry")
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
