"""The field changes of a stored audit, one per field, as Zendesk's change events name them.

A stored audit holds ``[field, value, previous]`` changes (``generated/conversations.py``).
Zendesk names one field per change event: a change of ``custom_fields`` is one event per
custom field whose value changed, named by the field's id [GUESS]; a change of ``tags``
also says which tags were added and removed [OBS: singer-io's ticket event schema].
"""

from __future__ import annotations


def field_changes(audit: dict) -> list[tuple[str, object, object]]:
    """``(field name, value, previous value)`` of each field an audit changed, in order."""
    found: list[tuple[str, object, object]] = []
    for name, value, previous in audit["changes"]:
        if name == "custom_fields" and isinstance(value, list):
            before = {e.get("id"): e.get("value") for e in previous or () if isinstance(e, dict)}
            for entry in value:
                if isinstance(entry, dict) and before.get(entry.get("id")) != entry.get("value"):
                    found.append(
                        (str(entry.get("id")), entry.get("value"), before.get(entry.get("id")))
                    )
        else:
            found.append((name, value, previous))
    return found


def tag_difference(value: object, previous: object) -> dict:
    """``added_tags`` and ``removed_tags`` of a change of ``tags``."""
    now, before = set(value or ()), set(previous or ())  # type: ignore[call-overload]
    return {"added_tags": sorted(now - before), "removed_tags": sorted(before - now)}
