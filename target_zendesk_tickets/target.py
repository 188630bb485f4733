"""target-zendesk-tickets: wiring of the settings, the sink, the pipeline and the CLI."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from singer_sdk import Target
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities

from target_zendesk_tickets.errors import ForcedStopError, TargetError
from target_zendesk_tickets.interrupts import Interrupter
from target_zendesk_tickets.pipeline import ImportPipeline, build_pipeline
from target_zendesk_tickets.reader import LineNumberedReader
from target_zendesk_tickets.report import final_message
from target_zendesk_tickets.sdk_hooks import TargetHooks
from target_zendesk_tickets.settings import CONFIG_SCHEMA, TargetSettings, read_target_settings
from target_zendesk_tickets.sink import TicketSink
from target_zendesk_tickets.state_gate import write_state_line
from zendesk_api.errors import ZendeskError
from zendesk_api.http import package_version
from zendesk_api.settings import register_token_settings


class TargetZendeskTickets(TargetHooks, Target):
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

    def __init__(self, *args: Any, validate_config: bool = True, **kwargs: Any) -> None:
        register_token_settings(kwargs.get("config"))  # before the SDK quotes any value
        super().__init__(*args, validate_config=validate_config, **kwargs)
        self.max_parallelism = 1  # drain sinks one by one, so batch numbers follow the input
        if validate_config:
            _ = self.settings  # fail now, with every wrong setting named
        self.interrupter: Interrupter = getattr(self.message_reader, "interrupter", Interrupter())
        self.interrupter.install()
        self.terminating = False
        self.ticket_sinks: list[TicketSink] = []  # every sink made, for the counts

    @classmethod
    def get_plugin_version(cls) -> str:
        return package_version()

    @cached_property
    def settings(self) -> TargetSettings:
        return read_target_settings(self.config)

    @cached_property
    def pipeline(self) -> ImportPipeline:
        return build_pipeline(
            self.settings,
            write_state=write_state_line,
            on_failure=self.interrupter.interrupt,
            wake=self.interrupter.nudge,
        )

    @property
    def input_line(self) -> int:
        return getattr(self.message_reader, "line_number", 0)  # for the tickets' references

    def process_endofpipe(self) -> None:
        super().process_endofpipe()  # the partial buffers go out
        self.pipeline.finish()
        progress = self.pipeline.progress
        self.logger.info(
            "Imported %d tickets in %d batches; skipped %d deleted tickets; "
            "wrote %d STATE messages",
            progress.tickets,
            progress.batches,
            sum(sink.deleted_skipped for sink in self.ticket_sinks),
            self.pipeline.gate.written,
        )
        self.close()

    def wind_down(self, exc: BaseException) -> BaseException:
        """After ``exc`` stopped the run: wait for the jobs in flight, then say where it stands."""
        self.interrupter.taken()  # the main thread is stopping: no more wake-up signals
        if "pipeline" not in self.__dict__ or isinstance(exc, ForcedStopError):
            return exc
        try:
            self.pipeline.drain_after_failure()
        except ForcedStopError as forced:
            return forced
        unsent = sum(sink.current_size for sink in self.ticket_sinks)
        message = final_message(exc, self.pipeline, unsent=unsent)
        if not isinstance(exc, TargetError | ZendeskError):
            self.logger.error("%s", message)
            return exc  # a bug: keep its traceback
        return TargetError(message)

    def close(self) -> None:
        if "pipeline" in self.__dict__:
            self.pipeline.close()

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Run the target; a failure ends in one clear message and exit code 1."""
        try:
            super().invoke(*args, **kwargs)
        except (TargetError, ZendeskError) as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TargetZendeskTickets.cli()
