import threading
import time

import pytest

from target_zendesk_tickets.errors import ImportFailedError, TargetError
from target_zendesk_tickets.jobs import JobStatus
from target_zendesk_tickets.pipeline import ImportPipeline
from target_zendesk_tickets.reads import SETUP_TRIES
from target_zendesk_tickets.report import final_message
from tests.unit.target.conftest import Clock, make_batch
from zendesk_api.errors import ZendeskAuthError, ZendeskNotFoundError, ZendeskServerError
from zendesk_api.http import ZendeskSetupError


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
    """Job statuses the test sets; each poll answers from them."""

    def __init__(self, importer):
        self.importer = importer
        self.statuses = {}
        self.polls = []
        self.error = None
        self.forgotten = set()  # left out of the answers, as show_many does with unknown ids

    def finish(self, job_id, results=None, status="completed"):
        """``results`` None: every ticket of the job's batch was created."""
        if results is None:
            results = [{"index": i, "id": 500 + i} for i in range(self.importer.sizes[job_id])]
        self.statuses[job_id] = JobStatus(job_id, status, results)

    def poll(self, ids):
        self.polls.append(list(ids))
        if self.error is not None:
            raise self.error
        known = [i for i in ids if i not in self.forgotten]
        return {i: self.statuses.get(i, JobStatus(i, "working")) for i in known}


def _eventually(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture
def parts():
    importer, written, failures, clock = FakeImporter(), [], [], Clock()
    zendesk = FakeZendesk(importer)
    pipelines = []

    def build(max_in_flight=4, poll_interval=3600.0, job_timeout=60.0, wake=lambda: None):
        pipeline = ImportPipeline(
            importer,
            zendesk.poll,
            written.append,
            max_in_flight=max_in_flight,
            poll_interval=poll_interval,
            job_timeout=job_timeout,
            on_failure=failures.append,
            wake=wake,
            clock=clock,
        )
        pipelines.append(pipeline)
        return pipeline

    yield build, importer, zendesk, written, failures, clock
    for pipeline in pipelines:
        pipeline.close()


def test_states_follow_input_order_while_jobs_finish_out_of_order(parts):
    build, _, zendesk, written, _, _ = parts
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


def test_show_many_asks_about_every_open_job(parts):
    build, _, zendesk, _, _, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    pipeline.poll_once()
    assert zendesk.polls == [["j1", "j2"]]


def test_a_batch_found_already_imported_completes_at_once(parts):
    build, importer, _, written, _, _ = parts
    importer.already_imported = True
    pipeline = build()
    pipeline.submit(make_batch(3))
    pipeline.add_state({"s": 1})
    assert written == [{"s": 1}]
    assert pipeline.progress.tickets == 3


def test_submit_waits_while_max_jobs_are_in_flight(parts):
    build, _, zendesk, _, _, _ = parts
    pipeline = build(max_in_flight=2)
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    third = threading.Thread(target=pipeline.submit, args=(make_batch(1),))
    third.start()
    third.join(0.2)
    assert third.is_alive()  # blocked: two jobs open
    zendesk.finish("j1")
    pipeline.poll_once()
    third.join(5)
    assert not third.is_alive()
    assert sorted(pipeline.known_jobs()) == ["j1", "j2", "j3"]


def test_a_batch_is_never_submitted_twice(parts):
    build = parts[0]
    pipeline = build()
    batch = make_batch(1)
    pipeline.submit(batch)
    with pytest.raises(RuntimeError, match="submitted already"):
        pipeline.submit(batch)


def test_failing_tickets_stop_the_import_and_no_later_state_is_written(parts):
    build, _, zendesk, written, failures, _ = parts
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
    pipeline.poll_once()
    assert written == [{"after": 1}]
    assert len(failures) == 1
    message = str(failures[0])
    assert "Zendesk did not import 1 of the 2 tickets of batch 2" in message
    assert (
        "ticket 21, input line 11, position 2 of 2 in batch 2: RecordInvalid: Status: x is not valid"
        in message
    )
    assert "The other 1 ticket(s) of this batch were imported" in message
    assert pipeline.progress.after_failure == [
        "batch 3 (2 tickets of stream 'tickets', input lines 10-11)"
    ]
    with pytest.raises(ImportFailedError):
        pipeline.submit(make_batch(1))
    with pytest.raises(ImportFailedError):
        pipeline.finish()


def test_a_failed_job_says_none_was_imported(parts):
    build, _, zendesk, _, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(2))
    zendesk.finish(
        "j1",
        [{"index": i, "success": False, "error": "RecordInvalid"} for i in range(2)],
        status="failed",
    )
    pipeline.poll_once()
    assert "None of this batch's tickets were imported" in str(failures[0])


