"""The bulk import call, ``POST /api/v2/imports/tickets/create_many.json``, and its retries.

* 429 (including ``TooManyJobs``), and 503 with a ``Retry-After``: Zendesk did not take
  the batch. Wait ``Retry-After`` (for a 429 without one, ``defaultRetryAfter``) and send
  the same batch again.
* A 503 without a usable ``Retry-After`` may come from a proxy in front of Zendesk after
  the request went through (and created a job): it is an unclear answer, below.
* A refused connection: the request never left. Wait (``retryBackoff``, doubling) and
  send again.
* A timeout, 500/502/504, a connection broken after sending, or a 2xx answer that cannot
  be read: the batch may or may not have been imported; :mod:`recovery` finds out
  before anything is sent again.
* 401/403/404: stop at once with what to check. 400/422 and other 4xx: stop with
  Zendesk's details.

Every call gets ``maxRetries`` retries of its own; the seed shared one counter across
batches, so a batch after a rate-limited one got none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from target_zendesk_tickets.batches import Batch
from target_zendesk_tickets.errors import ImportFailedError
from target_zendesk_tickets.jobs import parse_job_status
from target_zendesk_tickets.recovery import Recovery
from zendesk_api.advice import with_advice
from zendesk_api.durations import format_duration
from zendesk_api.errors import (
    ZendeskError,
    ZendeskHTTPError,
    ZendeskResponseError,
    ZendeskTransportError,
    error_from_response,
)
from zendesk_api.http import ZendeskClient, decode_json

logger = logging.getLogger(__name__)

IMPORT_PATH = "/api/v2/imports/tickets/create_many.json"
_MAX_BACKOFF = 60.0

# What a single call came to.
_JOB, _RETRY, _UNCLEAR = "job", "retry", "unclear"


@dataclass(frozen=True)
class _Answer:
    kind: str
    job_id: str | None = None
    error: ZendeskError | None = None
    wait: float = 0.0
    reason: str = ""


class Importer:
    """Sends batches; ``submit`` returns once Zendesk has queued the batch's job."""

    def __init__(
        self,
        client: ZendeskClient,
        recovery: Recovery,
        *,
        max_retries: int,
        archive_immediately: bool,
        pause: Callable[[float], None],
    ) -> None:
        self.client = client
        self.recovery = recovery
        self.max_retries = max_retries
        self.params = {"archive_immediately": "true"} if archive_immediately else None
        self._pause = pause

    def submit(self, batch: Batch) -> str | None:
        """The job id of the batch's import, or None when it proved to be imported already."""
        retries = 0
        while True:
            answer = self._send(batch, retries)
            if answer.kind == _JOB:
                return answer.job_id
            if answer.kind == _UNCLEAR:
                assert answer.error is not None
                batch.in_doubt = True  # until recovery has decided
                imported = self.recovery.already_imported(batch, answer.error)
                batch.in_doubt = False
                if imported:
                    logger.warning(
                        "Zendesk did not answer the import of %s clearly (%s), but all its "
                        "tickets are there (same external_id and updated_at): counting it "
                        "as imported, not sending it again",
                        batch.describe(),
                        answer.error,
                    )
                    return None
                # Sent again at once: the job list was read again just now (recovery).
                answer = _Answer(
                    _RETRY,
                    error=answer.error,
                    reason="none of its tickets is in Zendesk, so it is sent again",
                )
            assert answer.error is not None
            if retries >= self.max_retries:
                raise ImportFailedError(_gave_up(batch, answer.error, retries))
            retries += 1
            logger.info(
                "Import of %s: %s (%s); %s retry %d of %d",
                batch.describe(),
                answer.reason,
                answer.error,
                f"waiting {format_duration(answer.wait)}, then" if answer.wait else "now",
                retries,
                self.max_retries,
            )
            self._pause(answer.wait)

    def _send(self, batch: Batch, retries: int) -> _Answer:
        try:
            response = self.client.send(
                "POST", IMPORT_PATH, params=self.params, body={"tickets": batch.tickets}
            )
        except ZendeskTransportError as exc:
            if exc.sent:
                return _Answer(_UNCLEAR, error=exc)
            return _Answer(
                _RETRY,
                error=exc,
                wait=self._backoff(retries),
                reason="Zendesk could not be reached",
            )
        with response:
            if response.status_code < 300:
                try:
                    return _Answer(_JOB, job_id=parse_job_status(decode_json(response)).id)
                except ZendeskResponseError as exc:
                    return _Answer(_UNCLEAR, error=exc)
            error = error_from_response(response)
        return self._classify(batch, error)

    def _classify(self, batch: Batch, error: ZendeskHTTPError) -> _Answer:
        connection = self.client.connection
        if error.status == 429 or (error.status == 503 and error.retry_after is not None):
            told = error.retry_after is not None
            wait = error.retry_after if told else connection.default_retry_after
            source = "Retry-After" if told else "no usable Retry-After; defaultRetryAfter"
            if error.status == 503:
                reason = f"Zendesk is unavailable (HTTP 503), waiting as told ({source})"
            elif error.code == "TooManyJobs":
                reason = (
                    "Zendesk has too many jobs queued or running on this account "
                    f"(TooManyJobs, HTTP 429) ({source})"
                )
            else:
                reason = f"rate limited by Zendesk (HTTP 429) ({source})"
            return _Answer(_RETRY, error=error, wait=wait, reason=reason)
        if error.status >= 500:
            return _Answer(_UNCLEAR, error=error)
        if error.status in (401, 403, 404):
            raise with_advice(error, connection, operation="import tickets", scope="write")
        raise ImportFailedError(
            f"Zendesk rejected the import of {batch.describe()}: {error}. Nothing of this "
            "batch was imported. Fix the tickets Zendesk names (or the target's settings) "
            "and run again from the last STATE"
        )

    def _backoff(self, retries: int) -> float:
        return min(self.client.connection.retry_backoff * 2**retries, _MAX_BACKOFF)


def _gave_up(batch: Batch, error: ZendeskError, retries: int) -> str:
    if isinstance(error, ZendeskHTTPError) and error.status == 429:
        what = f"rate limit exceeded after {retries} retries"
        advice = "Raise maxRetries, or run again when the account is less busy"
        if error.code == "TooManyJobs":
            advice = (
                "Zendesk allows 30 queued or running jobs per account, shared with every "
                "other client: lower maxJobsInFlight, wait for other imports to finish, or "
                "raise maxRetries"
            )
    elif isinstance(error, ZendeskHTTPError) and error.status == 503 and error.retry_after:
        what = f"Zendesk stayed unavailable after {retries} retries"
        advice = "Check https://status.zendesk.com and run again"
    elif isinstance(error, ZendeskTransportError) and not error.sent:
        what = f"Zendesk could not be reached after {retries} retries"
        advice = "Check zendesk.domain and the network, then run again"
    else:
        what = f"no clear answer after {retries} retries"
        advice = (
            "Checked by external_id: none of its tickets is in Zendesk. Check "
            "https://status.zendesk.com and run again"
        )
    return (
        f"Import of {batch.describe()} failed: {what}: {error}. Nothing of this batch "
        f"was imported. {advice} (from the last STATE)"
    )
