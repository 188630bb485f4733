"""The one retry policy of both plugins: how long to wait after a failed request, and when
to stop asking.

Each error class says how it can be recovered from (:class:`~zendesk_api.errors.Recovery`):

* ``WAIT``: a 429 (also ``TooManyJobs``), or a 503 with ``Retry-After``. Wait as Zendesk
  said (``defaultRetryAfter`` when it did not), never less than a second, so that
  ``Retry-After: 0`` cannot become a tight loop.
* ``BACKOFF``: the request did not get through (refused connection, TLS, proxy, 409).
  Wait ``retryBackoff``, doubling each time, with up to 50 % random jitter so that
  clients that failed together do not come back together, capped at :data:`MAX_BACKOFF`.
* ``MAYBE_SENT``: a timeout, a broken connection, a 5xx, an unreadable 2xx. An idempotent
  request (a GET) is simply asked again after a backoff. Any other is first looked up by
  the caller's ``look_before_resending``, which either proves it was done (its result is
  returned) or proves it was not (it is sent again at once).
* ``FATAL``: 401, 403, 404 and other 4xx: raised at once.

:meth:`RetryPolicy.call` runs a request to its end; :meth:`RetryPolicy.retrying` hands the
same decisions to a caller that spreads the tries over time itself (the target's job
polls, between two input lines).

What a call may spend is its :class:`RetryBudget`: retries after backoff errors, the time
spent waiting as told, retries of any kind, or a deadline; each names the setting that
governs it, for the message that ends the call. Clock, sleep and randomness are
injectable, so tests never wait for real.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from zendesk_api.durations import format_duration
from zendesk_api.errors import Recovery, ZendeskError, ZendeskHTTPError, ZendeskSetupError

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: The longest backoff between two tries, whatever the attempt number.
MAX_BACKOFF = 120.0
#: Up to this share of a backoff is added at random.
JITTER = 0.5
#: The shortest wait after a ``WAIT`` error (unless defaultRetryAfter is shorter).
MIN_TOLD_WAIT = 1.0
#: Tries in a row of a request that fails to set up a connection (TLS, proxy): it rarely
#: passes by itself, so the budget's other limits do not apply.
SETUP_TRIES = 3


class RetriesExhaustedError(ZendeskError):
    """A request was given up on; ``str()`` says why and which setting governs it."""

    def __init__(self, message: str, *, error: ZendeskError, retries: int, limit: str) -> None:
        super().__init__(message)
        #: The last failure, and how many retries came before it.
        self.error = error
        self.retries = retries
        #: Which limit ran out: ``retries``, ``error_retries``, ``wait``, ``deadline`` or
        #: ``setup``.
        self.limit = limit


@dataclass(frozen=True)
class RetryBudget:
    """What one call may spend on retries; ``None`` is no limit of that kind."""

    #: Retries after ``BACKOFF`` (and, for idempotent calls, ``MAYBE_SENT``) errors.
    error_retries: int | None = None
    error_setting: str = "maxErrorRetries"
    #: Seconds spent waiting as told (``WAIT``), in total.
    wait_limit: float | None = None
    wait_setting: str = "maxRateLimitWait"
    #: Retries of any kind.
    retries: int | None = None
    retries_setting: str = "maxRetries"
    #: What to do once the call is given up on; ends the message.
    advice: str = "check https://status.zendesk.com and run again"


@dataclass(frozen=True)
class Looked(Generic[T]):
    """What ``look_before_resending`` found: ``done`` with its result, or not done."""

    done: bool
    result: T | None = None


class RetryPolicy:
    """Retries one call at a time; holds the settings' waits and the injectable clock."""

    def __init__(
        self,
        *,
        backoff: float,
        default_retry_after: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.backoff = backoff
        self.default_retry_after = default_retry_after
        self.clock = clock
        self.sleep = sleep
        self._rng = rng

    def backoff_wait(self, attempt: int) -> float:
        """The wait before retry ``attempt`` (1, 2, ...) after a backoff error."""
        base = self.backoff * 2 ** min(attempt - 1, 30)  # bounded: no float overflow
        return min(base * (1 + JITTER * self._rng()), MAX_BACKOFF)

    def told_wait(self, error: ZendeskError) -> float:
        """The wait Zendesk asked for, else ``defaultRetryAfter``; at least a second."""
        told = error.retry_after if isinstance(error, ZendeskHTTPError) else None
        wait = told if told is not None else self.default_retry_after
        return max(wait, min(MIN_TOLD_WAIT, self.default_retry_after))

    def retrying(
        self,
        *,
        what: str,
        budget: RetryBudget,
        deadline: float | None = None,
        deadline_setting: str = "jobTimeout",
    ) -> Retrying:
        """The retries of one request whose tries the caller spreads over time itself.

        Each failure goes to :meth:`Retrying.next_wait`, which decides as :meth:`call`
        does (wait, back off, give up) and returns the wait; the caller waits it its own
        way (the target keeps reading its input meanwhile).
        """
        return Retrying(
            self, what=what, budget=budget, deadline=deadline, deadline_setting=deadline_setting
        )

    def call(
        self,
        attempt: Callable[[], T],
        *,
        what: str,
        budget: RetryBudget,
        idempotent: bool = True,
        deadline: float | None = None,
        deadline_setting: str = "jobTimeout",
        on_retry: Callable[[ZendeskError], None] | None = None,
        look_before_resending: Callable[[ZendeskError], Looked[T]] | None = None,
        wait_untold: Callable[[ZendeskError, float], float] | None = None,
    ) -> T:
        """Run ``attempt`` until it returns, retrying as the error classes and budget allow.

        ``what`` names the request in messages (``GET /api/v2/...``). ``on_retry`` sees each
        error that is retried, before the wait. ``deadline`` is on this policy's clock.
        ``wait_untold`` waits instead of a plain sleep after a 429 without ``Retry-After``:
        it is given the error and the longest wait (``defaultRetryAfter``), may return
        earlier when it sees a reason to ask again (a job slot came free), and returns the
        seconds it waited.
        """
        retrying = self.retrying(
            what=what, budget=budget, deadline=deadline, deadline_setting=deadline_setting
        )
        while True:
            try:
                return attempt()
            except ZendeskError as exc:
                error = exc
            kind = error.recovery
            if kind is Recovery.FATAL or isinstance(error, RetriesExhaustedError):
                raise error
            if kind is Recovery.MAYBE_SENT and not idempotent:
                if look_before_resending is None:
                    raise error
                looked = look_before_resending(error)
                if looked.done:
                    return looked.result  # type: ignore[return-value]  # set when done
                step = _Step(0.0, "it was not done, so it is sent again now", counted=False)
            else:
                step = retrying.plan(error, early_wake=wait_untold is not None)
            retrying.take(error, step)
            if on_retry is not None:
                on_retry(error)
            retrying.log(error, step)
            if step.wait <= 0:
                continue
            if wait_untold is not None and step.untold:
                retrying.waited(step, wait_untold(error, step.wait))
            else:
                self.sleep(step.wait)

    @staticmethod
    def _exhausted(
        error: ZendeskError,
        kind: Recovery,
        step: _Step,
        spent: _Spent,
        *,
        what: str,
        budget: RetryBudget,
    ) -> RetriesExhaustedError | None:
        """The error that ends the call, if taking ``step`` would pass a limit of ``budget``."""
        if isinstance(error, ZendeskSetupError) and spent.setup_tries + 1 >= SETUP_TRIES:
            return RetriesExhaustedError(
                f"{error}. Gave up on {what} after {spent.setup_tries + 1} tries",
                error=error,
                retries=spent.retries,
                limit="setup",
            )
        if budget.retries is not None and spent.retries >= budget.retries:
            return RetriesExhaustedError(
                f"{error}. Gave up on {what} after {spent.retries} retries "
                f"({budget.retries_setting}); {budget.advice}",
                error=error,
                retries=spent.retries,
                limit="retries",
            )
        waited = spent.waited_as_told
        if (
            kind is Recovery.WAIT
            and budget.wait_limit is not None
            and waited + step.wait > budget.wait_limit
        ):
            return RetriesExhaustedError(
                f"{error}. Still told to wait after waiting {format_duration(waited)} in total "
                f"for {what}; giving up ({budget.wait_setting} is "
                f"{format_duration(budget.wait_limit)}); {budget.advice}",
                error=error,
                retries=spent.retries,
                limit="wait",
            )
        if (
            step.counted
            and budget.error_retries is not None
            and spent.error_retries >= budget.error_retries
        ):
            return RetriesExhaustedError(
                f"{error}. Gave up on {what} after {spent.error_retries} retries "
                f"({budget.error_setting}); {budget.advice}",
                error=error,
                retries=spent.retries,
                limit="error_retries",
            )
        return None


class Retrying:
    """One request's retries: the policy's decisions, remembered from try to try."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        what: str,
        budget: RetryBudget,
        deadline: float | None,
        deadline_setting: str,
    ) -> None:
        self._policy = policy
        self.what = what
        self.budget = budget
        self.deadline = deadline
        self.deadline_setting = deadline_setting
        self._spent = _Spent(started=policy.clock())

    def next_wait(self, error: ZendeskError) -> float:
        """The wait before asking again after ``error`` (an idempotent request), logged;
        raises ``error`` when it is fatal, RetriesExhaustedError when the budget is spent."""
        if error.recovery is Recovery.FATAL or isinstance(error, RetriesExhaustedError):
            raise error
        step = self.plan(error)
        self.take(error, step)
        self.log(error, step)
        return step.wait

    def succeeded(self) -> None:
        """The request went through: the next failure starts a fresh count."""
        self._spent = _Spent(started=self._policy.clock())

    def plan(self, error: ZendeskError, *, early_wake: bool = False) -> _Step:
        """The wait a retryable ``error`` asks for."""
        policy = self._policy
        if error.recovery is Recovery.WAIT:
            told = isinstance(error, ZendeskHTTPError) and error.retry_after is not None
            if told:
                return _Step(policy.told_wait(error), "Retry-After", counted=False)
            if early_wake:
                source = "no Retry-After header: defaultRetryAfter, or less if a slot frees"
            else:
                source = "no Retry-After header; defaultRetryAfter"
            return _Step(
                policy.told_wait(error), source, counted=False, untold=True, early=early_wake
            )
        return _Step(policy.backoff_wait(self._spent.error_retries + 1), "", counted=True)

    def take(self, error: ZendeskError, step: _Step) -> None:
        """Spend ``step`` of the budget, or raise RetriesExhaustedError past a limit."""
        policy, spent = self._policy, self._spent
        exhausted = RetryPolicy._exhausted(
            error, error.recovery, step, spent, what=self.what, budget=self.budget
        )
        deadline = self.deadline
        if exhausted is None and deadline is not None and policy.clock() + step.wait > deadline:
            exhausted = RetriesExhaustedError(
                f"{error}. Gave up on {self.what} after {spent.retries + 1} tries in "
                f"{format_duration(policy.clock() - spent.started)} ({self.deadline_setting}); "
                f"{self.budget.advice}",
                error=error,
                retries=spent.retries,
                limit="deadline",
            )
        if exhausted is not None:
            raise exhausted from None
        spent.add(error.recovery, step, setup=isinstance(error, ZendeskSetupError))

    def log(self, error: ZendeskError, step: _Step) -> None:
        _log_retry(error, error.recovery, step, self._spent, what=self.what, budget=self.budget)

    def waited(self, step: _Step, seconds: float) -> None:
        """A wait ended early: only what was waited counts as waited."""
        self._spent.waited_as_told -= max(0.0, step.wait - seconds)


@dataclass(frozen=True)
class _Step:
    """The next retry: how long to wait first, why, and whether it is a backoff retry."""

    wait: float
    source: str
    counted: bool
    #: A 429 without Retry-After: the wait is ours (defaultRetryAfter), not Zendesk's.
    untold: bool = False
    #: The caller may end the wait early (``wait_untold``).
    early: bool = False


@dataclass
class _Spent:
    """What one call has spent on retries so far."""

    started: float
    retries: int = 0
    error_retries: int = 0
    setup_tries: int = 0
    waited_as_told: float = 0.0

    def add(self, kind: Recovery, step: _Step, *, setup: bool) -> None:
        self.retries += 1
        # TLS and proxy failures count in a row: one that got through in between shows
        # the connection can be set up.
        self.setup_tries = self.setup_tries + 1 if setup else 0
        if kind is Recovery.WAIT:
            self.waited_as_told += step.wait
        if step.counted:
            self.error_retries += 1


def _log_retry(
    error: ZendeskError,
    kind: Recovery,
    step: _Step,
    spent: _Spent,
    *,
    what: str,
    budget: RetryBudget,
) -> None:
    limit = budget.retries if budget.retries is not None else None
    if kind is Recovery.WAIT:
        logger.info(
            "%s on %s: waiting %s%s (%s), then asking again (retry %d%s)",
            describe_wait(error),
            what,
            "up to " if step.early else "",
            format_duration(step.wait),
            step.source,
            spent.retries,
            _of(limit),
        )
    elif not step.counted:
        logger.warning(
            "%s; %s: %s (retry %d%s)", error, what, step.source, spent.retries, _of(limit)
        )
    else:
        if limit is None:
            limit = budget.error_retries
        logger.warning(
            "%s; retrying %s in %s (retry %d%s)",
            error,
            what,
            format_duration(step.wait),
            spent.retries if budget.retries is not None else spent.error_retries,
            _of(limit),
        )


def _of(limit: int | None) -> str:
    return f" of {limit}" if limit is not None else ""


def describe_wait(error: ZendeskError) -> str:
    """Why Zendesk asked for a wait, for log lines: rate limit, job slots, maintenance."""
    if isinstance(error, ZendeskHTTPError):
        if error.code == "TooManyJobs":
            return (
                "Zendesk has too many jobs queued or running on this account "
                "(TooManyJobs, HTTP 429)"
            )
        if error.status == 503:
            return "Zendesk is unavailable (HTTP 503)"
    return "Rate limited by Zendesk (HTTP 429)"
