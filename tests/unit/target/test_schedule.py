"""When the target asks about jobs, and how many it may have open."""

import pytest

from target_zendesk_tickets.importing.schedule import FIRST_CHECK, MIN_GAP, JobSlots, PollSchedule
from tests.support.clock import FakeClock


@pytest.fixture
def clock():
    return FakeClock(start=0.0)


def test_a_job_is_first_asked_about_soon_after_it_is_queued(clock):
    schedule = PollSchedule(interval=1.0, clock=clock)
    schedule.queued("j1")
    assert schedule.due_at(urgent=True) == pytest.approx(0.9 * FIRST_CHECK)


def test_then_less_and_less_often_but_never_past_the_interval(clock):
    schedule = PollSchedule(interval=1.0, clock=clock)
    schedule.queued("j1")
    gaps = []
    for _ in range(8):
        clock.now = schedule.due_at(urgent=True)
        before = clock.now
        schedule.polled(["j1"], [])
        gaps.append(round(schedule.due_at(urgent=True) - before, 6))
    assert gaps == sorted(gaps)  # growing
    assert gaps[0] == pytest.approx(0.2 * FIRST_CHECK)  # a fifth of a typical job at least
    assert max(gaps) == 1.0  # jobPollInterval


def test_jobs_are_first_asked_about_when_this_runs_jobs_typically_finish(clock):
    schedule = PollSchedule(interval=5.0, clock=clock)
    for number in range(3):
        schedule.queued(f"j{number}")
        clock.now += 2.0
        schedule.polled([], [f"j{number}"])
    assert schedule.typical() == pytest.approx(2.0)
    schedule.queued("next")
    assert schedule.due_at(urgent=True) == pytest.approx(clock.now + 1.8)


def test_unhurried_polls_are_half_an_interval_apart(clock):
    schedule = PollSchedule(interval=1.0, clock=clock)
    schedule.queued("j1")
    schedule.queued("j2")
    clock.now = 0.09
    schedule.polled(["j1", "j2"], [])
    assert schedule.due_at(urgent=True) == pytest.approx(0.09 + 0.2 * FIRST_CHECK)
    assert schedule.due_at(urgent=False) == pytest.approx(0.59)  # a steady import: ~2 polls/s
    schedule.forget("j1")
    schedule.forget("j2")
    assert schedule.due_at(urgent=True) is None


def test_a_failed_poll_puts_every_check_off(clock):
    schedule = PollSchedule(interval=1.0, clock=clock)
    schedule.queued("j1")
    schedule.poll_failed(30.0)
    assert schedule.due_at(urgent=True) == pytest.approx(30.0)


def test_polls_are_counted_and_never_closer_than_the_least_gap(clock):
    schedule = PollSchedule(interval=1.0, clock=clock)
    schedule.queued("j1")
    clock.now = 5.0
    schedule.polled(["j1"], [])
    assert schedule.polls == 1
    assert schedule.due_at(urgent=True) >= 5.0 + MIN_GAP


def test_slots_are_this_runs_share():
    slots = JobSlots(2)
    assert slots.can_start(0) and slots.can_start(1)
    assert not slots.can_start(2)


def test_slots_stay_within_what_the_account_has_free():
    slots = JobSlots(10)
    slots.observe({"zendesk-ratelimit-inflight-jobs": "total=30; remaining=1; resets=4"})
    assert slots.can_start(3)
    slots.observe({"Zendesk-RateLimit-Inflight-Jobs": "total=30; remaining=0; resets=4"})
    assert not slots.can_start(3)  # wait for one of ours
    assert slots.can_start(0)  # none of ours to wait for: try, and wait out TooManyJobs
    slots.job_finished()
    assert slots.can_start(3)


def test_answers_without_the_header_change_nothing():
    slots = JobSlots(10)
    slots.observe({"x-rate-limit": "700", "x-rate-limit-remaining": "0"})
    assert slots.account_free is None
    assert slots.can_start(9)


def test_without_the_header_slots_are_learned_from_too_many_jobs_and_finished_jobs():
    slots = JobSlots(10)
    for _ in range(3):
        slots.observe({})
        slots.job_started()
    assert slots.account_free is None and slots.can_start(3)  # nothing known: try
    slots.account_full(4)  # TooManyJobs listing 4 jobs: the account has 4 slots, all taken
    assert slots.account_free == 0 and not slots.can_start(3)
    slots.job_finished()  # one of the jobs holding a slot finished
    assert slots.can_start(3) is False  # 10 of 30 is 1 of 4: our share is full
    assert slots.limit == 1
    assert slots.can_start(0)
    slots.observe({})
    slots.job_started()  # no header on the answer: it took the free slot
    assert slots.account_free == 0


def test_the_share_of_an_account_with_fewer_slots_is_the_same():
    assert JobSlots(10).limit == 10
    for configured, total, share in [(10, 4, 1), (30, 4, 4), (15, 10, 5), (1, 2, 1), (10, 60, 10)]:
        slots = JobSlots(configured)
        slots.observe({"zendesk-ratelimit-inflight-jobs": f"total={total}; remaining=1"})
        assert slots.limit == share, (configured, total)


def test_a_header_on_the_answer_says_what_is_free_after_the_job():
    slots = JobSlots(10)
    slots.observe({"zendesk-ratelimit-inflight-jobs": "total=30; remaining=5; resets=4"})
    slots.job_started()  # the header counted the job already
    assert slots.account_free == 5
