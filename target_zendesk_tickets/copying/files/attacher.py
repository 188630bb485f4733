"""Each comment's files, from the input to the destination, just in time, exactly once.

1. **Mapped** (:meth:`FileAttacher.read`): a mapped comment carries what the input says of
   its files (``comment_files.py``) under a key that is never sent.
2. **Sent** (:meth:`claim` for the import and update batches, :meth:`before_put` for the
   comments an update adds one by one): right before every attempt to send them, each file
   is uploaded (or, on a later attempt, its token checked and uploaded again if it would
   expire), the comment names the tokens in ``uploads``, and its ``html_body`` points at
   the destination's own files.
3. **In** (:meth:`batch_done` once the job completed, :meth:`put_done` once the update is
   confirmed): the files are counted and removed from the spool. A comment the copy has
   already (a second run, a resumed one) needs none of its files: they are removed as soon
   as its buffer is planned (:meth:`part_planned`). Until a comment is in, its files stay:
   a run that failed or was killed leaves them for the next one.

Files ride with their comments, so they are copied exactly as often as comments are: once.
A file that cannot be copied leaves its comment without it, named in the summary; with
``onFileNotCopied: stop`` the run stops before the ticket is sent instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from target_zendesk_tickets.copying.files.comment_files import (
    BY_SETTING,
    FILES_FIELD,
    FILES_KEY,
    CommentFiles,
    SourceFile,
    read_comment_files,
)
from target_zendesk_tickets.copying.files.inline import rewrite
from target_zendesk_tickets.copying.files.report import FilesReport
from target_zendesk_tickets.copying.files.settings import STOP, FileSettings
from target_zendesk_tickets.copying.files.spool import Spool
from target_zendesk_tickets.copying.files.uploads import FileToUpload, Refused, Uploader
from target_zendesk_tickets.errors import TargetError
from target_zendesk_tickets.importing.batches import Batch, TicketRef
from target_zendesk_tickets.importing.jobs import JobOutcome
from zendesk_api.redaction import forget_secret

logger = logging.getLogger(__name__)

READ, SENT, DONE = "read", "sent", "done"
#: Where a Zendesk file's address goes: a comment showing one needs its html_body checked.
IMAGE_PATH = "/attachments/token/"
CLOSED_COPY = "the copy is closed in the destination, so the comment was not added"


class FileNotCopiedError(TargetError):
    """``onFileNotCopied: stop``: a file of a comment about to be sent cannot be copied."""


class FileAttacher:
    def __init__(
        self, settings: FileSettings, uploader: Uploader, *, dry_run: bool = False
    ) -> None:
        self.settings = settings
        self.spool = Spool(settings.spool)
        self.uploader = uploader
        self.dry_run = dry_run
        self.report = FilesReport()
        self._read: list[CommentFiles] = []  # of the part of a buffer being planned
        self._batches: dict[int, list[tuple[dict[str, Any], CommentFiles]]] = {}
        self._puts: dict[int, CommentFiles] = {}  # by the update comment they belong to
        base = urlsplit(uploader.client.connection.base_url)
        self._own_origin = f"{base.scheme}://{base.netloc}"

    # 1. Mapped ---------------------------------------------------------------------------

    def read(self, body: dict[str, Any], comments: list[dict[str, Any]], ticket: TicketRef) -> None:
        """Tie each mapped comment of ``body`` to the files of its source comment."""
        mapped = body.get("comments") or []
        for position, (entry, comment) in enumerate(zip(mapped, comments, strict=False), 1):
            found = read_comment_files(
                comment, position, ticket, self.spool, enabled=self.settings.enabled
            )
            if found is None and IMAGE_PATH in str(comment.get("html_body") or ""):
                found = CommentFiles(ticket, position, [])  # images the input has no file for
            if found is not None and isinstance(entry, dict):
                entry[FILES_KEY] = found
                self._read.append(found)

    def discard(self, comments: list[dict[str, Any]]) -> None:
        """Comments that are not copied at all (references are not mapped): their files
        are not needed; those in the spool are removed."""
        if self.dry_run:
            return
        for comment in comments:
            for place in comment.get(FILES_FIELD) or []:
                path = place.get("path") if isinstance(place, Mapping) else None
                if isinstance(path, str) and self.spool.holds(path):
                    self.spool.remove(Path(path).resolve())

    # 2. Sent -----------------------------------------------------------------------------

    def claim(self, batch: Batch) -> None:
        """Take the files out of the batch's comments; they are attached before each send."""
        claims = []
        for position, ticket in enumerate(batch.tickets):
            for comment in comments_of(ticket):
                found = self._take(comment)
                if found is not None:
                    found.batch_position = position
                    claims.append((comment, found))
        if claims and not self.dry_run:
            self._batches[id(batch)] = claims
            batch.before_send = lambda attempt: self._before_send(batch, attempt)

    def before_put(self, comment: dict[str, Any], attempt: int) -> None:
        """Before each attempt of an update that adds ``comment`` on its own."""
        found = self._take(comment)
        if found is not None:
            self._puts[id(comment)] = found
        found = self._puts.get(id(comment))
        if found is None or self.dry_run:
            return
        if attempt > 1:
            self._check_tokens([found])
        self._attach(comment, found)

    def _take(self, comment: dict[str, Any]) -> CommentFiles | None:
        found = comment.pop(FILES_KEY, None)
        if not isinstance(found, CommentFiles):
            return None
        found.state = SENT
        html = comment.get("html_body")
        found.html = html if isinstance(html, str) else None
        self._stop_if_not_copied(found)
        return found

    def _before_send(self, batch: Batch, attempt: int) -> None:
        claims = self._batches.get(id(batch), [])
        # An update sent again after a lost answer goes without the comments it added.
        sent = {id(comment) for ticket in batch.tickets for comment in comments_of(ticket)}
        live = [(comment, found) for comment, found in claims if id(comment) in sent]
        if attempt > 1:
            self._check_tokens([found for _, found in live])
        self._attach_all(live)

    def _check_tokens(self, founds: list[CommentFiles]) -> None:
        """After a wait (a retry): ask the destination about the token that expires first,
        which also tells its time; every token then too close to expiry is uploaded again."""
        files = [f for found in founds for f in found.files if f.upload is not None]
        if not files:
            return
        first = min(files, key=_expiry)
        assert first.upload is not None
        if not self.uploader.alive(first.upload, first.describe()):
            first.upload = None

    def _attach(self, comment: dict[str, Any], found: CommentFiles) -> None:
        self._attach_all([(comment, found)])

    def _attach_all(self, claims: list[tuple[dict[str, Any], CommentFiles]]) -> None:
        """Upload what the comments' files need (all at once), then name the tokens."""
        wanted: list[tuple[CommentFiles, SourceFile]] = []
        for _, found in claims:
            for file in found.files:
                if file.reason is not None:
                    continue
                if file.upload is not None and not self.uploader.fresh(file.upload):
                    logger.info(
                        "The upload token of %s of %s expires within the margin: uploading it "
                        "again",
                        file.describe(),
                        found.where(),
                    )
                    file.upload = None
                if file.upload is None:
                    wanted.append((found, file))
        made = self.uploader.upload_many(
            [
                FileToUpload(
                    file.path,  # type: ignore[arg-type]  # set when there is no reason
                    file.file_name,
                    file.content_type,
                    f"{file.describe()} of {found.where()}",
                )
                for found, file in wanted
            ]
        )
        for (found, file), outcome in zip(wanted, made, strict=True):
            if isinstance(outcome, Refused):
                file.reason = outcome.reason
                self._stop_if_not_copied(found)
            else:
                file.upload = outcome
        for comment, found in claims:
            self._name_uploads(comment, found)

    def _name_uploads(self, comment: dict[str, Any], found: CommentFiles) -> None:
        tokens = [f.upload.token for f in found.files if f.upload is not None and f.reason is None]
        if tokens:
            comment["uploads"] = tokens
        else:
            comment.pop("uploads", None)
        if found.html is not None:
            comment["html_body"] = rewrite(
                found.html,
                [(f.urls, f.upload.content_url) for f in found.files if f.upload and not f.reason],
                [(f.urls, _note(f)) for f in found.files if f.reason is not None and f.inline],
                own_origin=self._own_origin,
            )

    def _stop_if_not_copied(self, found: CommentFiles) -> None:
        if self.settings.on_not_copied != STOP or not self.settings.enabled:
            return
        for file in found.files:
            if file.reason is not None:
                raise FileNotCopiedError(
                    f"Cannot copy {file.describe()} of {found.where()}: {file.reason}, and "
                    "onFileNotCopied is 'stop'. Nothing of this ticket was sent; set "
                    "onFileNotCopied to skip to copy the comment without it, then run again "
                    "from the last STATE"
                )

    # 3. In -------------------------------------------------------------------------------

    def batch_done(self, batch: Batch, result: JobOutcome) -> None:
        """A batch's job completed: its comments are in, with their files (the pipeline's
        ``on_done``)."""
        closed = set(result.closed)
        for _, found in self._batches.pop(id(batch), []):
            self._done(found, attached=found.batch_position not in closed)

    def put_done(self, comment: dict[str, Any], *, attached: bool = True) -> None:
        """An update that added ``comment`` on its own was confirmed."""
        found = self._puts.pop(id(comment), None)
        if found is not None:
            self._done(found, attached=attached)

    def part_planned(self) -> None:
        """A part of a buffer is planned and its batches made: the files of comments no
        batch or update took are not needed (the copy has those comments already)."""
        for found in list(self._puts.values()):  # updates refused: the copy is closed
            self._done(found, attached=False)
        self._puts.clear()
        for found in self._read:
            if found.state == READ:
                found.state = DONE
                self._remove(found)
        self._read.clear()

    def _done(self, found: CommentFiles, *, attached: bool) -> None:
        found.state = DONE
        for file in found.files:
            if file.upload is not None:
                forget_secret(file.upload.token)  # taken by its comment: spent
            if attached and file.upload is not None and file.reason is None:
                self.report.copied_file(file.size, inline=file.inline)
            else:
                reason = file.reason or CLOSED_COPY
                chosen = reason in BY_SETTING
                self.report.not_copied_file(found.where(), file.describe(), reason, chosen=chosen)
        self._remove(found)

    def _remove(self, found: CommentFiles) -> None:
        if self.dry_run:
            return  # nothing was written: the same input may still be loaded for real
        for file in found.files:
            if file.path is not None:
                self.spool.remove(file.path)

    def lines(self) -> list[str]:
        return self.report.lines(self.uploader.requests, self.spool.removed)


def comments_of(ticket: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The comments a batch entry sends: an import's ``comments``, an update's ``comment``."""
    comments = ticket.get("comments")
    if isinstance(comments, list):
        return [c for c in comments if isinstance(c, dict)]
    comment = ticket.get("comment")
    return [comment] if isinstance(comment, dict) else []


def _expiry(file: SourceFile) -> float:
    return file.upload.expires_at or 0.0 if file.upload is not None else 0.0


def _note(file: SourceFile) -> str:
    return f"image {file.file_name} was not copied: {file.reason}"
