"""The import pipeline on one thread: slots, polls, STATE order, failures, winding down.

Time is a fake clock: sleeping advances it, and the fake Zendesk finishes jobs by it.
"""

import pytest

from target_zendesk_tickets.errors import ImportFailedError, StoppedByFailure, TargetError
from target_zendesk_tickets.importing.jobs import JobStatus
from target_zendesk_tickets.importing.pipeline import ImportPipeline
from target_zendesk_tickets.importing.schedule import JobSlots, PollSchedule
from tests.support.clock import FakeClock
from tests.unit.target.conftest import make_batch
from zendesk_api.errors import (
    ZendeskAuthError,
    ZendeskNotFoundError,
    ZendeskRateLimitError,
    ZendeskServerError,
    ZendeskSetupError,
)
from zendesk_api.retry import SETUP_TRIES, RetryPolicy

BAD_RESULT = [{"index": 0, "success": False, "error": "RecordInvalid"}]


class FakeImporter:
    def __init__(self):
        self.count = 0
        self.fail_with = None
        self.already_imported = False
        self.sizes = {}  # job id -> tickets in its batch
        self.during = None  # called with the batch at the start of submit

    def submit(self, batch):
        if self.during is not None:
            self.during(batch)
        if self.fail_with is not None:
            raise self.fail_with
        if self.already_imported:
            return None
        self.count += 1
        self.sizes[f"j{self.count}"] = batch.size
        return f"j{self.count}"


class FakeZendesk:
    """Job statuses the test sets, or that come due on the clock; each poll answers from them."""

    def __init__(self, importer, clock):
        self.importer = importer
        self.clock = clock
        self.statuses = {}
        self.done_at = {}  # job id -> when it completes by itself
        self.polls = []
        self.error = None
        self.forgotten = set()  # left out of the answers, as show_many does with unknown ids

    def finish(self, job_id, results=None, status="completed"):
        """``results`` None: every ticket of the job's batch was created."""
        if results is None:
            results = [{"index": i, "id": 500 + i} for i in range(self.importer.sizes[job_id])]
        self.statuses[job_id] = JobStatus(job_id, status, results)

    def finish_later(self, job_id, seconds, results=None):
        self.done_at[job_id] = (self.clock.now + seconds, results)

    def poll(self, ids):
        self.polls.append(list(ids))
        if self.error is not None:
            raise self.error
        for job_id, (when, results) in list(self.done_at.items()):
            if self.clock.now >= when:
                del self.done_at[job_id]
                self.finish(job_id, results)
        known = [i for i in ids if i not in self.forgotten]
        return {i: self.statuses.get(i, JobStatus(i, "working")) for i in known}


@pytest.fixture
def parts():
    clock = FakeClock()
    importer = FakeImporter()
    zendesk = FakeZendesk(importer, clock)
    written = []

    def build(max_in_flight=4, poll_interval=1.0, job_timeout=60.0):
        policy = RetryPolicy(
            backoff=1.0, default_retry_after=5.0, clock=clock, sleep=clock.sleep, rng=lambda: 0.0
        )
        return ImportPipeline(
            importer,
            zendesk.poll,
            written.append,
            slots=JobSlots(max_in_flight),
            schedule=PollSchedule(interval=poll_interval, clock=clock),
            policy=policy,
            job_timeout=job_timeout,
        )

    return build, importer, zendesk, written, clock


def failure_of(call):
    """The failure ``call`` stops at (a wait raises another batch's as StoppedByFailure)."""
    with pytest.raises(
        (ImportFailedError, ZendeskAuthError, ZendeskSetupError, StoppedByFailure)
    ) as caught:
        call()
    error = caught.value
    return error.failure if isinstance(error, StoppedByFailure) else error


