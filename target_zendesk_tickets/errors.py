"""The target's own failures. ``str()`` of each is the whole user-facing message.

Failures talking to Zendesk stay :class:`zendesk_api.errors.ZendeskError`; these are the
ones about the input and about the import as a whole.
"""

from __future__ import annotations


class TargetError(Exception):
    """Any failure that ends the run with a clear message and a non-zero exit."""


class BadRecordError(TargetError):
    """A RECORD that does not yield a ticket; the reader adds the line number."""


class BadInputError(TargetError):
    """Input that is not a Singer message stream the target can use, at a known line."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(
            f"Bad input at line {line}: {problem}. Nothing from this line on was imported; "
            "fix the tap or the input file and run again from the last STATE"
        )


class ImportFailedError(TargetError):
    """Zendesk did not import a batch (or part of it); the import stops."""


class ForcedStopError(TargetError):
    """A second termination signal: stop now, without waiting for the jobs in flight."""


class StoppedByFailure(BaseException):
    """A failure of another batch, found while a call waited, stops that call.

    A BaseException, so that no handler of the waiting call (its retries, its look-ups,
    the advice they add) takes it for one of its own errors; the pipeline unwraps it.
    """

    def __init__(self, failure: BaseException) -> None:
        super().__init__(str(failure))
        self.failure = failure
