"""target-zendesk-tickets: wiring of the settings, the sink, the pipeline and the CLI."""

from __future__ import annotations

import sys
from collections import Counter
from functools import cached_property
from typing import Any

from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities

from target_zendesk_tickets.copying.copies import CopyIndex
from target_zendesk_tickets.copying.destination import Destination
from target_zendesk_tickets.copying.load_plan import FAIL, UPSERT, LoadPlanner
from target_zendesk_tickets.copying.mapper import TicketMapper
from target_zendesk_tickets.copying.mapping_report import MappingReport
from target_zendesk_tickets.copying.recent_changes import RecentChanges
from target_zendesk_tickets.copying.references import REFERENCE_STREAMS, SourceReferences
from target_zendesk_tickets.copying.settings import AUTO, ON
from target_zendesk_tickets.errors import ForcedStopError, StoppedByFailure, TargetError
from target_zendesk_tickets.importing.batches import IMPORT, UPDATE, Batch
from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.importing.importer import Importer
from target_zendesk_tickets.importing.jobs import JobOutcome, fetch_jobs
from target_zendesk_tickets.importing.pipeline import ImportPipeline
from target_zendesk_tickets.importing.recovery import LostAnswerCheck, settle_period
from target_zendesk_tickets.importing.report import final_message
from target_zendesk_tickets.importing.schedule import JobSlots, PollSchedule
from target_zendesk_tickets.importing.state_gate import write_state_line
from target_zendesk_tickets.sdk_hooks import TargetHooks
from target_zendesk_tickets.settings import CONFIG_SCHEMA, TargetSettings, read_target_settings
from target_zendesk_tickets.singer_input.reader import LineNumberedReader
from target_zendesk_tickets.singer_input.sinks import ReferenceSink, TicketSink
from zendesk_api.errors import ZendeskError
from zendesk_api.http import ZendeskClient, package_version
from zendesk_api.retry import RetryBudget, RetryPolicy
from zendesk_api.server_clock import ServerClock
from zendesk_api.settings import register_token_settings

COMPONENT = "target-zendesk-tickets"


