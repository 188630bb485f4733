"""Each comment's attachments, downloaded into the spool for target-zendesk-tickets.

For every attachment of a comment the tap sends, the record's ``attachment_files`` says
where its bytes are (``{"attachment_id", "path", "size"}``) or why there are none
(``{"attachment_id", "path": null, "reason"}``): deleted, redacted, flagged as malware and
not overridden by an admin, or gone from Zendesk. The comment's own ``attachments`` stay
exactly as Zendesk sent them.

Credentials go only to the account's own host. A ``content_url`` elsewhere (Zendesk may
host files outside it) is fetched without them, and so is a redirect to another host: with
private attachments, Zendesk answers 302 to a short-lived signed URL on a storage host,
which refuses a request that carries ``Authorization``. A signed URL that expired before
it was used is asked for again from ``content_url``. A download streams straight to disk:
a 200 MB file costs no more memory than a small one.

Downloads are read a few tickets ahead, on the comment reads' threads. Zendesk allows
2,500 a minute; after a 429 every thread waits as Zendesk said before its next download.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from tap_zendesk_tickets.api_reads import TicketComments
from tap_zendesk_tickets.export import COMPONENT, Timing
from tap_zendesk_tickets.file_spool import FileSpool
from tap_zendesk_tickets.settings import TapSettings
from zendesk_api.advice import read_advice
from zendesk_api.errors import ZendeskAuthError, ZendeskHTTPError, error_from_response
from zendesk_api.http import transport_error, user_agent
from zendesk_api.redaction import forget_secret, register_secret
from zendesk_api.retry import RetryPolicy

logger = logging.getLogger(__name__)

#: The comment record's field that says where each attachment's bytes are.
FILES_FIELD = "attachment_files"
CHUNK = 1024 * 1024
MAX_REDIRECTS = 5
#: Signed URLs that expired before they were fetched, asked for again at most this often.
SIGNED_URL_TRIES = 3
REDACTED_NAME = "redacted.txt"


def not_downloadable(attachment: Mapping[str, Any]) -> str | None:
    """Why Zendesk will not give this file's bytes, from its metadata alone (or None)."""
    if attachment.get("deleted"):
        return "deleted in the source"
    if attachment.get("malware_scan_result") == "malware_found" and not attachment.get(
        "malware_access_override"
    ):
        return "flagged as malware by Zendesk's scan, and no admin overrode it"
    if attachment.get("file_name") == REDACTED_NAME and not attachment.get("size"):
        return "redacted in the source (Zendesk keeps an empty redacted.txt)"
    if not isinstance(attachment.get("content_url"), str):
        return "Zendesk gives no content_url for it"
    return None


def origin(url: str) -> tuple[str, str]:
    """Scheme and host (with port): credentials go to the account's own origin only."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


#: Query parameters of signed URLs that hold their secret (S3, Google Cloud, Azure, ...).
SECRET_PARAMETER = re.compile(r"sig|token|credential|key|security|policy", re.IGNORECASE)


def hide_signature(url: str) -> list[str]:
    """Keep a signed URL's secret out of every log line (urllib3 logs request lines at
    DEBUG): its whole query, and each secret-looking value of it; what was hidden."""
    query = urlsplit(url).query
    hidden = [query] if query else []
    hidden += [value for name, value in parse_qsl(query) if SECRET_PARAMETER.search(name)]
    for secret in hidden:
        register_secret(secret)
    return hidden


class _WithoutCredentials(requests.auth.AuthBase):
    """Sends no Authorization header at all (nor a ~/.netrc entry requests would add)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


class _Gate:
    """After a 429 on a download, every thread waits until Zendesk said to come back."""

    def __init__(self, timing: Timing) -> None:
        self._timing = timing
        self._until = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            wait = self._until - self._timing.clock()
        if wait > 0:
            self._timing.sleep(wait)

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._timing.clock() + seconds)


class _SignedUrlRefusedError(Exception):
    """The storage host refused a signed URL (expired, most likely): ask for a new one."""

    def __init__(self, error: ZendeskHTTPError) -> None:
        super().__init__(str(error))
        self.error = error