def test_a_job_whose_results_do_not_cover_the_batch_fails_it_naming_the_positions(parts):
    build, _, zendesk, written, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(4, first_id=30))
    pipeline.add_state({"after": 1})
    results = [{"index": 0, "id": 1}, {"index": 1, "id": None}, {"index": 3, "error": "Oops"}]
    zendesk.finish("j1", results)
    pipeline.poll_once()
    assert written == []
    message = str(failures[0])
    assert message.splitlines() == [
        "Zendesk did not confirm the import of 3 of the 4 tickets of batch 1 (4 tickets of "
        "stream 'tickets', input lines 10-13) (job j1, 'completed'): 1 failed, 2 not accounted "
        "for by the job's results:",
        "  - ticket 31, input line 11, position 2 of 4 in batch 1: the job's result gives no "
        "ticket id",
        "  - ticket 32, input line 12, position 3 of 4 in batch 1: not in the job's results",
        "  - ticket 33, input line 13, position 4 of 4 in batch 1: Oops",
        "The other 1 ticket(s) of this batch were imported (a run from the last STATE imports "
        "them again).",
        "Tickets the job does not account for may or may not be in Zendesk: check them (by "
        "external_id) before running again from the last STATE.",
    ]
    assert pipeline.progress.failed_batch == 1


def test_a_completed_job_without_results_fails_the_batch(parts):
    build, _, zendesk, written, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(2))
    pipeline.add_state({"after": 1})
    zendesk.finish("j1", [])
    pipeline.poll_once()
    assert written == []
    assert "Zendesk's import job j1 for batch 1" in str(failures[0])
    assert "lists no results" in str(failures[0])


def test_an_unknown_job_status_is_waited_on_until_job_timeout(parts, caplog):
    build, _, zendesk, written, failures, clock = parts
    pipeline = build(job_timeout=60.0)
    pipeline.submit(make_batch(2))
    pipeline.add_state({"after": 1})
    zendesk.finish("j1", status="paused")
    with caplog.at_level("WARNING"):
        pipeline.poll_once()
        pipeline.poll_once()
    assert failures == [] and written == []
    warnings = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert len(warnings) == 1 and "'paused'" in warnings[0]  # said once
    clock.now += 61
    pipeline.poll_once()
    assert "did not finish within 1m (jobTimeout); it was last 'paused'" in str(failures[0])
    assert written == []


def test_after_a_failure_the_jobs_in_flight_are_waited_for(parts):
    build, _, zendesk, written, _, _ = parts
    pipeline = build(poll_interval=0.01)
    pipeline.submit(make_batch(1))
    pipeline.add_state({"after": 1})
    pipeline.submit(make_batch(1))
    zendesk.finish("j2", [{"index": 0, "success": False, "error": "RecordInvalid"}])
    assert _eventually(lambda: pipeline.failure is not None)  # the watcher found it
    zendesk.finish("j1")
    pipeline.drain_after_failure()  # returns once j1 is in
    assert written == [{"after": 1}]


def test_an_importer_failure_is_recorded_and_raised(parts):
    build, importer, _, _, failures, _ = parts
    importer.fail_with = ZendeskAuthError(
        status=401, method="POST", path="/x", code=None, text="no"
    )
    pipeline = build()
    with pytest.raises(ZendeskAuthError):
        pipeline.submit(make_batch(1))
    assert failures == [importer.fail_with]
    assert pipeline.progress.failed_batch == 1


def test_a_job_that_outlives_job_timeout_fails(parts):
    build, _, _, _, failures, clock = parts
    pipeline = build(job_timeout=30)
    pipeline.submit(make_batch(1))
    pipeline.poll_once()
    assert failures == []
    clock.now += 31
    pipeline.poll_once()
    assert "did not finish within 30s (jobTimeout); it was last 'working'" in str(failures[0])
    assert pipeline.progress.abandoned


def test_poll_errors_are_retried_until_job_timeout(parts):
    build, _, zendesk, _, failures, clock = parts
    pipeline = build(job_timeout=30)
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskServerError(
        status=502, method="GET", path="/api/v2/job_statuses/j1.json", code=None, text="Bad Gateway"
    )
    pipeline.poll_once()
    assert failures == []
    clock.now += 31
    pipeline.poll_once()
    assert "The last poll failed: HTTP 502" in str(failures[0])


