"""What the input says of one comment's files: each attachment, and where its bytes are.

tap-zendesk-tickets keeps a comment's ``attachments`` as Zendesk sent them and adds
``attachment_files``: per attachment, its path in the spool, or why there is none. A file
the record gives no path for, or whose path holds nothing, cannot be copied; the reason says
why, for the summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from target_zendesk_tickets.copying.files.spool import Spool
from target_zendesk_tickets.copying.files.uploads import Upload
from target_zendesk_tickets.importing.batches import TicketRef

#: The comment record's field with the files' places (tap-zendesk-tickets).
FILES_FIELD = "attachment_files"
#: Where a mapped comment carries its files until they are attached (never sent).
FILES_KEY = "_files"
NOT_FETCHED = (
    "the tap did not download it (its `files` setting is off, or the input comes from another tap)"
)
#: The tap downloaded some of the comment's files, and names none for this one.
NOT_LISTED = "the tap's attachment_files does not name it"
NOT_IN_SPOOL = "it is not in the file spool (removed since, or the tap runs on another machine)"
TURNED_OFF = "files is false in the target's settings"
#: Reasons a setting gives (said once in the log, not warned about for every file).
BY_SETTING = frozenset({NOT_FETCHED, TURNED_OFF})


@dataclass
class SourceFile:
    """One attachment of a source comment."""

    attachment_id: Any
    file_name: str
    content_type: str
    inline: bool
    #: The source's addresses of the file, as its comment's html_body may show them.
    urls: tuple[str, ...]
    path: Path | None = None
    #: Why it cannot be copied (None: it can, as far as is known yet).
    reason: str | None = None
    upload: Upload | None = None
    size: int = 0

    def describe(self) -> str:
        return f"{self.file_name} (attachment {self.attachment_id})"


@dataclass
class CommentFiles:
    """The files of one comment, from the input until they are in the destination."""

    ticket: TicketRef
    position: int  # the comment's place in its ticket, 1 for the first
    files: list[SourceFile]
    html: str | None = None  # the comment's html_body before any address was changed
    state: str = "read"  # read -> sent (in a batch or an update) -> done
    batch_position: int = -1  # the ticket's place in its batch, once it is in one
    removed: bool = field(default=False, repr=False)

    def where(self) -> str:
        return f"{self.ticket.describe()}, comment {self.position}"


def read_comment_files(
    comment: Mapping[str, Any], position: int, ticket: TicketRef, spool: Spool, *, enabled: bool
) -> CommentFiles | None:
    """The files of a source comment (None when it has none)."""
    attachments = [a for a in comment.get("attachments") or [] if isinstance(a, Mapping)]
    if not attachments:
        return None
    places = {
        entry.get("attachment_id"): entry
        for entry in comment.get(FILES_FIELD) or []
        if isinstance(entry, Mapping)
    }
    files = []
    for attachment in attachments:
        urls = tuple(
            url
            for url in (attachment.get("content_url"), attachment.get("mapped_content_url"))
            if isinstance(url, str) and url
        )
        found = SourceFile(
            attachment_id=attachment.get("id"),
            file_name=str(attachment.get("file_name") or f"attachment-{attachment.get('id')}"),
            content_type=str(attachment.get("content_type") or "application/octet-stream"),
            inline=bool(attachment.get("inline")),
            urls=tuple(dict.fromkeys(urls)),
        )
        place = places.get(found.attachment_id)
        if place is None:  # none named: the tap fetched no file (a setting, or another tap)
            found.reason = NOT_LISTED if places else NOT_FETCHED
        elif not place.get("path"):
            found.reason = str(place.get("reason") or "the tap gives no reason")
        else:
            path = spool.resolve(str(place["path"]), f"{ticket.describe()}, comment {position}")
            if path.is_file():
                found.path = path  # removed once its comment needs it no more, copied or not
                found.size = path.stat().st_size
            else:
                found.reason = NOT_IN_SPOOL
        if not enabled:
            found.reason = TURNED_OFF
        files.append(found)
    html = comment.get("html_body")
    return CommentFiles(ticket, position, files, html if isinstance(html, str) else None)
