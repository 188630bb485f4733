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
"""

from __future__ import annotations

from types import FrameType

from singer_sdk import Target

from target_zendesk_tickets.errors import ForcedStopError


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
