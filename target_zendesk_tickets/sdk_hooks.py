"""Every override of a private singer-sdk hook, in one place.

singer-sdk is pinned ``~=0.54.9``; each override below says why it exists and what it
relies on in that version's ``target_base.py`` / ``plugin_base.py``. The tests in
``tests/unit/target/test_sdk_hooks.py`` check those assumptions by their behaviour, so
an SDK upgrade that breaks one fails there first.

1. ``Target._process_state_message``. The SDK only remembers the latest STATE and writes
   it from ``drain_all`` (end of input, every 5 minutes while records arrive, signals)
   once the sinks are *drained* - not once the data is in Zendesk, where imports are
   asynchronous jobs. Here a STATE flushes every partial buffer into a batch
   (``drain_all``) and goes to the pipeline's state gate, which writes it when every
   batch before it has completed. Relies on: the hook's name and its argument (the
   message dict); ``drain_all`` writing a state only when ``_latest_state`` is set, which
   this override never does.
2. ``PluginBase._handle_termination``, installed for SIGTERM and SIGINT by
   ``PluginBase.__init__``. The SDK drains from inside the signal handler and exits 0
   without waiting for anything; 0.54.9 has no re-entrancy guard (meltano/sdk#3775), so
   a signal during a submission could start the same drain again. Here the handler only
   sets a flag that the reader's loop looks at between two messages; the normal
   end-of-input path then sends the partial buffers, waits for every job and writes the
   STATEs earned (exit 0). A second signal stops at once (exit 1).
3. ``Sink._remove_sdc_metadata_from_record``, called for every record when
   ``add_record_metadata`` is off. The SDK drops ``_sdc_deleted_at`` with the other
   metadata, and with it the tap's word that a ticket was deleted; here it is kept (the
   other ``_sdc_*`` fields go, as before). Relies on: the hook's name and that it edits
   the record in place before ``process_record``.
4. ``Sink._parse_timestamps_in_record``, called for every record after validation. The
   SDK turns every top-level ``date-time`` string into a ``datetime`` (for the target to
   turn back into a string). Here a time already written as Zendesk writes it
   (``2024-03-07T09:01:44Z``) passes through untouched; any other form (``+00:00``,
   fractions of a second, another offset) is still parsed by the SDK, with its
   ``datetime_error_treatment``, and written back in Zendesk's form. Relies on: the
   hook's name and arguments, and that it edits the record in place.
"""

from __future__ import annotations

import re
from types import FrameType
from typing import Any

from singer_sdk import BatchSink, Target
from singer_sdk.helpers._typing import get_datelike_property_type

from target_zendesk_tickets.errors import ForcedStopError
from target_zendesk_tickets.importing.convert import to_json_value

#: A time as Zendesk writes it: UTC, whole seconds, ``Z``.
ZENDESK_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
#: Record metadata the tap may send that means something to the target.
KEPT_METADATA = "_sdc_deleted_at"


class TargetHooks(Target):
    """The SDK's ``Target`` with the two private hooks above replaced."""

    terminating = False

    def state_received(self, state: dict) -> None:
        """A STATE from the tap, once every record before it is in a batch that was sent."""
        raise NotImplementedError

    def _process_state_message(self, message_dict: dict) -> None:
        self._assert_line_requires(message_dict, requires={"value"})
        self.drain_all()  # writes no state: _latest_state is never set
        self.state_received(message_dict["value"])

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        if self.terminating:
            raise ForcedStopError(
                f"Stopped by a second termination signal ({signum}) before the import jobs "
                "in flight finished. Every STATE written is safe to resume from"
            )
        self.terminating = True
        self.logger.info(
            "Received termination signal %d: sending what was read, waiting for the "
            "import jobs in flight, then writing their STATEs (a second signal stops at once)",
            signum,
        )


class SinkHooks(BatchSink):
    """The SDK's ``BatchSink`` with the two private hooks above (3, 4) replaced."""

    def _remove_sdc_metadata_from_record(self, record: dict) -> None:
        deleted_at = record.get(KEPT_METADATA)
        super()._remove_sdc_metadata_from_record(record)
        if deleted_at is not None:
            record[KEPT_METADATA] = deleted_at

    _datelike: tuple[int, frozenset[str]] = (0, frozenset())  # (id of the schema, keys)

    def _parse_timestamps_in_record(self, record: dict, schema: dict, treatment: Any) -> None:
        if self._datelike[0] != id(schema):
            properties = schema.get("properties") or {}
            keys = frozenset(k for k, p in properties.items() if get_datelike_property_type(p))
            self._datelike = (id(schema), keys)
        other = {
            key: record[key]
            for key in self._datelike[1]
            if isinstance(record.get(key), str) and not ZENDESK_TIME.fullmatch(record[key])
        }
        if not other:
            return  # the usual case: nothing to parse, nothing to write back
        super()._parse_timestamps_in_record(other, schema, treatment)
        for key, value in other.items():
            record[key] = to_json_value(value, key)  # a datetime back in Zendesk's form
