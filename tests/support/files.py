"""Comparing the files of a source account's comments with those of their copies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from target_zendesk_tickets.copying.links import source_link
from zendesk_sandbox import Sandbox

IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"")


def copyable(attachment: dict[str, Any]) -> bool:
    """Whether Zendesk gives the file's bytes (not deleted, redacted, or malware unless an
    admin overrode the flag)."""
    if attachment["deleted"]:
        return False
    if attachment["malware_scan_result"] == "malware_found":
        return bool(attachment["malware_access_override"])
    return not (attachment["file_name"] == "redacted.txt" and attachment["size"] == 0)


def comment_files(account: Sandbox, ticket_id: int, *, only_copyable: bool) -> list[list[tuple]]:
    """Per comment, oldest first: ``(name, content type, size, SHA-256, inline)`` of its files."""
    result = []
    for comment in account.comments(ticket_id, inline_images=True):
        files = []
        for attachment in comment["attachments"]:
            if only_copyable and not copyable(attachment):
                continue
            size, digest = account.attachment_digest(attachment["id"])
            files.append(
                (
                    attachment["file_name"],
                    attachment["content_type"],
                    size,
                    digest,
                    attachment["inline"],
                )
            )
        result.append(sorted(files))
    return result


def copy_ids(source: Sandbox, destination: Sandbox) -> dict[int, int]:
    """Source ticket id -> its copy's id, for every live source ticket (each copied once)."""
    imported: dict[str, int] = {}
    for ticket in destination.imported_tickets():
        assert ticket["external_id"] not in imported, f"copied twice: {ticket['external_id']}"
        imported[ticket["external_id"]] = ticket["id"]
    return {
        ticket_id: imported[source_link(source.exported_ticket(ticket_id))]
        for ticket_id in source.visible_ticket_ids(exclude_deleted=True)
    }


def assert_files_copied_once(source: Sandbox, destination: Sandbox) -> int:
    """Every copy's comments carry exactly their source comments' files (bytes, name, type,
    inline flag), each once, and their images point at the destination's own files; the
    number of files checked."""
    checked = 0
    for ticket_id, copy_id in copy_ids(source, destination).items():
        expected = comment_files(source, ticket_id, only_copyable=True)
        assert comment_files(destination, copy_id, only_copyable=False) == expected, ticket_id
        checked += sum(len(files) for files in expected)
        for comment in destination.comments(copy_id, inline_images=True):
            assert source.base_url not in comment["html_body"], ticket_id
            own = {a["content_url"] for a in comment["attachments"] if a["inline"]}
            assert set(IMG_SRC.findall(comment["html_body"])) == own, ticket_id
    return checked


def not_copyable(source: Sandbox) -> list[tuple[int, dict[str, Any]]]:
    """``(ticket id, attachment)`` of every file of a live ticket that cannot be copied."""
    return [
        (ticket_id, attachment)
        for ticket_id in source.visible_ticket_ids(exclude_deleted=True)
        for comment in source.comments(ticket_id, inline_images=True)
        for attachment in comment["attachments"]
        if not copyable(attachment)
    ]


def spooled(directory: Path) -> list[Path]:
    """Files left in a spool directory (any account's)."""
    return [path for path in directory.rglob("*") if path.is_file()] if directory.exists() else []
