"""What a failed run says: the job that failed, ticket by ticket, and the last message,
which also says what was and was not imported."""

from __future__ import annotations

from dataclasses import dataclass, field

from target_zendesk_tickets.importing.batches import UPDATE, Batch
from target_zendesk_tickets.importing.jobs import JobOutcome, describe_failures


@dataclass
class Progress:
    """What has been imported so far, for the log and for the final message."""

    batches: int = 0
    #: Tickets imported or updated.
    tickets: int = 0
    tickets_imported: int = 0
    #: Batches that completed after a failed one: imported, but no STATE covers them.
    after_failure: list[str] = field(default_factory=list)
    failed_batch: int | None = None
    #: Batches whose jobs were still open when the target gave up on them.
    abandoned: list[str] = field(default_factory=list)
    #: Batches stopped by another failure while an unanswered call of theirs was being
    #: checked: that call may have created a job.
    in_doubt: list[str] = field(default_factory=list)
    #: Batches taken from the buffers but stopped before any call of theirs could have
    #: imported them.
    not_sent: list[str] = field(default_factory=list)


def final_message(
    failure: BaseException,
    progress: Progress,
    *,
    states: int,
    unsent: int,
    other_failure: BaseException | None = None,
) -> str:
    """``failure``'s own text, then one paragraph on where the import stands: ``states``
    STATE messages written, ``unsent`` tickets read but not sent, and ``other_failure``,
    one that happened while stopping."""
    facts = []
    if progress.batches:
        before = " before the failure" if progress.failed_batch is not None else ""
        facts.append(
            f"Imported{before}: {progress.tickets} tickets in {progress.batches} batch(es), "
            f"covered by the {states} STATE message(s) written."
            if states
            else f"Imported{before}: {progress.tickets} tickets in {progress.batches} batch(es)."
        )
    else:
        facts.append("No batch was imported completely; no STATE was written.")
    if progress.after_failure:
        facts.append(
            "Imported after the failed batch, but not covered by any STATE (a run from the "
            f"last STATE finds them and does not copy them twice): "
            f"{'; '.join(progress.after_failure)}."
        )
    if progress.abandoned:
        facts.append(
            "Outcome unknown (the target stopped following their jobs; check their tickets "
            f"in Zendesk): {'; '.join(progress.abandoned)}."
        )
    if progress.in_doubt:
        facts.append(
            "Outcome unknown (an import call got no clear answer, and checking it was cut "
            "short: Zendesk may have imported it, check its tickets by external_id): "
            f"{'; '.join(progress.in_doubt)}."
        )
    if progress.not_sent:
        facts.append(f"Not imported (stopped before sending): {'; '.join(progress.not_sent)}.")
    if unsent:
        facts.append(f"Not imported: {unsent} ticket(s) read but not yet sent.")
    text = str(failure)
    if "\n" in text:  # a list of failing tickets: the facts get a line of their own
        message = f"{text}\n{' '.join(facts)}"
    else:
        message = f"{text.rstrip('.')}. {' '.join(facts)}"
    if other_failure is not None and other_failure is not failure:
        message += f"\nWhile stopping, this failed too: {other_failure}"  # a job, meanwhile
    return message


def job_failure_message(batch: Batch, result: JobOutcome) -> str:
    """What a job that did not do its whole batch did, ticket by ticket."""
    job_id, failed, unconfirmed = result.job.id, result.failed, result.unconfirmed
    verb, done = ("update", "updated") if batch.kind == UPDATE else ("import", "imported")
    if not any(failure.unconfirmed for failure in result.failures):
        if failed:
            head = (
                f"Zendesk did not {verb} {failed} of the {batch.size} tickets of "
                f"{batch.describe()} (job {job_id}):"
            )
        else:
            head = f"Zendesk's {verb} job {job_id} for {batch.describe()} failed:"
    elif failed or unconfirmed:
        head = (
            f"Zendesk did not confirm the {verb} of {failed + unconfirmed} of the "
            f"{batch.size} tickets of {batch.describe()} (job {job_id}, '{result.job.status}'): "
            f"{failed} failed, {unconfirmed} not accounted for by the job's results:"
        )
    else:
        head = f"Zendesk's {verb} job {job_id} for {batch.describe()} did not say what it {done}:"
    lines = [head, *(f"  - {line}" for line in describe_failures(result, batch))]
    if result.imported:
        lines.append(
            f"The other {result.imported} ticket(s) of this batch were {done} (a run from the "
            "last STATE finds them and does not copy them twice)."
        )
    elif not unconfirmed and not any(f.unconfirmed for f in result.failures):
        lines.append(f"None of this batch's tickets were {done}.")
    if any(failure.unconfirmed for failure in result.failures):
        lines.append(
            "Tickets the job does not account for may or may not be in Zendesk: check them "
            "(by external_id) before running again from the last STATE."
        )
    else:
        lines.append("Fix or leave out the failing tickets, then run again from the last STATE.")
    return "\n".join(lines)