def test_states_follow_input_order_while_jobs_finish_out_of_order(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    for number in (1, 2, 3, 4):
        pipeline.submit(make_batch(2, first_id=number * 10))
        pipeline.add_state({"after": number})
    assert written == []
    for job_id in ("j3", "j4", "j2"):
        zendesk.finish(job_id)
        pipeline.poll_once()
    assert written == []
    zendesk.finish("j1")
    pipeline.poll_once()
    assert written == [{"after": 1}, {"after": 2}, {"after": 3}, {"after": 4}]
    assert pipeline.progress.batches == 4 and pipeline.progress.tickets == 8


def test_one_call_asks_about_every_open_job(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    pipeline.poll_once()
    assert zendesk.polls == [["j1", "j2"]]


def test_a_batch_found_already_imported_completes_at_once(parts):
    build, importer, _, written, _ = parts
    importer.already_imported = True
    pipeline = build()
    pipeline.submit(make_batch(3))
    pipeline.add_state({"s": 1})
    assert written == [{"s": 1}]
    assert pipeline.progress.tickets == 3


def test_submit_waits_for_a_free_slot_asking_about_jobs_meanwhile(parts):
    build, _, zendesk, _, clock = parts
    pipeline = build(max_in_flight=2)
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    zendesk.finish_later("j1", 5.0)
    started = clock.now
    pipeline.submit(make_batch(1))  # returns once j1 was seen finished
    assert clock.now - started >= 5.0
    assert zendesk.polls and all(ids[:2] == ["j1", "j2"] for ids in zendesk.polls)
    assert sorted(pipeline.known_jobs()) == ["j1", "j2", "j3"]


def test_no_job_starts_while_the_account_has_no_free_slot(parts):
    build, _, zendesk, _, clock = parts
    pipeline = build(max_in_flight=10)
    pipeline.submit(make_batch(1))
    pipeline.slots.observe({"zendesk-ratelimit-inflight-jobs": "total=30; remaining=0; resets=3"})
    zendesk.finish_later("j1", 3.0)
    started = clock.now
    pipeline.submit(make_batch(1))
    assert clock.now - started >= 3.0  # waited for its own job to free a slot
    assert pipeline.known_jobs() == {"j1", "j2"}


def test_a_batch_is_never_submitted_twice(parts):
    build = parts[0]
    pipeline = build()
    batch = make_batch(1)
    pipeline.submit(batch)
    with pytest.raises(RuntimeError, match="submitted already"):
        pipeline.submit(batch)


def test_failing_tickets_stop_the_import_and_no_later_state_is_written(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    for number in (1, 2, 3):
        pipeline.submit(make_batch(2, first_id=number * 10))
        pipeline.add_state({"after": number})
    zendesk.finish("j1")
    bad = [
        {"index": 0, "id": 7},
        {
            "index": 1,
            "success": False,
            "error": "RecordInvalid",
            "details": "Status: x is not valid",
        },
    ]
    zendesk.finish("j2", bad)
    zendesk.finish("j3")
    error = failure_of(pipeline.poll_once)
    assert written == [{"after": 1}]
    assert pipeline.failure is error
    message = str(error)
    assert "Zendesk did not import 1 of the 2 tickets of batch 2" in message
    assert (
        "ticket 21, input line 11, position 2 of 2 in batch 2: RecordInvalid: Status: x is not valid"
        in message
    )
    assert "The other 1 ticket(s) of this batch were imported" in message
    assert pipeline.progress.after_failure == [
        "batch 3 (2 tickets of stream 'tickets', input lines 10-11)"
    ]
    assert failure_of(lambda: pipeline.submit(make_batch(1))) is error
    assert failure_of(pipeline.finish) is error


def test_a_failed_job_says_none_was_imported(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(2))
    zendesk.finish("j1", [*BAD_RESULT, {**BAD_RESULT[0], "index": 1}], status="failed")
    assert "None of this batch's tickets were imported" in str(failure_of(pipeline.poll_once))


def test_a_job_whose_results_do_not_cover_the_batch_fails_it_naming_the_positions(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(4, first_id=30))
    pipeline.add_state({"after": 1})
    results = [{"index": 0, "id": 1}, {"index": 1, "id": None}, {"index": 3, "error": "Oops"}]
    zendesk.finish("j1", results)
    message = str(failure_of(pipeline.poll_once))
    assert written == []
    assert message.splitlines() == [
        "Zendesk did not confirm the import of 3 of the 4 tickets of batch 1 (4 tickets of "
        "stream 'tickets', input lines 10-13) (job j1, 'completed'): 1 failed, 2 not accounted "
        "for by the job's results:",
        "  - ticket 31, input line 11, position 2 of 4 in batch 1: the job's result gives no "
        "ticket id",
        "  - ticket 32, input line 12, position 3 of 4 in batch 1: not in the job's results",
        "  - ticket 33, input line 13, position 4 of 4 in batch 1: Oops",
        "The other 1 ticket(s) of this batch were imported (a run from the last STATE finds "
        "them and does not copy them twice).",
        "Tickets the job does not account for may or may not be in Zendesk: check them (by "
        "external_id) before running again from the last STATE.",
    ]
    assert pipeline.progress.failed_batch == 1


def test_a_completed_job_without_results_fails_the_batch(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(2))
    pipeline.add_state({"after": 1})
    zendesk.finish("j1", [])
    message = str(failure_of(pipeline.poll_once))
    assert written == []
    assert "Zendesk's import job j1 for batch 1" in message
    assert "lists no results" in message


def test_an_unknown_job_status_is_waited_on_until_job_timeout(parts, caplog):
    build, _, zendesk, written, clock = parts
    pipeline = build(job_timeout=60.0)
    pipeline.submit(make_batch(2))
    pipeline.add_state({"after": 1})
    zendesk.finish("j1", status="paused")
    with caplog.at_level("WARNING"):
        pipeline.poll_once()
        pipeline.poll_once()
    assert pipeline.failure is None and written == []
    warnings = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert len(warnings) == 1 and "'paused'" in warnings[0]  # said once
    clock.now += 61
    message = str(failure_of(pipeline.poll_once))
    assert "did not finish within 1m (jobTimeout); it was last 'paused'" in message
    assert written == []


def test_after_a_failure_the_jobs_in_flight_are_waited_for(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.add_state({"after": 1})
    pipeline.submit(make_batch(1))
    zendesk.finish("j2", BAD_RESULT)
    failure_of(pipeline.poll_once)
    zendesk.finish_later("j1", 10.0)
    pipeline.drain_after_failure()  # returns once j1 is in
    assert written == [{"after": 1}]


def test_failures_found_while_winding_down_are_logged_not_raised(parts, caplog):
    build, _, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    zendesk.finish("j1", BAD_RESULT)
    first = failure_of(pipeline.poll_once)
    zendesk.finish_later("j2", 2.0, BAD_RESULT)
    with caplog.at_level("ERROR"):
        pipeline.drain_after_failure()
    assert pipeline.failure is first
    assert "batch 2" in caplog.text


def test_an_importer_failure_is_recorded_and_raised(parts):
    build, importer, _, _, _ = parts
    importer.fail_with = ZendeskAuthError(
        status=401, method="POST", path="/x", code=None, text="no"
    )
    pipeline = build()
    assert failure_of(lambda: pipeline.submit(make_batch(1))) is importer.fail_with
    assert pipeline.failure is importer.fail_with
    assert pipeline.progress.failed_batch == 1


def test_a_job_that_outlives_job_timeout_fails(parts):
    build, _, _, _, clock = parts
    pipeline = build(job_timeout=30)
    pipeline.submit(make_batch(1))
    pipeline.poll_once()
    assert pipeline.failure is None
    clock.now += 31
    message = str(failure_of(pipeline.poll_once))
    assert "did not finish within 30s (jobTimeout); it was last 'working'" in message
    assert pipeline.progress.abandoned


def test_poll_errors_are_asked_again_until_job_timeout(parts):
    build, _, zendesk, _, clock = parts
    pipeline = build(job_timeout=30)
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskServerError(
        status=502, method="GET", path="/api/v2/job_statuses/j1.json", code=None, text="Bad Gateway"
    )
    pipeline.poll_once()
    assert pipeline.failure is None
    clock.now += 31
    assert "The last poll failed: HTTP 502" in str(failure_of(pipeline.poll_once))


def test_a_rate_limited_poll_waits_as_told(parts):
    build, _, zendesk, _, clock = parts
    pipeline = build(poll_interval=1.0)
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskRateLimitError(
        status=429, method="GET", path="/x", code=None, text="slow", retry_after=20.0
    )
    pipeline.poll_once()
    assert pipeline.schedule.due_at(urgent=True) >= clock.now + 20.0


def test_polls_failing_on_tls_give_up_after_a_few_tries(parts):
    build, _, zendesk, _, clock = parts
    pipeline = build(job_timeout=100_000)
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskSetupError("TLS with https://acme.zendesk.com failed for GET ...")
    for _ in range(SETUP_TRIES - 1):
        pipeline.poll_once()
        clock.now += 3600  # the next poll is due
    assert pipeline.failure is None
    assert failure_of(pipeline.poll_once) is zendesk.error
    assert pipeline.progress.abandoned  # no waiting out jobTimeout


def test_poll_401_fails_at_once(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskAuthError(
        status=401, method="GET", path="/api/v2/job_statuses/j1.json", code=None, text="no"
    )
    assert failure_of(pipeline.poll_once) is zendesk.error


def test_a_job_zendesk_no_longer_knows_fails(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskNotFoundError(
        status=404, method="GET", path="/x", code="RecordNotFound", text="Not found"
    )
    assert "Zendesk does not know the import job(s) j1" in str(failure_of(pipeline.poll_once))


def test_a_job_missing_from_show_many_is_one_zendesk_no_longer_knows(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    for number in (1, 2):
        pipeline.submit(make_batch(2, first_id=number * 10))
        pipeline.add_state({"after": number})
    zendesk.forgotten.add("j2")
    error = failure_of(pipeline.poll_once)
    assert str(error).startswith(
        "Zendesk does not know the import job(s) j2 (batch 2 (2 tickets of stream 'tickets', "
        "input lines 10-11)) any more (show_many did not list them)."
    )
    assert pipeline.progress.abandoned == [
        "batch 2 (2 tickets of stream 'tickets', input lines 10-11)"
    ]
    zendesk.finish("j1")  # the other job is still followed to its end
    pipeline.drain_after_failure()
    assert written == [{"after": 1}]
    assert zendesk.polls[-1] == ["j1"]
    message = pipeline.final_message(error, unsent=0)
    assert "Outcome unknown (the target stopped following their jobs" in message


def test_states_come_out_while_the_input_is_quiet(parts):
    build, _, zendesk, written, clock = parts
    pipeline = build(poll_interval=1.0)
    pipeline.submit(make_batch(1))
    pipeline.add_state({"s": 1})
    zendesk.finish("j1")
    pipeline.tick()  # nothing due yet: no call
    assert zendesk.polls == [] and written == []
    clock.now += pipeline.seconds_until_due()
    pipeline.tick()
    assert written == [{"s": 1}]
    assert pipeline.seconds_until_due() is None  # no job open: nothing to wait for


def test_finish_waits_for_every_job(parts):
    build, _, zendesk, written, clock = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    pipeline.add_state({"s": 2})
    zendesk.finish_later("j2", 0.5)
    zendesk.finish_later("j1", 3.0)
    pipeline.finish()
    assert written == [{"s": 2}]
    assert clock.now >= 1003.0


def test_a_wait_keeps_asking_about_jobs_and_stops_at_a_failure(parts):
    build, _, zendesk, written, clock = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.add_state({"s": 1})
    zendesk.finish_later("j1", 2.0)
    pipeline.wait(5.0)  # as after a 429: the job finished meanwhile and its STATE is out
    assert written == [{"s": 1}]
    assert clock.now == pytest.approx(1005.0)
    pipeline.submit(make_batch(1))
    zendesk.finish_later("j2", 1.0, BAD_RESULT)
    started = clock.now
    failure_of(lambda: pipeline.wait(30.0))
    assert clock.now - started < 5.0  # cut short by the failure


def test_known_jobs_stay_bounded(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build(max_in_flight=1)
    for number in range(1, 301):
        pipeline.submit(make_batch(1))
        zendesk.finish(f"j{number}")
        pipeline.poll_once()
    known = pipeline.known_jobs()
    assert "j300" in known and "j1" not in known
    assert len(known) == 120


def test_a_bug_while_sending_is_an_internal_error_not_bad_input(parts):
    build, importer, _, _, _ = parts
    importer.fail_with = ValueError("boom")
    pipeline = build()
    with pytest.raises(
        TargetError, match=r"Internal error while sending batch 1 .*ValueError\('boom'\)"
    ):
        pipeline.submit(make_batch(1))
    assert pipeline.failure is not None


def test_a_batch_stopped_before_it_was_sent_is_in_the_final_message(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build(max_in_flight=1)
    pipeline.submit(make_batch(1))
    zendesk.finish_later("j1", 1.0, BAD_RESULT)  # found while the next batch waits for a slot
    error = failure_of(lambda: pipeline.submit(make_batch(4, first_id=20)))
    assert pipeline.progress.not_sent == ["4 tickets of stream 'tickets', input lines 10-13"]
    message = pipeline.final_message(error, unsent=2)
    assert (
        "Not imported (stopped before sending): 4 tickets of stream 'tickets', input lines 10-13."
        in message
    )
    assert "Not imported: 2 ticket(s) read but not yet sent." in message


def test_a_batch_stopped_while_its_lost_call_was_checked_is_outcome_unknown(parts):
    build, importer, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    zendesk.finish("j1", BAD_RESULT)

    def lost_answer_then_another_failure(batch):
        if batch.number == 2:
            batch.in_doubt = True  # an unclear answer; recovery is checking it and waits,
            pipeline.wait(1.0)  # and the wait finds batch 1 failed

    importer.during = lost_answer_then_another_failure
    error = failure_of(lambda: pipeline.submit(make_batch(3, first_id=30)))
    assert pipeline.progress.in_doubt == [
        "batch 2 (3 tickets of stream 'tickets', input lines 10-12)"
    ]
    message = pipeline.final_message(error, unsent=0)
    assert "Outcome unknown (an import call got no clear answer" in message
    assert "batch 2 (3 tickets of stream 'tickets', input lines 10-12)" in message


def test_a_batch_stopped_between_refused_calls_was_not_sent(parts):
    build, importer, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    zendesk.finish("j1", BAD_RESULT)

    def rate_limited_then_another_failure(batch):
        if batch.number == 2:
            pipeline.wait(1.0)  # the wait after a 429 finds batch 1 failed

    importer.during = rate_limited_then_another_failure
    error = failure_of(lambda: pipeline.submit(make_batch(2, first_id=30)))
    assert pipeline.progress.not_sent == [
        "batch 2 (2 tickets of stream 'tickets', input lines 10-11)"
    ]
    assert pipeline.progress.in_doubt == []
    assert "Not imported (stopped before sending): batch 2" in pipeline.final_message(
        error, unsent=0
    )


def test_a_404_while_winding_down_ends_the_wait_without_a_crash(parts):
    build, _, zendesk, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    zendesk.finish("j1", BAD_RESULT)
    first = failure_of(pipeline.poll_once)
    zendesk.error = ZendeskNotFoundError(
        status=404, method="GET", path="/x", code="RecordNotFound", text="Not found"
    )
    pipeline.drain_after_failure()
    assert pipeline.failure is first
    assert any("batch 2" in entry for entry in pipeline.progress.abandoned)


def test_only_setup_failures_in_a_row_count_towards_giving_up(parts):
    build, _, zendesk, _, clock = parts
    pipeline = build(job_timeout=100_000)
    pipeline.submit(make_batch(1))
    server = ZendeskServerError(status=500, method="GET", path="/x", code=None, text="oops")
    for error in [
        server,
        server,
        ZendeskSetupError("TLS failed"),
        server,
        ZendeskSetupError("TLS"),
    ]:
        zendesk.error = error
        pipeline.poll_once()
        clock.now += 3600
    assert pipeline.failure is None  # never three TLS failures in a row
    zendesk.error = None
    zendesk.finish("j1")
    pipeline.poll_once()
    assert pipeline.progress.batches == 1


def test_the_earliest_batch_s_failure_is_the_run_s(parts):
    build, _, zendesk, written, _ = parts
    pipeline = build()
    for number in (1, 2, 3):
        pipeline.submit(make_batch(1, first_id=number))
        pipeline.add_state({"after": number})
    zendesk.finish("j1", BAD_RESULT)
    zendesk.forgotten.add("j3")  # gone, in the same poll
    zendesk.finish("j2")
    error = failure_of(pipeline.poll_once)
    assert pipeline.progress.failed_batch == 1
    assert "batch 1" in str(error)
    assert pipeline.progress.after_failure == [
        "batch 2 (1 tickets of stream 'tickets', input line 10)"
    ]
    assert written == []


# -- a TooManyJobs without Retry-After: waited out until a slot is likely free ------------


def too_many_jobs(*holders):
    return ZendeskRateLimitError(
        status=429,
        method="POST",
        path="/api/v2/imports/tickets/create_many.json",
        code="TooManyJobs",
        text="Too many jobs are currently queued or running. Try again later.",
        current_job_ids=list(holders),
    )


def test_a_bare_too_many_jobs_ends_when_another_client_s_job_finishes(parts, caplog):
    build, _, zendesk, _, _ = parts
    pipeline = build(poll_interval=1.0)
    zendesk.finish_later("theirs-1", 3.0, results=[])
    with caplog.at_level("INFO"):
        waited = pipeline.wait_for_slot(too_many_jobs("theirs-1", "theirs-2"), 60.0)
    assert 3.0 <= waited <= 4.0  # on the fake clock: asked again soon after it finished
    assert "Job theirs-1 of another client finished" in caplog.text
    assert pipeline.slots.account_free == 1 and pipeline.slots.limit == 1  # 2 slots: 1 ours


def test_a_bare_too_many_jobs_ends_when_one_of_this_run_s_jobs_finishes(parts, caplog):
    build, _, zendesk, _, _ = parts
    pipeline = build(poll_interval=1.0)
    pipeline.submit(make_batch(2))
    zendesk.finish_later("j1", 2.0)
    with caplog.at_level("INFO"):
        waited = pipeline.wait_for_slot(too_many_jobs("j1", "theirs"), 60.0)
    assert waited < 3.0
    assert pipeline.progress.batches == 1  # its job was confirmed meanwhile
    assert "One of this run's jobs finished: a job slot is free" in caplog.text


def test_a_too_many_jobs_naming_no_job_asks_the_job_list(parts):
    _, importer, zendesk, written, clock = parts
    pipeline = ImportPipeline(
        importer,
        zendesk.poll,
        written.append,
        slots=JobSlots(4),
        schedule=PollSchedule(interval=1.0, clock=clock),
        policy=RetryPolicy(backoff=1.0, default_retry_after=60.0, clock=clock, sleep=clock.sleep),
        job_timeout=60.0,
        busy_jobs=lambda: ["theirs"],
    )
    zendesk.finish_later("theirs", 1.5, results=[])
    assert pipeline.wait_for_slot(too_many_jobs(), 60.0) < 3.0


def test_any_other_429_without_retry_after_waits_default_retry_after(parts):
    build, _, _, _, _ = parts
    pipeline = build()
    limited = ZendeskRateLimitError(
        status=429, method="POST", path="/x", code=None, text="Number of allowed ..."
    )
    assert pipeline.wait_for_slot(limited, 60.0) == 60.0
    assert pipeline.slots.account_free is None  # says nothing about job slots