class AttachmentDownloads:
    """Fetches the files of the comments the tap sends (thread-safe)."""

    def __init__(
        self, settings: TapSettings, spool: FileSpool, timing: Timing | None = None
    ) -> None:
        timing = timing or Timing()
        self.settings = settings
        self.spool = spool
        self.policy = RetryPolicy(
            backoff=settings.connection.retry_backoff,
            default_retry_after=settings.connection.default_retry_after,
            clock=timing.clock,
            sleep=timing.sleep,
        )
        self._gate = _Gate(timing)
        self._own = origin(settings.connection.base_url)
        self._local = threading.local()
        self._lock = threading.Lock()
        #: Files by what became of them: downloaded, found (in the spool already), or not
        #: downloaded; and the bytes downloaded.
        self.counts: Counter[str] = Counter()
        self.bytes = 0

    def fetch(self, ticket_id: int, found: TicketComments) -> None:
        """Fill ``found.files`` (comment id -> its ``attachment_files``) for every comment
        that has attachments."""
        for comment in found.comments:
            attachments = [a for a in comment.get("attachments") or [] if isinstance(a, dict)]
            if attachments and isinstance(comment.get("id"), int):
                found.files[comment["id"]] = [self.entry(ticket_id, a) for a in attachments]

    def entry(self, ticket_id: int, attachment: Mapping[str, Any]) -> dict[str, Any]:
        """One attachment's ``attachment_files`` entry."""
        attachment_id = attachment.get("id")
        size = attachment.get("size") if isinstance(attachment.get("size"), int) else None
        reason = not_downloadable(attachment) if isinstance(attachment_id, int) else "no id"
        if reason is None:
            assert isinstance(attachment_id, int)
            spooled = self.spool.found(attachment_id, size)
            if spooled is not None:
                self._count("found in the spool")
            fetched = spooled or self._download(ticket_id, attachment_id, attachment)
            if not isinstance(fetched, str):
                path, there = fetched
                return {"attachment_id": attachment_id, "path": str(path), "size": there}
            reason = fetched
        self._count("not downloaded")
        logger.debug(
            "Attachment %s (%s) of ticket %s is not downloaded: %s",
            attachment_id,
            attachment.get("file_name"),
            ticket_id,
            reason,
        )
        return {"attachment_id": attachment_id, "path": None, "reason": reason}

    # Downloading --------------------------------------------------------------------------

    def _download(
        self, ticket_id: int, attachment_id: int, attachment: Mapping[str, Any]
    ) -> tuple[Path, int] | str:
        what = f"the download of attachment {attachment_id} of ticket {ticket_id}"
        refused: ZendeskHTTPError | None = None
        for _ in range(SIGNED_URL_TRIES):
            try:
                return self.policy.call(
                    lambda: self._attempt(attachment_id, str(attachment["content_url"])),
                    what=what,
                    budget=self.settings.retry,
                )
            except _SignedUrlRefusedError as signed:
                refused = signed.error
                logger.info(
                    "%s: the file host refused its signed URL (%s); asking again", what, refused
                )
            except ZendeskAuthError as exc:  # a 401 from the account's own host
                raise read_advice(
                    exc, self.settings.connection, operation="download attachments"
                ) from None
        assert refused is not None
        return _refusal(refused)

    def _attempt(self, attachment_id: int, url: str) -> tuple[Path, int] | str:
        """One try: follow ``url`` (and its redirects) and stream the file into the spool;
        a reason when Zendesk refuses it for good."""
        self._gate.wait()
        response, url = self._follow(url)
        with response:
            if response.is_redirect:
                return f"Zendesk redirected its download more than {MAX_REDIRECTS} times"
            if response.status_code >= 400:
                return self._refused(response, own=origin(url) == self._own)
            written = 0
            try:
                with self.spool.writing(attachment_id) as out:
                    for chunk in response.iter_content(CHUNK):
                        out.write(chunk)
                        written += len(chunk)
            except requests.RequestException as exc:
                raise transport_error(exc, "GET", url) from None
        with self._lock:
            self.counts["downloaded"] += 1
            self.bytes += written
        for secret in getattr(self._local, "hidden", []):
            forget_secret(secret)  # the URL is spent: no line can show it any more
        return self.spool.path(attachment_id), written

    def _follow(self, url: str) -> tuple[requests.Response, str]:
        """The answer at the end of ``url``'s redirects, and its address. A 401 from the
        account's host to a renewable credential (OAuth client) is asked again once."""
        renewed = False
        hidden: list[str] = []
        for _ in range(MAX_REDIRECTS + 2):
            response = self._get(url)
            own = origin(url) == self._own
            auth = self.settings.connection.auth
            if (
                response.status_code == 401
                and own
                and not renewed
                and auth.renew_after_401(response.request)
            ):
                renewed = True
                response.close()
                continue
            if not response.is_redirect:
                break
            location = response.headers.get("Location", "")
            response.close()
            url = urljoin(url, location)
            hidden += hide_signature(url)
        self._local.hidden = hidden  # forgotten once the file is fetched (see _attempt)
        return response, url

    def _refused(self, response: requests.Response, *, own: bool) -> str:
        error = error_from_response(response)
        if error.status == 429:
            self._gate.hold(self.policy.told_wait(error))
            raise error  # waited out by the policy, as Zendesk said
        if error.status >= 500 or (error.status == 401 and own):
            raise error  # retried after a backoff; a 401 stops the run
        if not own and error.status in (400, 403):
            raise _SignedUrlRefusedError(error)
        return _refusal(error)

    def _get(self, url: str) -> requests.Response:
        own = origin(url) == self._own
        session = self._session(own)
        auth: requests.auth.AuthBase = (
            self.settings.connection.auth if own else _WithoutCredentials()
        )
        try:
            return session.get(
                url,
                auth=auth,
                allow_redirects=False,
                stream=True,
                timeout=self.settings.connection.timeout,
                headers={"Accept": "*/*"},
            )
        except requests.RequestException as exc:
            raise transport_error(exc, "GET", url) from None

    def _session(self, own: bool) -> requests.Session:
        """This thread's session for the account's host, or a bare one for other hosts (no
        cookies of the account can follow a file elsewhere)."""
        name = "own" if own else "other"
        session: requests.Session | None = getattr(self._local, name, None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = user_agent(COMPONENT)
            setattr(self._local, name, session)
        return session

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    def summary(self) -> str | None:
        """``attachment files: 120 downloaded (48.2 MB), 3 found in the spool, 2 not
        downloaded``, or None when there were none."""
        if not self.counts:
            return None
        parts = [f"{self.counts['downloaded']} downloaded ({self.bytes / 1e6:.1f} MB)"]
        parts += [f"{n} {what}" for what, n in sorted(self.counts.items()) if what != "downloaded"]
        return f"attachment files: {', '.join(parts)} (spool {self.spool.directory})"


def _refusal(error: ZendeskHTTPError) -> str:
    """A reason for the record: what Zendesk (or the file host) answered."""
    if error.status in (404, 410):
        return f"gone from the source (HTTP {error.status}: {error.text or error.code})"
    return f"the source refused the download (HTTP {error.status}: {error.text or error.code})"
