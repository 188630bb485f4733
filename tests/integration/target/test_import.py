"""Importing into a sandbox account and reading the tickets back."""

import json
import subprocess

import pytest

from target_zendesk_tickets.importing.convert import READ_ONLY_FIELDS
from tests.integration.target.harness import (
    DATA,
    expected_external_id,
    exported_tickets,
    imported_by_external_id,
    record_line,
    run_target,
    schema_line,
    singer_input,
    state_line,
    target_config,
)
from zendesk_sandbox.account.jobs import job_id

# Fields the sandbox stores as the import gives them.
KEPT = (
    "subject",
    "raw_subject",
    "description",
    "status",
    "priority",
    "type",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "problem_id",
    "ticket_form_id",
    "brand_id",
    "custom_status_id",
    "recipient",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
    "tags",
    "custom_fields",
    "created_at",
    "updated_at",
    "due_at",
)


@pytest.fixture
def source(make_sandbox):
    return make_sandbox(tickets=400, rate_limits={})


@pytest.fixture
def destination(make_sandbox):
    return make_sandbox(tickets=0, job_delay=0.05, rate_limits={})


def test_250_tickets_arrive_as_100_100_50_and_read_back_as_sent(source, destination, tmp_path):
    tickets = exported_tickets(source, 250)
    result = run_target(target_config(tmp_path, destination), singer_input(tickets))
    assert result.returncode == 0, result.stderr

    requests = destination.import_requests()
    assert [len(r["tickets"]) for r in requests] == [100, 100, 50]
    for request in requests:
        assert request["archive_immediately"] is False
        for sent in request["tickets"]:
            assert not set(sent) & READ_ONLY_FIELDS
            assert not any(name.startswith("_sdc_") for name in sent)

    imported = imported_by_external_id(destination)
    assert len(imported) == 250
    for ticket in tickets:
        copy = imported[expected_external_id(ticket)]
        for name in KEPT:
            if ticket.get(name) is not None:
                assert copy[name] == ticket[name], (ticket["id"], name)
    assert any(t.get("external_id") for t in tickets)  # both kinds of external_id are covered
    assert any(not t.get("external_id") for t in tickets)
    assert result.states == [{"through": 250}]
    assert "Imported 250 tickets and updated 0 in 3 batches" in result.stderr


def test_buffer_size_7(source, destination, tmp_path):
    tickets = exported_tickets(source, 30)
    result = run_target(target_config(tmp_path, destination, bufferSize=7), singer_input(tickets))
    assert result.returncode == 0, result.stderr
    assert [len(r["tickets"]) for r in destination.import_requests()] == [7, 7, 7, 7, 2]
    assert len(destination.imported_tickets()) == 30


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (0, "0 is less than the minimum of 1 in config['bufferSize']"),
        (101, "101 is greater than the maximum of 100 in config['bufferSize']"),
    ],
)
def test_buffer_size_out_of_range_is_rejected_before_anything_is_sent(
    destination, tmp_path, size, message
):
    result = run_target(target_config(tmp_path, destination, bufferSize=size), [schema_line()])
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert destination.request_log() == []


def test_archive_immediately_is_sent(source, destination, tmp_path):
    tickets = exported_tickets(source, 5)
    config = target_config(tmp_path, destination, archiveImmediately=True)
    assert run_target(config, singer_input(tickets)).returncode == 0
    assert destination.import_requests()[0]["query"] == {"archive_immediately": "true"}


def test_a_hand_written_singer_file(destination, tmp_path):
    result = run_target(
        target_config(tmp_path, destination), (DATA / "plain-spec.singer").read_text()
    )
    assert result.returncode == 0, result.stderr
    imported = imported_by_external_id(destination)
    assert sorted(imported) == ["101", "104", "legacy-102"]  # 103 was deleted: skipped
    assert imported["legacy-102"]["updated_at"] == "2024-03-08T08:30:00Z"  # +02:00 made UTC
    assert imported["101"]["custom_fields"] == [
        {"id": 360001, "value": "tier_2"},
        {"id": 360002, "value": 3.25},
    ]
    assert imported["104"]["custom_fields"][0] == {"id": 360004, "value": ["red", "blue"]}
    assert result.states == [
        {"bookmarks": {"tickets": {"cursor": "MTcwOTgwMjEwNC4wfHwxMDJ8"}}},
        {"bookmarks": {"tickets": {"cursor": "MTcwOTgwMjIwMC4wfHwxMDR8"}}},
    ]
    assert "skipped 1 deleted tickets" in result.stderr


