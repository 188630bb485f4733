"""The last message of a failed run: what went wrong, and what was and was not imported."""

from __future__ import annotations

from target_zendesk_tickets.pipeline import ImportPipeline


def final_message(failure: BaseException, pipeline: ImportPipeline, *, unsent: int) -> str:
    """``failure``'s own text, then one paragraph on where the import stands."""
    progress, states = pipeline.progress, pipeline.gate.written
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
            f"last STATE imports them again): {'; '.join(progress.after_failure)}."
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
    if pipeline.failure is not None and pipeline.failure is not failure:
        message += f"\nWhile stopping, this failed too: {pipeline.failure}"  # a job, meanwhile
    return message