def test_polls_failing_on_tls_give_up_after_a_few_tries(parts):
    build, _, zendesk, _, failures, clock = parts
    pipeline = build(job_timeout=100_000)
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskSetupError("TLS with https://acme.zendesk.com failed for GET ...")
    for _ in range(SETUP_TRIES - 1):
        pipeline.poll_once()
        clock.now += 3600  # the next poll is due
    assert failures == []
    pipeline.poll_once()
    assert failures == [zendesk.error]
    assert pipeline.progress.abandoned  # no waiting out jobTimeout


def test_poll_401_fails_at_once(parts):
    build, _, zendesk, _, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskAuthError(
        status=401, method="GET", path="/api/v2/job_statuses/j1.json", code=None, text="no"
    )
    pipeline.poll_once()
    assert failures == [zendesk.error]


def test_a_job_zendesk_no_longer_knows_fails(parts):
    build, _, zendesk, _, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))
    zendesk.error = ZendeskNotFoundError(
        status=404, method="GET", path="/x", code="RecordNotFound", text="Not found"
    )
    pipeline.poll_once()
    assert "Zendesk does not know the import job(s) j1" in str(failures[0])


def test_a_job_missing_from_show_many_is_one_zendesk_no_longer_knows(parts):
    build, _, zendesk, written, failures, _ = parts
    pipeline = build()
    for number in (1, 2):
        pipeline.submit(make_batch(2, first_id=number * 10))
        pipeline.add_state({"after": number})
    zendesk.forgotten.add("j2")
    pipeline.poll_once()
    assert len(failures) == 1
    assert str(failures[0]).startswith(
        "Zendesk does not know the import job(s) j2 (batch 2 (2 tickets of stream 'tickets', "
        "input lines 10-11)) any more (show_many did not list them)."
    )
    assert pipeline.progress.abandoned == [
        "batch 2 (2 tickets of stream 'tickets', input lines 10-11)"
    ]
    zendesk.finish("j1")  # the other job is still followed to its end
    pipeline.poll_once()
    pipeline.drain_after_failure()
    assert written == [{"after": 1}]
    assert zendesk.polls[-1] == ["j1"]
    message = final_message(failures[0], pipeline, unsent=0)
    assert "Outcome unknown (the target stopped following their jobs" in message


def test_the_watcher_releases_states_while_input_is_quiet(parts):
    build, _, zendesk, written, _, _ = parts
    pipeline = build(poll_interval=0.01)
    pipeline.submit(make_batch(1))
    pipeline.add_state({"s": 1})
    zendesk.finish("j1")
    assert _eventually(lambda: written == [{"s": 1}])


def test_finish_waits_for_every_job(parts):
    build, _, zendesk, written, _, _ = parts
    pipeline = build(poll_interval=0.01)
    pipeline.submit(make_batch(1))
    pipeline.submit(make_batch(1))
    pipeline.add_state({"s": 2})
    threading.Timer(0.05, zendesk.finish, args=("j2",)).start()
    threading.Timer(0.1, zendesk.finish, args=("j1",)).start()
    pipeline.finish()
    assert written == [{"s": 2}]


def test_pause_is_cut_short_by_a_failure(parts):
    build, _, zendesk, _, _, _ = parts
    pipeline = build(poll_interval=0.01)
    pipeline.submit(make_batch(1))
    zendesk.finish("j1", [{"index": 0, "success": False, "error": "RecordInvalid"}])
    started = time.monotonic()
    with pytest.raises(ImportFailedError):
        pipeline.pause(30)
    assert time.monotonic() - started < 10


def test_a_broken_watcher_fails_the_run_instead_of_hanging(parts):
    build, _, _, _, failures, _ = parts
    pipeline = build(poll_interval=0.01)
    pipeline.submit(make_batch(1))

    def broken(ids):
        raise KeyError("bug")

    pipeline._poll = broken
    assert _eventually(lambda: pipeline.failure is not None)
    pipeline.drain_after_failure()  # returns: the open job was given up on
    assert "Internal error while watching import jobs: KeyError('bug')" in str(failures[0])
    assert pipeline.progress.abandoned == ["batch 1 (1 tickets of stream 'tickets', input line 10)"]


