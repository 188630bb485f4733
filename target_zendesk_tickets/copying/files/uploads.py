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
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
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
from zendesk_api.retry import RetriesExhaustedError, RetryBudget, RetryPolicy
from zendesk_api.server_clock import ServerClock

logger = logging.getLogger(__name__)

UPLOAD_PATH = "/api/v2/uploads.json"
SHOW_PATH = "/api/v2/attachments/{id}.json"
#: A token is used only while it has at least this long left on the destination's clock: the
#: import or update that attaches it may take that long to reach Zendesk.
MARGIN = 600.0
#: Uploads at once, and how often the thread that waits for them looks (and asks about jobs).
IN_FLIGHT = 4
WAIT_STEP = 0.02
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


@dataclass(frozen=True)
class FileToUpload:
    path: Path
    file_name: str
    content_type: str
    where: str  # names it in messages: the file, its comment and ticket


class Uploader:
    """Uploads files, up to :data:`IN_FLIGHT` at once, each thread with a session of its own.

    One upload at a time would be bound by latency (a few hundred milliseconds an answer on
    Zendesk) long before the account's rate limit. The thread that asked waits meanwhile
    through the writing client's own waits, so the import jobs in flight are still asked
    about; a worker waits out a 429 itself, as Zendesk says.
    """

    def __init__(self, client: ZendeskClient, budget: RetryBudget, clock: ServerClock) -> None:
        self.client = client
        self.budget = budget
        self.clock = clock
        self.requests = 0
        self.bytes = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._clients: list[ZendeskClient] = []
        self._executor: ThreadPoolExecutor | None = None

    def upload_many(self, files: list[FileToUpload]) -> list[Upload | Refused]:
        """Upload every file (in any order); each one's outcome, in the order given."""
        if len(files) <= 1:
            return [self.upload(file) for file in files]
        if self._executor is None:
            self._executor = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="uploads")
        futures = [self._executor.submit(self._upload_on_worker, file) for file in files]
        try:
            while not all(future.done() for future in futures):
                self.client.policy.sleep(WAIT_STEP)  # polls the jobs in flight when due
        except BaseException:
            for future in futures:
                future.cancel()
            wait(futures)
            raise
        return [future.result() for future in futures]

    def _upload_on_worker(self, file: FileToUpload) -> Upload | Refused:
        client: ZendeskClient | None = getattr(self._local, "client", None)
        if client is None:
            main = self.client
            client = ZendeskClient(
                main.connection,
                str(main.session.headers.get("User-Agent", "")),
                policy=RetryPolicy(
                    backoff=main.policy.backoff,
                    default_retry_after=main.policy.default_retry_after,
                ),
            )
            client.session.headers.update(main.session.headers)
            client.response_hooks.append(self.clock.observe)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return self.upload(file, client)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        while self._clients:
            self._clients.pop().session.close()

    def upload(self, file: FileToUpload, client: ZendeskClient | None = None) -> Upload | Refused:
        """Upload one file (through ``client``, the writing client unless given)."""
        client = client or self.client
        what = f"the upload of {file.where}"

        def attempt() -> Upload | Refused:
            with self._lock:
                self.requests += 1
            response = client.send_file(
                UPLOAD_PATH,
                params={"filename": file.file_name},
                open_file=lambda: file.path.open("rb"),
                content_type=file.content_type,
            )
            with response:
                if response.status_code in REFUSALS:
                    return Refused(f"the destination refused it: {error_from_response(response)}")
                if response.status_code >= 400:
                    raise error_from_response(response)
                return _read_upload(decode_json(response, client.loads))

        try:
            made = client.policy.call(attempt, what=what, budget=self.budget, idempotent=True)
        except FileNotFoundError:
            return Refused("it was removed from the file spool before it was uploaded")
        except ZendeskError as exc:
            raise _failed(exc, client, what) from None
        if isinstance(made, Upload):
            with self._lock:
                self.bytes += file.path.stat().st_size
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
