"""The bulk import call, ``POST /api/v2/imports/tickets/create_many.json``.

Retries follow the shared policy (:mod:`zendesk_api.retry`), with ``maxRetries`` retries
of any kind for every call (the seed shared one counter across batches, so a batch after
a rate-limited one got none):

* 429 (including ``TooManyJobs``) and 503 with ``Retry-After``: Zendesk did not take the
  batch; it is sent again after the wait Zendesk asked for. A ``TooManyJobs`` without
  ``Retry-After`` is sent again as soon as a job slot is likely free (``slot_wait``), at
  the latest after ``defaultRetryAfter``.
* A refused connection: the request never left; sent again after a backoff.
* A timeout, a 5xx (a 503 without ``Retry-After`` may come from a proxy after the request
  went through), a broken connection, or a 2xx answer that cannot be read: the batch may
  or may not have been imported, so :mod:`recovery` finds out before anything is sent
  again.
* 401/403/404: stop at once with what to check. 400/422 and other 4xx: stop with
  Zendesk's details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from target_zendesk_tickets.errors import ImportFailedError
from target_zendesk_tickets.importing.batches import UPDATE, Batch
from target_zendesk_tickets.importing.jobs import parse_job_status
from target_zendesk_tickets.importing.recovery import LostAnswerCheck
from zendesk_api.advice import with_advice
from zendesk_api.errors import Recovery, ZendeskError, ZendeskHTTPError, ZendeskTransportError
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import Looked, RetriesExhaustedError, RetryBudget

logger = logging.getLogger(__name__)

IMPORT_PATH = "/api/v2/imports/tickets/create_many.json"
UPDATE_PATH = "/api/v2/tickets/update_many.json"


class Importer:
    """Sends batches; ``submit`` returns once Zendesk has queued the batch's job."""

    def __init__(
        self,
        client: ZendeskClient,
        recovery: LostAnswerCheck,
        *,
        max_retries: int,
        archive_immediately: bool,
        slot_wait: Callable[[ZendeskError, float], float] | None = None,
    ) -> None:
        """``slot_wait(error, longest)`` waits after a 429 without ``Retry-After``, at most
        ``longest``, and may end early when a job slot is likely free."""
        self.client = client
        self.recovery = recovery
        self.slot_wait = slot_wait
        self.budget = RetryBudget(retries=max_retries)
        self.params = {"archive_immediately": "true"} if archive_immediately else None

    def submit(self, batch: Batch) -> str | None:
        """The job id of the batch's import, or None when it proved to be imported already."""
        try:
            return self.client.policy.call(
                lambda: self._send(batch),
                what=f"the import of {batch.describe()}",
                budget=self.budget,
                idempotent=False,
                look_before_resending=lambda error: self._look(batch, error),
                wait_untold=self.slot_wait,
            )
        except RetriesExhaustedError as exc:  # the import call's own retries
            raise ImportFailedError(_gave_up(batch, exc.error, exc.retries)) from None

    def _send(self, batch: Batch) -> str:
        """One import call. Its errors are classified here, so that only they are."""
        batch.attempts += 1
        if batch.before_send is not None:
            batch.before_send(batch.attempts)
        body = {"tickets": batch.tickets}
        try:
            if batch.kind == UPDATE:
                document = self.client.fetch("PUT", UPDATE_PATH, body=body)
            else:
                document = self.client.fetch("POST", IMPORT_PATH, params=self.params, body=body)
        except ZendeskHTTPError as exc:
            if exc.recovery is not Recovery.FATAL:
                raise  # retried by the policy, or looked up first
            if exc.status in (401, 403, 404):
                raise with_advice(
                    exc, self.client.connection, operation="import tickets", scope="write"
                ) from None
            raise ImportFailedError(
                f"Zendesk rejected the import of {batch.describe()}: {exc}. Nothing of this "
                "batch was imported. Fix the tickets Zendesk names (or the target's settings) "
                "and run again from the last STATE"
            ) from None
        return parse_job_status(document).id  # unreadable: a lost answer, looked up

    def _look(self, batch: Batch, error: ZendeskError) -> Looked[str | None]:
        batch.in_doubt = True  # until recovery has decided
        try:
            if batch.kind == UPDATE:
                self.recovery.prepare_updates_again(batch, error)
                batch.in_doubt = False
                return Looked(False)
            imported = self.recovery.already_imported(batch, error)
        except ZendeskError as exc:  # the look-up itself failed: nothing is known
            raise ImportFailedError(
                f"Could not tell whether {batch.describe()} was imported: Zendesk answered "
                f"the import call with {error}, and checking failed: {exc}. The batch was not "
                "sent again, so that no ticket is imported twice. Check its tickets in "
                "Zendesk (by external_id) before running again from the last STATE"
            ) from None
        batch.in_doubt = False
        if imported:
            logger.warning(
                "Zendesk did not answer the import of %s clearly (%s), but all its tickets "
                "are there (same external_id and updated_at): counting it as imported, not "
                "sending it again",
                batch.describe(),
                error,
            )
            return Looked(True, None)
        logger.info(
            "The import of %s: none of its tickets is in Zendesk, so it is sent again",
            batch.describe(),
        )
        return Looked(False)


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