def test_known_jobs_stay_bounded(parts):
    build, _, zendesk, _, _, _ = parts
    pipeline = build(max_in_flight=1)
    for number in range(1, 301):
        pipeline.submit(make_batch(1))
        zendesk.finish(f"j{number}")
        pipeline.poll_once()
    known = pipeline.known_jobs()
    assert "j300" in known and "j1" not in known
    assert len(known) == 120


def test_a_bug_while_sending_is_an_internal_error_not_bad_input(parts):
    build, importer, _, _, failures, _ = parts
    importer.fail_with = ValueError("boom")
    pipeline = build()
    with pytest.raises(
        TargetError, match=r"Internal error while sending batch 1 .*ValueError\('boom'\)"
    ):
        pipeline.submit(make_batch(1))
    assert failures and pipeline.failure is failures[0]


def test_after_a_failure_the_watcher_wakes_the_main_thread_at_every_poll(parts):
    """A wake-up signal the main thread missed is sent again, not lost."""
    build, _, zendesk, _, failures, _ = parts
    wakes = []
    pipeline = build(poll_interval=0.01, wake=lambda: wakes.append(len(failures)))
    pipeline.submit(make_batch(1))
    assert _eventually(lambda: len(zendesk.polls) >= 3)
    assert wakes == []  # nothing to wake anyone for
    zendesk.finish("j1", [{"index": 0, "success": False, "error": "RecordInvalid"}])
    assert _eventually(lambda: len(wakes) >= 3)
    assert set(wakes) == {1}  # every wake after the one failure


def _fail_j1(zendesk, pipeline):
    zendesk.finish("j1", [{"index": 0, "success": False, "error": "RecordInvalid"}])
    pipeline.poll_once()


def test_a_batch_stopped_before_it_was_sent_is_in_the_final_message(parts):
    build, _, zendesk, _, failures, _ = parts
    pipeline = build(max_in_flight=1)
    pipeline.submit(make_batch(1))
    waiting = make_batch(4, first_id=20)
    errors = []

    def submit_second():
        try:
            pipeline.submit(waiting)
        except ImportFailedError as exc:
            errors.append(exc)

    second = threading.Thread(target=submit_second)
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for a slot
    _fail_j1(zendesk, pipeline)
    second.join(5)
    assert errors == failures
    assert pipeline.progress.not_sent == ["4 tickets of stream 'tickets', input lines 10-13"]
    message = final_message(failures[0], pipeline, unsent=2)
    assert (
        "Not imported (stopped before sending): 4 tickets of stream 'tickets', input lines 10-13."
        in message
    )
    assert "Not imported: 2 ticket(s) read but not yet sent." in message


def test_a_batch_stopped_while_its_lost_call_was_checked_is_outcome_unknown(parts):
    build, importer, zendesk, _, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))

    def lost_answer_then_another_failure(batch):
        if batch.number == 2:
            batch.in_doubt = True  # an unclear answer; recovery is checking it
            _fail_j1(zendesk, pipeline)  # meanwhile the watcher finds batch 1 failed
            importer.fail_with = pipeline.failure  # recovery's next pause raises it

    importer.during = lost_answer_then_another_failure
    with pytest.raises(ImportFailedError):
        pipeline.submit(make_batch(3, first_id=30))
    assert pipeline.progress.in_doubt == [
        "batch 2 (3 tickets of stream 'tickets', input lines 10-12)"
    ]
    message = final_message(failures[0], pipeline, unsent=0)
    assert "Outcome unknown (an import call got no clear answer" in message
    assert "batch 2 (3 tickets of stream 'tickets', input lines 10-12)" in message


def test_a_batch_stopped_between_refused_calls_was_not_sent(parts):
    build, importer, zendesk, _, failures, _ = parts
    pipeline = build()
    pipeline.submit(make_batch(1))

    def rate_limited_then_another_failure(batch):
        if batch.number == 2:
            _fail_j1(zendesk, pipeline)  # during the wait after a 429
            importer.fail_with = pipeline.failure

    importer.during = rate_limited_then_another_failure
    with pytest.raises(ImportFailedError):
        pipeline.submit(make_batch(2, first_id=30))
    assert pipeline.progress.not_sent == [
        "batch 2 (2 tickets of stream 'tickets', input lines 10-11)"
    ]
    assert pipeline.progress.in_doubt == []
    assert "Not imported (stopped before sending): batch 2" in final_message(
        failures[0], pipeline, unsent=0
    )
