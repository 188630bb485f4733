"""Files the account holds: uploads waiting for a comment, and the bytes behind each one.

``POST /api/v2/uploads`` hands out a token; a comment of an import or an update that names
the token in ``uploads`` takes its files. Rules (docs/sandbox.md, "Files"):

- a token lives ``upload_token_lifetime`` seconds of the sandbox clock from its first file
  (Zendesk: 60 minutes) [DOC]; a file added later with ``&token=`` does not extend it
  [GUESS]; an upload never attached is deleted when its token expires [DOC];
- a token is taken by one comment; a token that is unknown, expired or taken already is
  ignored by the import or update that names it (the comment is made without its files) and
  counted in ``stats()["dead_tokens"]`` [GUESS: undocumented; a client cannot tell, the
  stricter case];
- a file is inline when the comment's ``html_body`` refers to its ``content_url`` [GUESS].

Uploaded bytes are written to ``FileRules.upload_dir`` (the state directory's
``uploads/``, else a temporary directory removed at ``close``), never held in memory.
"""

from __future__ import annotations

import copy
import hashlib
import mimetypes
import re
import secrets
import string
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from zendesk_sandbox.account.journal import Journal
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.generated.conversations import INLINE_MARK
from zendesk_sandbox.generated.universe import object_id

#: Numbers of uploaded files' ids; generated files stay far below.
UPLOADED_FROM = 1_000_000_000
CHUNK = 1024 * 1024
TOKEN_ALPHABET = string.ascii_letters + string.digits
#: Content types that say nothing: the file name decides then [REC: zenpy's recorded upload
#: of a ``.txt`` sent as application/octet-stream came back text/plain].
UNSPECIFIC_TYPES = ("application/octet-stream", "application/binary")


def new_token() -> str:
    """25 letters and digits, like Zendesk's upload and attachment tokens [REC]."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(25))


def record_invalid(field_name: str, description: str, error: str = "InvalidValue") -> ApiError:
    return ApiError(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field_name: [{"description": description, "error": error}]},
        },
    )


@dataclass(frozen=True)
class Received:
    """A request body written to disk: where, how many bytes, their SHA-256."""

    path: Path
    size: int
    sha256: str


@dataclass
class Upload:
    """One upload token and the files added to it."""

    token: str
    created_at: float
    expires_at: float
    attachments: list[dict] = field(default_factory=list)
    taken: bool = False


def check_upload(
    config: SandboxConfig, file_name: str | None, content_type: str | None, length: int | None
) -> None:
    """The refusals that need no byte of the body (name, type, declared size)."""
    rules = config.files
    if not file_name:
        raise record_invalid("filename", "Filename cannot be blank", "BlankValue")  # [OBS]
    if not (content_type or "").strip():
        raise record_invalid("content_type", "Content type cannot be blank", "BlankValue")  # [OBS]
    extension = Path(file_name).suffix.lower().lstrip(".")
    if rules.allowed_file_types is not None and extension not in rules.allowed_file_types:
        raise record_invalid(  # the rule [DOC]; the answer [GUESS]
            "base",
            f"Attachment file type .{extension or '(none)'} is not allowed in this account",
        )
    if length is not None and length > rules.max_upload_size:
        raise too_large(rules.max_upload_size)


def too_large(limit: int) -> ApiError:
    """[GUESS] Zendesk has a per-file limit but documents neither its figure nor its answer."""
    return ApiError(
        413,
        {
            "error": "AttachmentTooLarge",
            "description": f"Attachment is larger than the account allows ({limit} bytes)",
        },
    )


def receive(stream: IO[bytes], directory: Path, limit: int) -> Received:
    """Write a request body to ``directory`` chunk by chunk; 413 past ``limit`` bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".part", delete=False) as out:
        path = Path(out.name)
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            out.close()
            path.unlink(missing_ok=True)
            raise
    return Received(path, size, digest.hexdigest())


