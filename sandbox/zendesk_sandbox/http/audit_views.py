"""A ticket's audits as the Ticket Audits API shows them (``GET /api/v2/tickets/{id}/audits``):
its comment and one ``Create`` or ``Change`` event per field (``field_changes.py``), with the
ids the ticket events export gives the same changes."""

from __future__ import annotations

from zendesk_sandbox.generated.universe import child_event_id
from zendesk_sandbox.http.field_changes import field_changes
from zendesk_sandbox.http.views import comment_json
from zendesk_sandbox.timefmt import iso


def audit_json(audit: dict, base_url: str) -> dict:
    """One audit as ``GET /api/v2/tickets/{id}/audits`` lists it."""
    kind = "Create" if audit["create"] else "Change"
    events: list[dict] = []
    comment = audit.get("comment")
    if comment:
        events.append(comment_json(comment, audit["id"], base_url))
    for position, (name, value, previous) in enumerate(field_changes(audit)):
        event: dict = {
            "id": child_event_id(audit["id"], position),
            "type": kind,
            "field_name": name,
            "value": value,
        }
        if kind == "Change":
            event["previous_value"] = previous
        events.append(event)
    return {
        "id": audit["id"],
        "ticket_id": audit["ticket_id"],
        "created_at": iso(audit["at"]),
        "author_id": audit["author_id"],
        "metadata": {"system": {"client": "sandbox", "ip_address": None}, "custom": {}},
        "via": {"channel": audit["channel"], "source": {"from": {}, "to": {}, "rel": None}},
        "events": events,
    }
