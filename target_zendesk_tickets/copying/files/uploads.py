"""Uploading a file to the destination: ``POST /api/v2/uploads?filename=NAME`` with its raw
bytes, streamed from the spool, and the file's Content-Type.

Each file gets a token of its own. Zendesk can add more files to one token (``&token=``),
but a call whose answer is lost may have added its file already: sent again, the comment
would carry that file twice. With a token per file, a lost answer leaves at most an unused
token, which Zendesk deletes when it expires, so an upload is simply sent again.

A token lives 60 minutes on Zendesk's clock. Its ``expires_at`` is kept with the upload, and
before the token goes out the destination's time (from its answers' ``Date``) must leave a
margin; a token that would not is uploaded again (:meth:`Uploader.fresh`), never attached
dead.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from target_zendesk_tickets.errors import TargetError
from zendesk_api.advice import with_advice
from zendesk_api.errors import (
    Recovery,
    ZendeskError,
    ZendeskHTTPError,
    ZendeskResponseError,
    error_from_response,
)
from zendesk_api.http import ZendeskClient, decode_json
from zendesk_api.redaction import register_secret
from zendesk_api.retry import RetriesExhaustedError, RetryBudget
from zendesk_api.server_clock import ServerClock

logger = logging.getLogger(__name__)

UPLOAD_PATH = "/api/v2/uploads.json"
SHOW_PATH = "/api/v2/attachments/{id}.json"
#: A token is used only while it has at least this long left on the destination's clock: the
#: import or update that attaches it may take that long to reach Zendesk.
MARGIN = 600.0
#: Answers that refuse the file itself: the destination's type or size rules.
REFUSALS = (413, 415, 422)


class FileCopyError(TargetError):
    """A file could not be uploaded (the run stops: the comment was not sent)."""


@dataclass
class Upload:
    """A file in the destination, waiting on its token for the comment that takes it."""

    token: str
    attachment_id: Any
    content_url: str
    expires_at: float | None  # epoch seconds on Zendesk's clock

    def urls(self) -> tuple[str, ...]:
        return (self.content_url,)


@dataclass(frozen=True)
class Refused:
    """The destination will not take the file: its own error, for the summary."""

    reason: str


class Uploader:
    def __init__(self, client: ZendeskClient, budget: RetryBudget, clock: ServerClock) -> None:
        self.client = client
        self.budget = budget
        self.clock = clock
        self.requests = 0
        self.bytes = 0

    def upload(self, path: Path, file_name: str, content_type: str, where: str) -> Upload | Refused:
        """Upload one file; ``where`` names it in messages (ticket, comment, file)."""
        what = f"the upload of {where}"

        def attempt() -> Upload | Refused:
            self.requests += 1
            response = self.client.send_file(
                UPLOAD_PATH,
                params={"filename": file_name},
                open_file=lambda: path.open("rb"),
                content_type=content_type,
            )
            with response:
                if response.status_code in REFUSALS:
                    return Refused(f"the destination refused it: {error_from_response(response)}")
                if response.status_code >= 400:
                    raise error_from_response(response)
                return _read_upload(decode_json(response, self.client.loads))

        try:
            made = self.client.policy.call(attempt, what=what, budget=self.budget, idempotent=True)
        except FileNotFoundError:
            return Refused("it was removed from the file spool before it was uploaded")
        except ZendeskError as exc:
            raise _failed(exc, self.client, what) from None
        if isinstance(made, Upload):
            self.bytes += path.stat().st_size
        return made

    def fresh(self, upload: Upload) -> bool:
        """Whether the token leaves the margin on the destination's clock as last seen."""
        now = self.clock.now()
        if upload.expires_at is None or now is None:
            return True  # Zendesk said nothing of it: a token is used right after its upload
        return upload.expires_at - MARGIN > now

    def alive(self, upload: Upload, where: str) -> bool:
        """Ask the destination whether the upload is still there (its token not expired: an
        upload never attached is deleted then); the answer's Date sets the clock too."""
        path = SHOW_PATH.format(id=upload.attachment_id)
        self.requests += 1
        try:
            self.client.get_json(path, budget=self.budget, what=f"GET {path} ({where})")
        except ZendeskHTTPError as exc:
            if exc.status == 404:
                return False
            raise _failed(exc, self.client, f"the check of {where}") from None
        except ZendeskError as exc:
            raise _failed(exc, self.client, f"the check of {where}") from None
        return self.fresh(upload)


def _read_upload(document: Any) -> Upload:
    made = document.get("upload") if isinstance(document, Mapping) else None
    if not isinstance(made, Mapping):
        made = {}
    attachment = made.get("attachment")
    token = made.get("token")
    if not isinstance(token, str) or not isinstance(attachment, Mapping):
        raise ZendeskResponseError(
            "Zendesk's answer to POST /api/v2/uploads.json has no upload token"
        )
    register_secret(token)  # never in any log line from now on
    url = attachment.get("content_url")
    return Upload(
        token=token,
        attachment_id=attachment.get("id"),
        content_url=url if isinstance(url, str) else "",
        expires_at=_epoch(made.get("expires_at")),
    )


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def _failed(exc: ZendeskError, client: ZendeskClient, what: str) -> FileCopyError:
    """A failure of an upload or its check ends the run with one message (never raised as
    a ZendeskError: the import call that waits for it must not take it for its own)."""
    error = exc.error if isinstance(exc, RetriesExhaustedError) else exc
    if isinstance(error, ZendeskHTTPError) and error.recovery is Recovery.FATAL:
        error = with_advice(error, client.connection, operation="upload files", scope="write")
        exc = error
    return FileCopyError(
        f"Could not copy a file: {what} failed: {exc}. The ticket it belongs to was not sent; "
        "run again from the last STATE"
    )