class TargetZendeskTickets(TargetHooks):
    """Zendesk bulk ticket import; each STATE passed on once the tickets before it are in."""

    name = "target-zendesk-tickets"
    config_jsonschema = CONFIG_SCHEMA.to_dict()
    default_sink_class = TicketSink
    message_reader_class = LineNumberedReader
    # Not schema flattening: a flattened ticket is no longer a ticket.
    capabilities = [  # noqa: RUF012 - the SDK declares this as a plain class attribute
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.STRUCTURED_LOGGING,
        TargetCapabilities.VALIDATE_RECORDS,
    ]

    def get_sink_class(self, stream_name: str) -> type[TicketSink] | type[ReferenceSink]:
        """Streams a ticket refers to (``users``, ``ticket_comments``...) are kept for the
        mapping; every other stream's records are tickets."""
        return ReferenceSink if stream_name in REFERENCE_STREAMS else TicketSink

    def __init__(self, *args: Any, validate_config: bool = True, **kwargs: Any) -> None:
        register_token_settings(kwargs.get("config"))  # before the SDK quotes any value
        super().__init__(*args, validate_config=validate_config, **kwargs)
        self.max_parallelism = 1  # drain sinks one by one, so batch numbers follow the input
        if validate_config:
            _ = self.settings  # fail now, with every wrong setting named
        self.ticket_sinks: list[TicketSink] = []  # every sink made, for the counts
        self.dry_run_tickets: Counter[str] = Counter()  # by kind: import, update
        if isinstance(self.message_reader, LineNumberedReader):
            self.message_reader.owner = self

    @classmethod
    def get_plugin_version(cls) -> str:
        return package_version()

    @cached_property
    def settings(self) -> TargetSettings:
        return read_target_settings(self.config)

    @cached_property
    def sender(self) -> ZendeskClient:
        """The client of every call that writes, and of the look-ups around them.

        Its waits (Retry-After, backoff, the checks after a lost answer) are the pipeline's,
        so the jobs in flight are still asked about while it waits.
        """
        connection = self.settings.connection
        return ZendeskClient(
            connection,
            COMPONENT,
            policy=RetryPolicy(
                backoff=connection.retry_backoff,
                default_retry_after=connection.default_retry_after,
                sleep=lambda seconds: self.pipeline.wait(seconds),  # noqa: PLW0108 - built later
            ),
        )

    @cached_property
    def pipeline(self) -> ImportPipeline:
        return build_pipeline(self.settings, self.sender, self.comment_counter)

    @cached_property
    def comment_counter(self) -> CommentCounter:
        return CommentCounter(self.sender)

    @cached_property
    def server_clock(self) -> ServerClock:
        """The destination's time, from the answers to ``sender``."""
        clock = ServerClock()
        self.sender.response_hooks.append(clock.observe)
        return clock

    @cached_property
    def references(self) -> SourceReferences:
        return SourceReferences()

    @cached_property
    def mapping_report(self) -> MappingReport:
        return MappingReport()

    @cached_property
    def destination(self) -> Destination:
        return Destination(self.sender, dry_run=self.settings.copy.dry_run, budget=self.call_budget)

    @cached_property
    def ticket_mapper(self) -> TicketMapper:
        return TicketMapper(
            self.references, self.destination, self.settings.copy.rules, self.mapping_report
        )

    @cached_property
    def call_budget(self) -> RetryBudget:
        """What one call besides the import may spend on retries: ``maxRetries``, as an import."""
        return RetryBudget(
            retries=self.settings.max_retries, advice="run again from the last STATE"
        )

    @property
    def upsert(self) -> bool:
        return self.settings.copy.load_method == UPSERT

    @cached_property
    def copy_index(self) -> CopyIndex:
        copy = self.settings.copy
        recent = RecentChanges(
            self.comment_counter,
            self.pipeline.recovery,
            self.server_clock,
            export_lag=copy.export_lag,
            budget=self.call_budget,
        )
        return CopyIndex(
            self.sender,
            self.pipeline.recovery,
            self.comment_counter,
            recent,
            export_lag=copy.export_lag,
            archive_immediately=self.settings.archive_immediately,
            job_timeout=self.settings.job_timeout,
            budget=self.call_budget,
        )

    @cached_property
    def planner(self) -> LoadPlanner:
        copy = self.settings.copy
        planner = LoadPlanner(
            method=copy.load_method,
            index=self.copy_index,
            client=self.sender,
            counter=self.comment_counter,
            settle=self._settle,
            closed_copies=copy.closed_copies,
            deleted_tickets=copy.deleted_tickets,
            dry_run=copy.dry_run,
            budget=self.call_budget,
            settle_time=settle_period(self.settings.connection, self.settings.job_timeout),
        )
        self.pipeline.on_done = self._batch_done
        self.pipeline.closed_is_failure = copy.closed_copies == FAIL
        return planner

    def _settle(self) -> None:
        """Send every buffered ticket and wait for every job (a ticket is coming twice)."""
        self.drain_all()
        self.pipeline.settle()

    def _batch_done(self, batch: Batch, result: JobOutcome) -> None:
        self.planner.done(batch.kind, result.ids, batch.refs)
        for position in result.closed:
            self.planner.closed_by_job(batch.refs[position])

    def keep_source_external_id(self, body: dict, own: str) -> None:
        """The source ticket's own external_id, into the destination's text field for it."""
        title = self.settings.copy.source_external_id_field
        field_id = self.destination.text_field(title) if title else None
        if field_id is not None:
            body["custom_fields"] = [
                *(body.get("custom_fields") or []),
                {"id": field_id, "value": own},
            ]

    @property
    def mapping_active(self) -> bool:
        mode = self.settings.copy.map_references
        return mode == ON or (mode == AUTO and self.references.has_people)

    @property
    def input_line(self) -> int:
        return getattr(self.message_reader, "line_number", 0)  # for the tickets' references

    # The reader's loop owner (reader.LoopOwner) -----------------------------------------

    @property
    def stop_requested(self) -> bool:
        return self.terminating

    def seconds_until_due(self) -> float | None:
        return self.pipeline.seconds_until_due() if "pipeline" in self.__dict__ else None

    def tick(self) -> None:
        if "pipeline" in self.__dict__:
            self.pipeline.tick()

    def stopped_by(self, exc: BaseException) -> BaseException:
        """After ``exc`` stopped the run: wait for the jobs in flight, then say where it stands."""
        if isinstance(exc, StoppedByFailure):
            exc = exc.failure  # another batch's failure, found while a call waited
        try:
            if "pipeline" not in self.__dict__ or isinstance(exc, ForcedStopError):
                return exc
            try:
                self.pipeline.drain_after_failure()
            except ForcedStopError as forced:
                return forced
            self.log_mapping_summary()
            unsent = sum(sink.current_size for sink in self.ticket_sinks)
            message = final_message(exc, self.pipeline, unsent=unsent)
            if not isinstance(exc, TargetError | ZendeskError):
                self.logger.error("%s", message)
                return exc  # a bug: keep its traceback
            exc.args = (message,)  # the same error, now saying where the import stands
            return exc
        finally:
            self.close()

    # ----------------------------------------------------------------------------------

    def state_received(self, state: dict) -> None:
        if self.settings.copy.dry_run:
            return  # nothing was written, so no STATE may say it was
        self.pipeline.add_state(state)

    def process_endofpipe(self) -> None:
        try:
            super().process_endofpipe()  # the partial buffers go out
            self.pipeline.finish()
        except BaseException as exc:
            final = self.stopped_by(exc)
            if final is exc:
                raise
            raise final from None
        progress = self.pipeline.progress
        deleted = sum(sink.deleted_skipped for sink in self.ticket_sinks)
        if self.settings.copy.dry_run:
            self.logger.info(
                "Dry run: %d tickets would be imported and %d copies updated; skipped %d "
                "deleted tickets; nothing was written to Zendesk and no STATE was written",
                self.dry_run_tickets[IMPORT],
                self.dry_run_tickets[UPDATE],
                deleted,
            )
        else:
            self.logger.info(
                "Imported %d tickets and updated %d in %d batches; skipped %d deleted tickets; "
                "wrote %d STATE messages; asked about jobs %d times",
                progress.tickets_imported,
                progress.tickets - progress.tickets_imported,
                progress.batches,
                deleted,
                self.pipeline.gate.written,
                self.pipeline.schedule.polls,
            )
        self.log_mapping_summary()
        self.close()

    def log_mapping_summary(self) -> None:
        if "planner" in self.__dict__:
            index = self.copy_index
            how = f"{self.settings.copy.load_method}, {index.lookups} look-ups"
            if index.scanned:
                how += ", the destination's export read"
            done = [f"{self.pipeline.progress.tickets_imported} imported", *self.planner.lines()]
            self.logger.info("Copies (%s): %s", how, "; ".join(done))
        if "ticket_mapper" not in self.__dict__:
            return
        tickets = self.ticket_mapper.tickets
        per_ticket = self.destination.requests / tickets if tickets else 0.0
        self.logger.info(
            "Mapping summary (%d look-ups and creations in the destination, %.2f per ticket):",
            self.destination.requests,
            per_ticket,
        )
        for line in self.mapping_report.lines():
            self.logger.info("  %s", line)

    def close(self) -> None:
        if "pipeline" in self.__dict__:
            self.pipeline.close()

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Run the target; a failure ends in one clear message and exit code 1."""
        try:
            super().invoke(*args, **kwargs)
        except (TargetError, ZendeskError) as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


def build_pipeline(
    settings: TargetSettings, sender: ZendeskClient, counter: CommentCounter
) -> ImportPipeline:
    """The pipeline: ``sender`` sends batches, a client of its own asks about jobs."""
    connection = settings.connection
    poller = ZendeskClient(connection, COMPONENT)
    slots = JobSlots(settings.max_jobs_in_flight)
    sender.response_hooks.append(lambda response: slots.observe(response.headers))
    recovery = LostAnswerCheck(
        sender,
        counter,
        known_jobs=lambda: pipeline.known_jobs(),  # noqa: PLW0108 - defined below
        poll_interval=settings.job_poll_interval,
        timeout=settings.job_timeout,
        settle=settle_period(connection, settings.job_timeout),
        archive_immediately=settings.archive_immediately,
    )
    importer = Importer(
        sender,
        recovery,
        max_retries=settings.max_retries,
        archive_immediately=settings.archive_immediately,
    )
    pipeline = ImportPipeline(
        importer,
        lambda ids: fetch_jobs(poller, ids),
        write_state_line,
        slots=slots,
        schedule=PollSchedule(interval=settings.job_poll_interval, clock=poller.policy.clock),
        policy=poller.policy,
        job_timeout=settings.job_timeout,
    )
    pipeline.on_close += [sender.session.close, poller.session.close]
    pipeline.recovery = recovery  # for the copy index: the same jobs are waited for
    return pipeline


if __name__ == "__main__":
    TargetZendeskTickets.cli()
