"""Stored audits and comments rendered as Zendesk's JSON (comments, ticket events)."""

from __future__ import annotations

from urllib.parse import quote

from zendesk_sandbox.generated.conversations import INLINE_MARK
from zendesk_sandbox.generated.universe import child_event_id
from zendesk_sandbox.http.field_changes import field_changes, tag_difference
from zendesk_sandbox.timefmt import iso

# The ticket events export spells ``via`` as a word, not as the object tickets carry.
VIA_NAMES = {"email": "Mail", "web": "Web form", "api": "Web service", "voice": "Voice"}


def _via(channel: str) -> dict:
    return {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}}


def content_token(attachment: dict) -> str:
    """The token in a file's ``content_url``: an upload's own, else one made from the id."""
    return str(attachment.get("content_token") or f"sandbox{attachment['id']}")


def content_url(attachment: dict, base_url: str) -> str:
    name = quote(attachment["file_name"])
    return f"{base_url}/attachments/token/{content_token(attachment)}/?name={name}"


def attachment_json(attachment: dict, base_url: str) -> dict:
    url = content_url(attachment, base_url)
    return {
        "url": f"{base_url}/api/v2/attachments/{attachment['id']}.json",
        "id": attachment["id"],
        "file_name": attachment["file_name"],
        "content_url": url,
        "mapped_content_url": url,
        "content_type": attachment["content_type"],
        "size": attachment["size"],
        "width": attachment.get("width"),
        "height": attachment.get("height"),
        "inline": attachment.get("inline", False),
        "deleted": attachment.get("deleted", False),
        "malware_access_override": attachment.get("malware_access_override", False),
        "malware_scan_result": attachment.get("malware_scan_result", "malware_not_found"),
        "thumbnails": [],
    }


def html_with_addresses(comment: dict, base_url: str) -> str:
    """The comment's ``html_body`` with its inline images' addresses filled in."""
    markup = comment["html_body"]
    for attachment in comment["attachments"]:
        mark = INLINE_MARK % attachment["id"]
        if mark in markup:
            markup = markup.replace(mark, content_url(attachment, base_url))
    return markup


def comment_json(
    comment: dict, audit_id: int, base_url: str, *, inline_images: bool = True
) -> dict:
    """One comment as ``GET /api/v2/tickets/{id}/comments`` shows it; inline images are
    among its attachments only when asked for (``include_inline_images=true``)."""
    shown = [a for a in comment["attachments"] if inline_images or not a.get("inline")]
    return {
        "id": comment["id"],
        "type": "Comment",
        "author_id": comment["author_id"],
        "body": comment["body"],
        "html_body": html_with_addresses(comment, base_url),
        "plain_body": comment["plain_body"],
        "public": comment["public"],
        "attachments": [attachment_json(a, base_url) for a in shown],
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
                **comment_json(comment, audit["id"], base_url, inline_images=False),
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
