"""Stored audits and comments rendered as Zendesk's JSON (comments, ticket events)."""

from __future__ import annotations

from zendesk_sandbox.generated.universe import child_event_id
from zendesk_sandbox.http.field_changes import field_changes, tag_difference
from zendesk_sandbox.timefmt import iso

# The ticket events export spells ``via`` as a word, not as the object tickets carry.
VIA_NAMES = {"email": "Mail", "web": "Web form", "api": "Web service", "voice": "Voice"}


def _via(channel: str) -> dict:
    return {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}}


def attachment_json(attachment: dict, base_url: str) -> dict:
    name = attachment["file_name"]
    token = f"sandbox{attachment['id']}"
    content_url = f"{base_url}/attachments/token/{token}/?name={name}"
    return {
        "url": f"{base_url}/api/v2/attachments/{attachment['id']}.json",
        "id": attachment["id"],
        "file_name": name,
        "content_url": content_url,
        "mapped_content_url": content_url,
        "content_type": attachment["content_type"],
        "size": attachment["size"],
        "width": attachment.get("width"),
        "height": attachment.get("height"),
        "inline": attachment.get("inline", False),
        "deleted": False,
        "malware_access_override": False,
        "malware_scan_result": "malware_not_found",
        "thumbnails": [],
    }


def comment_json(comment: dict, audit_id: int, base_url: str) -> dict:
    """One comment as ``GET /api/v2/tickets/{id}/comments`` shows it."""
    return {
        "id": comment["id"],
        "type": "Comment",
        "author_id": comment["author_id"],
        "body": comment["body"],
        "html_body": comment["html_body"],
        "plain_body": comment["plain_body"],
        "public": comment["public"],
        "attachments": [attachment_json(a, base_url) for a in comment["attachments"]],
        "audit_id": audit_id,
        "via": _via(comment["channel"]),
        "created_at": iso(comment["created_at"]),
        "metadata": {"system": {"client": "sandbox"}, "custom": {}},
    }


def event_json(audit: dict, *, with_comments: bool, base_url: str) -> dict:
    """One audit as an entry of ``GET /api/v2/incremental/ticket_events``."""
    via = VIA_NAMES.get(audit["channel"], audit["channel"])
    children = []
    for position, (name, value, previous) in enumerate(field_changes(audit)):
        child = {
            "id": child_event_id(audit["id"], position),
            "via": via,
            "via_reference_id": None,
            name: value,
            "event_type": "Create" if audit["create"] else "Change",
        }
        if not audit["create"]:
            child["previous_value"] = previous
            if name == "tags":
                child.update(tag_difference(value, previous))
        children.append(child)
    comment = audit.get("comment")
    if comment and with_comments:
        children.append(
            {
                **comment_json(comment, audit["id"], base_url),
                "id": comment["id"],
                "via_reference_id": None,
                "event_type": "Comment",
            }
        )
    event = {
        "id": audit["id"],
        "ticket_id": audit["ticket_id"],
        "timestamp": audit["at"],
        "created_at": iso(audit["at"]),
        "updater_id": audit["author_id"],
        "via": via,
        "via_reference_id": None,
        "system": {"client": "sandbox", "ip_address": None, "location": None},
        "event_type": "Audit",
        "child_events": children,
    }
    if not with_comments:
        event["comment_present"] = comment is not None
        event["comment_public"] = bool(comment and comment["public"])
    return event
