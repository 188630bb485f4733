"""When to ask Zendesk about the open import jobs, and how many jobs may be open.

Polling follows the jobs, not a constant. A job is first asked about when a job of this run
typically finishes (learned from the jobs before it; 0.1 s until one has finished), then
at growing intervals while it runs, never more than ``jobPollInterval`` apart. One
``show_many`` call asks about every open job at once, so jobs started together are
confirmed together. Only when the target waits for a free slot or for the end does the
next poll come as soon as a job is due; otherwise polls are at least half a
``jobPollInterval`` apart, so a steady import asks about jobs about once a second.

Slots: at most ``maxJobsInFlight`` of this run's jobs are queued or running (a share of
Zendesk's 30: an account found to have fewer slots gets the same share of its own, so the
default 10 of 30 is 1 of 4), and never more than the account has free. Zendesk allows 30
per account, shared with every other client, and reports what is left in
``zendesk-ratelimit-inflight-jobs`` on import answers, when it does; otherwise
:class:`JobSlots` learns it from ``TooManyJobs`` answers and finished jobs. When none is
left, the target starts no new job until one finished (a ``TooManyJobs`` answer is waited
out: see ``ImportPipeline.wait_for_slot``).
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Mapping

from zendesk_api.rate_limit import parse_rate_limit_headers

#: Zendesk's limit of queued or running jobs per account.
MAX_JOBS = 30
#: The first check of a job when no job of this run has finished yet.
FIRST_CHECK = 0.1
#: Never ask twice within this time, however many jobs are due.
MIN_GAP = 0.01
#: Job durations remembered for the typical one.
DURATIONS_KEPT = 16
INFLIGHT_BUCKET = "inflight-jobs"


class PollSchedule:
    def __init__(self, *, interval: float, clock: Callable[[], float]) -> None:
        self.interval = interval  # jobPollInterval: the longest wait between two checks
        self._clock = clock
        self._next: dict[str, float] = {}  # job id -> when to ask about it next
        self._gap: dict[str, float] = {}  # job id -> the wait after the next check
        self._queued: dict[str, float] = {}
        self._durations: deque[float] = deque(maxlen=DURATIONS_KEPT)
        self._last_poll = float("-inf")
        self.polls = 0

    def typical(self) -> float:
        """How long this run's jobs take, as far as it has seen; FIRST_CHECK before any."""
        return statistics.median(self._durations) if self._durations else FIRST_CHECK

    def queued(self, job_id: str) -> None:
        now = self._clock()
        typical = self.typical()
        first = min(self.interval, max(MIN_GAP, 0.9 * typical))
        self._queued[job_id] = now
        self._next[job_id] = now + first
        self._gap[job_id] = min(self.interval, max(MIN_GAP, 0.1 * typical))

    def polled(self, running: list[str], finished: list[str]) -> None:
        """After a poll: ``running`` jobs are asked about later, ``finished`` ones forgotten."""
        now = self._clock()
        self._last_poll = now
        self.polls += 1
        for job_id in running:
            gap = self._gap.get(job_id, self.interval)
            self._next[job_id] = now + gap
            self._gap[job_id] = min(self.interval, 2 * gap)
        for job_id in finished:
            self.forget(job_id, learn=True)

    def poll_failed(self, wait: float) -> None:
        """No answer about the jobs: ask again no sooner than ``wait`` from now."""
        self._last_poll = self._clock()
        later = self._last_poll + wait
        for job_id, when in self._next.items():
            self._next[job_id] = max(when, later)

    def forget(self, job_id: str, *, learn: bool = False) -> None:
        queued = self._queued.pop(job_id, None)
        self._next.pop(job_id, None)
        self._gap.pop(job_id, None)
        if learn and queued is not None:
            self._durations.append(self._clock() - queued)

    def due_at(self, *, urgent: bool) -> float | None:
        """When to poll next (None: no open job); ``urgent`` when the target waits on jobs."""
        if not self._next:
            return None
        due = min(self._next.values())
        # Waiting on jobs: ask when one is due, but not more often than a fifth of a job's
        # typical time (jobs that finish close together are confirmed by one call).
        typical = self.typical()
        if not urgent:
            least_gap = self.interval / 2
        elif typical < self.interval:
            least_gap = max(MIN_GAP, 0.2 * typical)
        else:  # jobs of seconds: about once a jobPollInterval is soon enough
            least_gap = min(0.5 * typical, self.interval)
        return max(due, self._last_poll + least_gap)


class JobSlots:
    """How many more import jobs may start: this run's share, and what the account has free.

    What the account has free is read from ``zendesk-ratelimit-inflight-jobs`` on import
    answers. Recorded answers often lack that header; then it is learned: a ``TooManyJobs``
    answer says the account is full (and, by its ``current_job_ids``, how many slots it
    has), each job this run starts takes one, and each job that finishes (this run's, or
    one of the jobs that held the slots) gives one back.
    """

    def __init__(self, limit: int) -> None:
        #: maxJobsInFlight: this run's share of Zendesk's 30 slots.
        self._configured = limit
        #: Free job slots of the account (None: not known yet).
        self.account_free: int | None = None
        self._account_total: int | None = None
        self._header_seen = False  # on the last import answer

    @property
    def limit(self) -> int:
        """This run's jobs in flight at most: maxJobsInFlight counts against Zendesk's 30
        slots, so an account found to have fewer gets the same share of its own (the
        default 10 of 30 is 1 of 4), at least one."""
        total = self._account_total
        if total is None or total >= MAX_JOBS:
            return self._configured
        return max(1, self._configured * total // MAX_JOBS)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read ``zendesk-ratelimit-inflight-jobs: total=30; remaining=29; resets=60``."""
        self._header_seen = False
        for bucket in parse_rate_limit_headers(headers):
            if bucket.name == INFLIGHT_BUCKET and bucket.remaining is not None:
                self.account_free = bucket.remaining
                self._account_total = bucket.total or self._account_total
                self._header_seen = True

    def job_started(self) -> None:
        """A job of this run was queued: without a header, it took one of the free slots."""
        if not self._header_seen and self.account_free is not None:
            self.account_free = max(0, self.account_free - 1)
        self._header_seen = False

    def account_full(self, jobs_in_flight: int) -> None:
        """``TooManyJobs``: no slot is free; the jobs it lists hold them all."""
        self.account_free = 0
        if jobs_in_flight > 0 and self._account_total is None:
            self._account_total = jobs_in_flight

    def job_finished(self) -> None:
        """A job that held a slot finished (this run's, or one that filled the account)."""
        if self.account_free is not None:
            total = self._account_total
            self.account_free = min(self.account_free + 1, total or self.account_free + 1)

    def can_start(self, open_jobs: int) -> bool:
        if open_jobs >= self.limit:
            return False
        # An account full of other clients' jobs: try anyway, and wait out TooManyJobs.
        return self.account_free is None or self.account_free > 0 or open_jobs == 0
