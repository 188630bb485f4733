"""The target's parts, built once, in order, each given what it needs when it is made.

Three references point forward, all here and nowhere else: every wait of the client that
writes (a ``Retry-After``, a backoff, the checks after a lost answer) is the pipeline's
:meth:`~ImportPipeline.wait`, so the jobs in flight are still asked about meanwhile; a
``TooManyJobs`` without ``Retry-After`` is waited out by
:meth:`~ImportPipeline.wait_for_slot`, which ends once a job slot is likely free; and the
lost-answer checks ask the pipeline which jobs are this run's. The pipeline owns the
client that polls jobs; the loader is what the sinks hand their buffers to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from target_zendesk_tickets.copying.copies import CopyIndex
from target_zendesk_tickets.copying.creation import StructureCreator
from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.files.attacher import FileAttacher
from target_zendesk_tickets.copying.files.uploads import Uploader
from target_zendesk_tickets.copying.load_plan import FAIL, UPSERT, LoadPlanner
from target_zendesk_tickets.copying.loader import LoaderSettings, TicketLoader
from target_zendesk_tickets.copying.mapper import STOP, TicketMapper
from target_zendesk_tickets.copying.mapping_report import MappingReport
from target_zendesk_tickets.copying.problem_links import ProblemLinks
from target_zendesk_tickets.copying.recent_changes import RecentChanges
from target_zendesk_tickets.copying.references import SourceReferences
from target_zendesk_tickets.copying.settings import AUTO, ON
from target_zendesk_tickets.importing.batches import Batch
from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.importer import Importer
from target_zendesk_tickets.importing.job_list import JobLookup
from target_zendesk_tickets.importing.jobs import JobOutcome
from target_zendesk_tickets.importing.pipeline import ImportPipeline
from target_zendesk_tickets.importing.recovery import LostAnswerCheck, settle_period
from target_zendesk_tickets.importing.schedule import JobSlots, PollSchedule
from target_zendesk_tickets.importing.state_gate import write_state_line
from target_zendesk_tickets.settings import TargetSettings
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget, RetryPolicy
from zendesk_api.server_clock import ServerClock

COMPONENT = "target-zendesk-tickets"


@dataclass(frozen=True)
class Parts:
    pipeline: ImportPipeline
    loader: TicketLoader
    planner: LoadPlanner
    index: CopyIndex
    mapper: TicketMapper
    destination: Destination
    mapping_report: MappingReport
    files: FileAttacher


def build_parts(settings: TargetSettings, input_line: Callable[[], int]) -> Parts:
    """Every part of one run; ``input_line`` tells the line being read (for messages)."""
    connection, copy = settings.connection, settings.copy
    forward: dict[str, ImportPipeline] = {}  # the pipeline, once it is made (see above)
    sender = ZendeskClient(
        connection,
        COMPONENT,
        policy=RetryPolicy(
            backoff=connection.retry_backoff,
            default_retry_after=connection.default_retry_after,
            sleep=lambda seconds: forward["pipeline"].wait(seconds),  # noqa: PLW0108 - made below
        ),
    )
    poller = ZendeskClient(connection, COMPONENT)
    lookup = JobLookup(poller)  # show_many, and the job list for jobs it does not find
    slots = JobSlots(settings.max_jobs_in_flight)
    sender.response_hooks.append(lambda response: slots.observe(response.headers))
    server_clock = ServerClock()
    sender.response_hooks.append(server_clock.observe)
    counter = CommentCounter(sender)
    recovery = LostAnswerCheck(
        sender,
        counter,
        known_jobs=lambda: forward["pipeline"].known_jobs(),  # noqa: PLW0108 - made below
        poll_interval=settings.job_poll_interval,
        timeout=settings.job_timeout,
        settle=settle_period(connection, settings.job_timeout),
        archive_immediately=settings.archive_immediately,
    )
    # What one call besides the import may spend on retries: maxRetries, as an import.
    budget = RetryBudget(retries=settings.max_retries, advice="run again from the last STATE")
    index = CopyIndex(
        sender,
        recovery,
        counter,
        RecentChanges(counter, recovery, server_clock, export_lag=copy.export_lag, budget=budget),
        export_lag=copy.export_lag,
        archive_immediately=settings.archive_immediately,
        job_timeout=settings.job_timeout,
        budget=budget,
    )
    # Files are uploaded through the writing client (its waits keep polling the jobs) and
    # checked against the destination's clock, read from its answers.
    uploader = Uploader(sender, budget, server_clock)
    files = FileAttacher(settings.files, uploader, dry_run=copy.dry_run)
    planner = LoadPlanner(
        method=copy.load_method,
        index=index,
        client=sender,
        counter=counter,
        closed_copies=copy.closed_copies,
        deleted_tickets=copy.deleted_tickets,
        dry_run=copy.dry_run,
        budget=budget,
        settle_time=settle_period(connection, settings.job_timeout),
        files=files,
    )

    def done(batch: Batch, result: JobOutcome) -> None:
        planner.batch_done(batch, result)
        files.batch_done(batch, result)  # its comments are in: their files leave the spool

    pipeline = ImportPipeline(
        Importer(
            sender,
            recovery,
            max_retries=settings.max_retries,
            archive_immediately=settings.archive_immediately,
            # A TooManyJobs without Retry-After: sent again once a slot is likely free.
            slot_wait=lambda error, longest: forward["pipeline"].wait_for_slot(  # noqa: PLW0108
                error, longest
            ),
        ),
        lookup.fetch,
        write_state_line,
        slots=slots,
        schedule=PollSchedule(interval=settings.job_poll_interval, clock=poller.policy.clock),
        policy=poller.policy,
        job_timeout=settings.job_timeout,
        on_done=done,
        closed_is_failure=copy.closed_copies == FAIL,
        busy_jobs=lookup.unfinished,
    )
    forward["pipeline"] = pipeline
    pipeline.on_close += [sender.session.close, poller.session.close, uploader.close]
    references = SourceReferences()
    destination = Destination(sender, dry_run=copy.dry_run, budget=budget)
    report = MappingReport()
    creator = (
        StructureCreator(
            destination,
            references,
            stop_on_refusal=copy.rules.on_unmapped == STOP,
            dry_run=copy.dry_run,
        )
        if copy.rules.create_missing or copy.rules.create_agents
        else None
    )
    mapper = TicketMapper(references, destination, copy.rules, report, creator)

    def map_references() -> bool:
        return copy.map_references == ON or (copy.map_references == AUTO and references.has_people)

    problems = ProblemLinks(index, references.incidents_of, report)
    planner.on_imported = problems.imported
    loader = TicketLoader(
        LoaderSettings(
            batch_size=settings.buffer_size,
            keyed_by_link=copy.load_method == UPSERT,
            map_references=map_references,
            source_external_id_field=copy.source_external_id_field,
            dry_run=copy.dry_run,
        ),
        references=references,
        mapper=mapper,
        destination=destination,
        planner=planner,
        pipeline=pipeline,
        problems=problems,
        input_line=input_line,
        files=files,
    )
    return Parts(pipeline, loader, planner, index, mapper, destination, report, files)
