"""The target's main loop: Singer messages in, with line numbers; jobs polled while quiet.

The SDK's reader (its ``message_reader_class`` is the hook for this) knows no line numbers,
logs a whole unparsable line at ERROR, and lets a RECORD whose ``record`` is not an object
crash deep inside the SDK. This reader counts lines (blank ones are skipped but counted),
checks each message's shape before the SDK sees it, and turns every input problem into one
:class:`BadInputError` naming the line. Failures while sending to Zendesk (which happen
inside the same callbacks, when a buffer fills up) pass through untouched: they are not
bad input.

A thread of its own (:class:`LineFeed`) only reads lines into a bounded queue. The main
thread takes them from there, and between two lines - or while the input is quiet, as
long as a tap in follow mode stays quiet - lets its :class:`LoopOwner` (the target) ask
about import jobs and release STATE. A failure found that way stops the input at once; a
termination signal stops it between two messages.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
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
from zendesk_api.errors import ZendeskError

logger = logging.getLogger(__name__)

SUPPORTED = ("SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION")
_MAX_TEXT = 300
#: Lines read ahead of the main thread at most (backpressure on the tap beyond that).
QUEUED_LINES = 1000
#: The longest the main thread waits for a line before looking at its owner again (a
#: termination signal is seen within this time).
IDLE_CHECK = 0.2


class LoopOwner(t.Protocol):
    """What the reader's loop asks of the target between two lines."""

    @property
    def stop_requested(self) -> bool: ...

    def seconds_until_due(self) -> float | None:
        """How long the input may stay quiet before :meth:`tick` has work (None: no work)."""

    def tick(self) -> None:
        """Do what is due (ask about jobs, release STATE); raises a failure found."""

    def stopped_by(self, exc: BaseException) -> BaseException:
        """What to raise once ``exc`` stopped the loop (after winding down)."""


class LineFeed:
    """Reads lines in a daemon thread into a bounded queue; the main thread takes them."""

    END = object()  # the input is finished
    QUIET = object()  # no line within the timeout

    def __init__(self, lines: t.Iterable[str], *, size: int = QUEUED_LINES) -> None:
        self._queue: queue.Queue[t.Any] = queue.Queue(maxsize=size)
        self._thread = threading.Thread(
            target=self._read, args=(lines,), name="input-reader", daemon=True
        )
        self._thread.start()

    def _read(self, lines: t.Iterable[str]) -> None:
        try:
            for line in lines:
                self._queue.put(line)
        except BaseException as exc:  # handed to the main thread, which raises it
            self._queue.put(exc)
        self._queue.put(self.END)

    def next(self, timeout: float) -> t.Any:
        """A line, :attr:`END`, or :attr:`QUIET` after ``timeout`` seconds without one."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return self.QUIET
        if isinstance(item, BaseException):
            raise item
        return item


class LineNumberedReader(SingerReader):
    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.owner: LoopOwner | None = None  # set by the target

    def process_lines(
        self,
        file_input: t.IO[str] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        owner = self.owner
        if owner is None:
            raise RuntimeError("the reader has no owner to run its loop")
        try:
            return self._loop(LineFeed(file_input or self.default_input), callbacks, owner)
        except BaseException as exc:
            final = owner.stopped_by(exc)
            if final is exc:
                raise
            raise final from None

    def _loop(
        self,
        feed: LineFeed,
        callbacks: dict[str, t.Callable[[dict], None]],
        owner: LoopOwner,
    ) -> t.Counter[str]:
        stats: Counter[str] = Counter()
        while not owner.stop_requested:
            due = owner.seconds_until_due()
            line = feed.next(IDLE_CHECK if due is None else min(due, IDLE_CHECK))
            if line is LineFeed.END:
                return stats
            if line is not LineFeed.QUIET:
                self.line_number += 1
                if line.strip():
                    stats[self._process(line, callbacks)] += 1
            owner.tick()  # cheap when nothing is due
        logger.info(
            "Termination signal: stopped reading input after line %d; finishing the import "
            "of what was read",
            self.line_number,
        )
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
        except (ZendeskError, TargetError):
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
