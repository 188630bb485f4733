"""Reading Singer messages with line numbers, so bad input is named by its line.

The SDK's reader knows no line numbers, logs a whole unparsable line at ERROR, and lets a
RECORD whose ``record`` is not an object crash deep inside the SDK. This reader counts
lines (blank ones are skipped but counted), checks each message's shape before the SDK
sees it, and turns every input problem into one :class:`BadInputError` naming the line.
Failures while sending to Zendesk (which happen inside the same callbacks, when a buffer
fills up) pass through untouched: they are not bad input.

It also stops between two messages when :mod:`interrupts` asks it to.
"""

from __future__ import annotations

import json
import logging
import typing as t
from collections import Counter

from singer_sdk.exceptions import (
    InvalidJSONSchema,
    InvalidRecord,
    MissingKeyPropertiesError,
    RecordsWithoutSchemaException,
)
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

from target_zendesk_tickets.errors import BadInputError, BadRecordError, TargetError
from target_zendesk_tickets.interrupts import Interrupter, StopReading
from zendesk_api.errors import ZendeskError

logger = logging.getLogger(__name__)

SUPPORTED = ("SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION")
_MAX_TEXT = 300


class LineNumberedReader(SingerReader):
    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.interrupter = Interrupter()

    def process_lines(
        self,
        file_input: t.IO[str] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        stats: Counter[str] = Counter()
        lines = iter(file_input or self.default_input)
        while True:
            try:
                with self.interrupter.interruptible():
                    line = next(lines, None)
                if line is None:
                    break
                self.line_number += 1
                if line.strip():
                    stats[self._process(line, callbacks)] += 1
                self.interrupter.check()
            except StopReading:
                logger.info(
                    "Termination signal: stopped reading input after line %d; finishing "
                    "the import of what was read",
                    self.line_number,
                )
                break
        return stats

    def _process(self, line: str, callbacks: dict[str, t.Callable[[dict], None]]) -> str:
        message = self._parse(line)
        kind = message["type"]
        callback = callbacks.get(kind) if kind in SUPPORTED else None
        if callback is None:
            raise self._bad(
                f"unknown message type {_short(kind)}; this target reads " + ", ".join(SUPPORTED)
            )
        self._check_shape(message, kind)
        try:
            callback(message)
        except BadRecordError as exc:
            raise self._bad(str(exc)) from None
        except (ZendeskError, TargetError, StopReading):
            raise  # sending failed, or the run is stopping: not bad input
        except RecordsWithoutSchemaException:
            raise self._bad(
                f"a RECORD for stream {_short(message.get('stream'))} came before any SCHEMA "
                "for that stream"
            ) from None
        except InvalidRecord as exc:
            raise self._bad(
                f"the record does not match the SCHEMA of stream {_short(message.get('stream'))}: "
                f"{_short(exc.error_message, quote=False)}"
            ) from None
        except (MissingKeyPropertiesError, InvalidJSONSchema, InvalidInputLine) as exc:
            raise self._bad(f"{_short(str(exc), quote=False)}") from None
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise self._bad(
                f"the {kind} message could not be processed: {_short(str(exc), quote=False)}"
            ) from None
        return kind

    def _parse(self, line: str) -> dict:
        try:
            message = deserialize_json(line.rstrip("\r\n"))  # columns counted on this line
        except json.JSONDecodeError as exc:
            raise self._bad(
                f"not valid JSON ({exc.msg} at column {exc.colno}): "
                + _short(line.strip(), quote=False)
            ) from None
        if not isinstance(message, dict):
            raise self._bad(f"{_kind(message)}, not a Singer message (a JSON object with a 'type')")
        if not isinstance(message.get("type"), str):
            raise self._bad("a JSON object without a 'type', so not a Singer message")
        return message

    def _check_shape(self, message: dict, kind: str) -> None:
        if kind in ("RECORD", "SCHEMA") and not isinstance(message.get("stream"), str):
            raise self._bad(f"a {kind} message needs a 'stream' name")
        if kind == "RECORD" and not isinstance(message.get("record"), dict):
            raise self._bad(
                f"the 'record' of this RECORD (stream {_short(message['stream'])}) is "
                f"{_kind(message.get('record'), missing='record' not in message)}, not an object"
            )
        if kind == "SCHEMA" and not isinstance(message.get("schema"), dict):
            raise self._bad(
                f"the 'schema' of this SCHEMA (stream {_short(message['stream'])}) is not an object"
            )
        if kind == "STATE" and "value" not in message:
            raise self._bad("a STATE message without 'value'")

    def _bad(self, problem: str) -> BadInputError:
        return BadInputError(self.line_number, problem)


def _kind(value: t.Any, *, missing: bool = False) -> str:  # noqa: PLR0911
    if missing:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, dict):
        return "a JSON object"
    return "a JSON number"


def _short(value: t.Any, *, quote: bool = True) -> str:
    text = repr(value) if quote else str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "..."
