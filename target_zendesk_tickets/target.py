"""target-zendesk-tickets: the SDK's Target, wired to the parts it builds (:mod:`assembly`):
sinks by stream, the reader's loop, STATE to the pipeline, the run's end and its messages."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities

from target_zendesk_tickets.assembly import Parts, build_parts
from target_zendesk_tickets.copying.loader import TicketLoader
from target_zendesk_tickets.copying.references import REFERENCE_STREAMS
from target_zendesk_tickets.errors import ForcedStopError, StoppedByFailure, TargetError
from target_zendesk_tickets.importing.batches import IMPORT, UPDATE
from target_zendesk_tickets.importing.pipeline import ImportPipeline
from target_zendesk_tickets.sdk_hooks import TargetHooks
from target_zendesk_tickets.settings import CONFIG_SCHEMA, TargetSettings, read_target_settings
from target_zendesk_tickets.singer_input.not_copied import NOT_COPIED_STREAMS, NotCopiedSink
from target_zendesk_tickets.singer_input.reader import LineNumberedReader
from target_zendesk_tickets.singer_input.sinks import ReferenceSink, TicketSink
from zendesk_api.errors import ZendeskError
from zendesk_api.http import package_version
from zendesk_api.settings import register_token_settings


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

    def get_sink_class(
        self, stream_name: str
    ) -> type[TicketSink] | type[ReferenceSink] | type[NotCopiedSink]:
        """Streams a ticket refers to (``users``, ``ticket_comments``...) are kept for the
        mapping; the tap's analytics streams are left out; every other stream's records are
        tickets."""
        if stream_name in REFERENCE_STREAMS:
            return ReferenceSink
        if stream_name in NOT_COPIED_STREAMS:
            return NotCopiedSink
        self.ticket_streams.add(stream_name)  # for what was read but not sent, at a failure
        return TicketSink

    def __init__(self, *args: Any, validate_config: bool = True, **kwargs: Any) -> None:
        register_token_settings(kwargs.get("config"))  # before the SDK quotes any value
        super().__init__(*args, validate_config=validate_config, **kwargs)
        self.max_parallelism = 1  # drain sinks one by one, so batch numbers follow the input
        if validate_config:
            _ = self.settings  # fail now, with every wrong setting named
        self.ticket_streams: set[str] = set()
        self._held_state: dict | None = None  # a STATE waiting for held closed incidents
        if isinstance(self.message_reader, LineNumberedReader):
            self.message_reader.owner = self

    @classmethod
    def get_plugin_version(cls) -> str:
        return package_version()

    @cached_property
    def settings(self) -> TargetSettings:
        return read_target_settings(self.config)

    @cached_property
    def parts(self) -> Parts:
        """Every part of the run, built the first time a message needs one."""
        return build_parts(self.settings, lambda: self.input_line)

    @property
    def input_line(self) -> int:
        """The input line being read (to name a ticket in messages)."""
        return getattr(self.message_reader, "line_number", 0)

    @property
    def loader(self) -> TicketLoader:
        """What the sinks hand their buffers to (:class:`~singer_input.sinks.LoaderOwner`)."""
        return self.parts.loader

    @property
    def pipeline(self) -> ImportPipeline:
        return self.parts.pipeline

    # The reader's loop owner (reader.LoopOwner) -----------------------------------------

    @property
    def stop_requested(self) -> bool:
        return self.terminating

    def seconds_until_due(self) -> float | None:
        return self.pipeline.seconds_until_due() if "parts" in self.__dict__ else None

    def tick(self) -> None:
        if "parts" in self.__dict__:
            self.pipeline.tick()

    def stopped_by(self, exc: BaseException) -> BaseException:
        """After ``exc`` stopped the run: wait for the jobs in flight, then say where it stands."""
        if isinstance(exc, StoppedByFailure):
            exc = exc.failure  # another batch's failure, found while a call waited
        try:
            if "parts" not in self.__dict__ or isinstance(exc, ForcedStopError):
                return exc
            try:
                self.pipeline.drain_after_failure()
            except ForcedStopError as forced:
                return forced
            self.log_mapping_summary()
            unsent = len(self.loader.held) + sum(
                self.get_sink(name).current_size
                for name in self.ticket_streams
                if self.sink_exists(name)
            )
            message = self.pipeline.final_message(exc, unsent=unsent)
            if not isinstance(exc, TargetError | ZendeskError):
                self.logger.error("%s", message)
                return exc  # a bug: keep its traceback
            exc.args = (message,)  # the same error, now saying where the import stands
            return exc
        finally:
            self.close()

    # ----------------------------------------------------------------------------------

    def state_received(self, state: dict) -> None:
        self.loader.before_state()  # incidents linked to problems copied before it
        if self.settings.copy.dry_run:
            return  # nothing was written, so no STATE may say it was
        if self.loader.holding:
            # Closed incidents wait for their problem: this STATE (or a later one, which
            # supersedes it) is passed on once they are in.
            self._held_state = state
            return
        self._held_state = None
        self.pipeline.add_state(state)

    def process_endofpipe(self) -> None:
        try:
            super().process_endofpipe()  # the partial buffers go out
            if "parts" in self.__dict__:
                # The end of the input sends the last held incidents (without their link);
                # a termination signal is not the end: they stay for the next run.
                self.loader.before_state(end=not self.terminating)
                if self.loader.holding:
                    self.logger.warning(
                        "Stopped with %d closed incident(s) held for their problem ticket, "
                        "not sent: the next run, from the last STATE, sends them",
                        len(self.loader.held),
                    )
                elif self._held_state is not None:
                    self.pipeline.add_state(self._held_state)
            self.pipeline.finish()
        except BaseException as exc:
            final = self.stopped_by(exc)
            if final is exc:
                raise
            raise final from None
        progress = self.pipeline.progress
        deleted = self.loader.deleted_skipped
        if self.settings.copy.dry_run:
            self.logger.info(
                "Dry run: %d tickets would be imported and %d copies updated; skipped %d "
                "deleted tickets; nothing was written to Zendesk and no STATE was written",
                self.loader.dry_run_tickets[IMPORT],
                self.loader.dry_run_tickets[UPDATE],
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
        if "parts" not in self.__dict__:
            return
        parts = self.parts
        how = f"{self.settings.copy.load_method}, {parts.index.lookups} look-ups"
        if parts.index.scanned:
            how += ", the destination's export read"
        done = [f"{self.pipeline.progress.tickets_imported} imported", *parts.planner.lines()]
        self.logger.info("Copies (%s): %s", how, "; ".join(done))
        tickets = parts.mapper.tickets
        if not tickets:
            return
        per_ticket = parts.destination.requests / tickets
        self.logger.info(
            "Mapping summary (%d look-ups and creations in the destination, %.2f per ticket):",
            parts.destination.requests,
            per_ticket,
        )
        creation = parts.mapper.creator.lines() if parts.mapper.creator else []
        for line in [*parts.mapping_report.lines(), *creation]:
            self.logger.info("  %s", line)
        for line in parts.files.lines():
            self.logger.info("%s", line)

    def close(self) -> None:
        if "parts" in self.__dict__:
            self.pipeline.close()

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Run the target; a failure ends in one clear message and exit code 1."""
        try:
            super().invoke(*args, **kwargs)
        except (TargetError, ZendeskError) as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TargetZendeskTickets.cli()