def test_all_three_payload_shapes(destination, tmp_path):
    result = run_target(
        target_config(tmp_path, destination), (DATA / "raw-payloads.singer").read_text()
    )
    assert result.returncode == 0, result.stderr
    imported = imported_by_external_id(destination)
    assert {key: t["subject"].split(":")[0] for key, t in imported.items()} == {
        "201": "Shape 1",
        "202": "Shape 2",
        "203": "Shape 3",
        "204": "Shape 3",
    }
    assert imported["202"]["tags"] == ["raw"]
    assert imported["204"]["status"] == "hold"
    assert result.states == [{"position": "p205"}]  # the Conduit delete was skipped, not an error


def test_a_job_with_a_failing_ticket_names_it_and_stops(source, destination, tmp_path):
    tickets = exported_tickets(source, 25)
    tickets[13]["priority"] = "whenever"  # the sandbox rejects it, as Zendesk would
    lines = singer_input(tickets, state_every=10)
    result = run_target(target_config(tmp_path, destination, bufferSize=10), lines)
    assert result.returncode == 1
    error = result.errors()[-1]
    assert "Zendesk did not import 1 of the 10 tickets of batch 2" in error
    bad = tickets[13]
    who = f"ticket {bad['id']}"
    assert who in result.stderr
    assert (
        "position 4 of 10 in batch 2: RecordInvalid: Priority: whenever is not valid"
        in result.stderr
    )
    assert "The other 9 ticket(s) of this batch were imported" in result.stderr
    assert (
        "Imported before the failure: 10 tickets in 1 batch(es), covered by the 1 STATE message(s) written."
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert result.states == [{"through": 10}]
    # Batch 3 was already in flight and may or may not have been sent; never a fourth.
    assert len(destination.import_requests()) <= 3


def test_a_completed_job_whose_results_leave_tickets_out_stops_naming_them(
    source, destination, tmp_path
):
    tickets = exported_tickets(source, 3)
    # The batch's job answers 'completed' with a result for its first ticket only.
    first_job = job_id(destination.config.seed, 1)
    destination.add_fault(
        "status",
        route="job_status",
        status=200,
        body={
            "job_status": {
                "id": first_job,
                "status": "completed",
                "results": [{"index": 0, "id": 901}],
            }
        },
    )
    config = target_config(tmp_path, destination, jobPollInterval="300ms")
    result = run_target(config, singer_input(tickets))
    assert result.returncode == 1
    error = result.stderr[result.stderr.index("Zendesk did not confirm") :]
    assert "Zendesk did not confirm the import of 2 of the 3 tickets of batch 1" in error
    for position, ticket in enumerate(tickets[1:], start=2):
        assert (
            f"ticket {ticket['id']}" in error
            and f"position {position} of 3 in batch 1: not in the job's results" in error
        )
    assert "may or may not be in Zendesk" in error
    assert "No batch was imported completely; no STATE was written." in error
    assert result.states == []
    assert "Traceback" not in result.stderr


def test_json_numbers_and_dates_survive(destination, tmp_path):
    ticket = {
        "id": 77,
        "subject": "numbers",
        "status": "open",
        "created_at": "2024-01-02T03:04:05.000Z",
        "updated_at": "2024-01-02T03:04:05+00:00",
        "custom_fields": [
            {"id": 1, "value": 1.5},
            {"id": 2, "value": 10.0},
            {"id": 3, "value": 12345678901234},
        ],
    }
    result = run_target(
        target_config(tmp_path, destination), [schema_line(), record_line(ticket), state_line(1)]
    )
    assert result.returncode == 0, result.stderr
    sent = destination.import_requests()[0]["tickets"][0]
    assert sent["created_at"] == "2024-01-02T03:04:05Z"
    assert sent["updated_at"] == "2024-01-02T03:04:05Z"
    assert (
        json.dumps(sent["custom_fields"])
        == '[{"id": 1, "value": 1.5}, {"id": 2, "value": 10}, {"id": 3, "value": 12345678901234}]'
    )


def test_tap_to_target_moves_every_live_ticket_and_ends_with_the_taps_last_state(
    source, destination, tmp_path
):
    from tests.support.configs import tap_config
    from tests.support.processes import TAP, clean_env

    tap = subprocess.run(
        [TAP, "--config", str(tap_config(tmp_path, source.base_url))],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=True,
    )
    result = run_target(target_config(tmp_path, destination), tap.stdout)
    assert result.returncode == 0, result.stderr
    live = [source.exported_ticket(i) for i in source.visible_ticket_ids(exclude_deleted=True)]
    imported = imported_by_external_id(destination)
    assert sorted(imported) == sorted(expected_external_id(t) for t in live)
    tap_states = [
        json.loads(line)["value"]
        for line in tap.stdout.splitlines()
        if '"type":"STATE"' in line.replace(" ", "")
    ]
    assert result.states[-1] == tap_states[-1]
    deleted = len(source.visible_ticket_ids()) - len(live)
    assert f"skipped {deleted} deleted tickets" in result.stderr