class AccountFiles:
    """Uploads and the files of the account's comments (``Account`` calls it under its lock)."""

    def __init__(
        self, config: SandboxConfig, *, journal: Journal, clock: Callable[[], float]
    ) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock
        self._uploads: dict[str, Upload] = {}
        self._by_id: dict[int, tuple[dict, Upload | None]] = {}
        self._by_content_token: dict[str, dict] = {}
        self._numbers = 0
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self._making = threading.Lock()  # uploads ask for the directory outside the account's
        self.dead_tokens = 0
        self.uploaded_bytes = 0

    @property
    def directory(self) -> Path:
        """Where uploaded bytes are kept."""
        rules = self._config.files
        if rules.upload_dir is not None:
            return Path(rules.upload_dir)
        if self._config.state_dir is not None:
            return Path(self._config.state_dir) / "uploads"
        with self._making:
            if self._temporary is None:
                self._temporary = tempfile.TemporaryDirectory(prefix="zendesk-sandbox-uploads-")
            return Path(self._temporary.name)

    # -- uploads ---------------------------------------------------------------------------

    def add(
        self, file_name: str, content_type: str, received: Received, token: str | None
    ) -> tuple[Upload, dict]:
        """Keep a received file under ``token`` (a new one when None); the upload and the file."""
        now = self._clock()
        self._expire(now)
        if token is None:
            upload = Upload(new_token(), now, now + self._config.files.upload_token_lifetime)
            self._uploads[upload.token] = upload
        else:
            found = self._uploads.get(token)
            if found is None or found.taken:
                received.path.unlink(missing_ok=True)
                raise record_invalid("token", "Token is invalid")  # [GUESS]
            upload = found
        self._numbers += 1
        attachment_id = object_id("attachment", self._config.account, UPLOADED_FROM + self._numbers)
        content_token = new_token()
        stored_as = self.directory / content_token
        received.path.replace(stored_as)
        if content_type.split(";", maxsplit=1)[0].strip().lower() in UNSPECIFIC_TYPES:
            content_type = mimetypes.guess_type(file_name)[0] or content_type
        attachment = {
            "id": attachment_id,
            "file_name": file_name,
            "content_type": content_type,
            "size": received.size,
            "width": None,
            "height": None,
            "inline": False,
            "deleted": False,
            "malware_access_override": False,
            "malware_scan_result": "not_scanned",  # [REC]: a fresh upload is not scanned yet
            "content_token": content_token,
            "stored_as": content_token,
            "sha256": received.sha256,
        }
        upload.attachments.append(attachment)
        self._by_id[attachment_id] = (attachment, upload)
        self._by_content_token[content_token] = attachment
        self.uploaded_bytes += received.size
        return upload, copy.deepcopy(attachment)

    def attach(self, tokens: object, html_body: str, now: float) -> tuple[list[dict], str]:
        """The files of ``tokens`` for a new comment, and its ``html_body`` with their
        addresses stood in for (so that they follow the sandbox's address). Dead tokens are
        ignored and counted."""
        self._expire(now)
        names = [tokens] if isinstance(tokens, str) else tokens
        attached: list[dict] = []
        for token in names if isinstance(names, list) else []:
            upload = self._uploads.get(token) if isinstance(token, str) else None
            if upload is None or upload.taken or now >= upload.expires_at:
                self.dead_tokens += 1
                continue
            upload.taken = True
            for attachment in upload.attachments:
                pattern = re.compile(
                    r"(?:https?://[^\s\"'<>]*)?/attachments/token/"
                    + re.escape(attachment["content_token"])
                    + r"/[^\s\"'<>]*"
                )
                if pattern.search(html_body):
                    attachment["inline"] = True
                    html_body = pattern.sub(INLINE_MARK % attachment["id"], html_body)
                self._by_id[attachment["id"]] = (attachment, None)
                self._journal.record({"t": "file", "attachment": attachment})
                attached.append(copy.deepcopy(attachment))
        return attached, html_body

    def show(self, attachment_id: int) -> dict | None:
        """An uploaded file (attached, or waiting on a live token), or None."""
        self._expire(self._clock())
        found = self._by_id.get(attachment_id)
        return copy.deepcopy(found[0]) if found else None

    def by_content_token(self, token: str) -> dict | None:
        self._expire(self._clock())
        found = self._by_content_token.get(token)
        return copy.deepcopy(found) if found else None

    def path_of(self, attachment: dict) -> Path:
        return self.directory / str(attachment["stored_as"])

    def _expire(self, now: float) -> None:
        """Delete uploads whose token expired unattached (Zendesk deletes them then)."""
        for token in [t for t, u in self._uploads.items() if now >= u.expires_at or u.taken]:
            upload = self._uploads.pop(token)
            if upload.taken:
                continue
            for attachment in upload.attachments:
                self._by_id.pop(attachment["id"], None)
                self._by_content_token.pop(attachment["content_token"], None)
                self.path_of(attachment).unlink(missing_ok=True)

    # -- the whole store -------------------------------------------------------------------

    def stats(self) -> dict:
        self._expire(self._clock())
        return {
            "uploads_waiting": len(self._uploads),
            "files": len(self._by_content_token),
            "uploaded_bytes": self.uploaded_bytes,
            "dead_tokens": self.dead_tokens,
        }

    def restore(self, attachment: dict) -> None:
        """An attached file the journal wrote down."""
        self._by_id[attachment["id"]] = (attachment, None)
        self._by_content_token[attachment["content_token"]] = attachment
        number = attachment["id"] - object_id("attachment", self._config.account, UPLOADED_FROM)
        self._numbers = max(self._numbers, number)

    def close(self) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None
