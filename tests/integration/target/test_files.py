"""Files travel with their comments: tap-zendesk-tickets downloads each attachment into the
spool, target-zendesk-tickets uploads it just before the import or update that attaches it,
every copied comment carries its source comment's files exactly once, and the spool is left
empty. Real executables over real HTTP, between two sandbox accounts."""

from __future__ import annotations

import json
import random
import re
import subprocess
import time

import pytest
import requests

from tests.integration.target.harness import run_target, target_config
from tests.support.catalogs import ALL_STREAMS, catalog_selecting
from tests.support.configs import tap_config
from tests.support.files import (
    assert_files_copied_once,
    comment_files,
    copy_ids,
    not_copyable,
    spooled,
)
from tests.support.live import LiveProcess
from tests.support.pipeline import run_pipeline
from tests.support.processes import TARGET, clean_env, run_tap, write_json
from tests.support.secrets import assert_no_secret
from zendesk_sandbox import Credentials
from zendesk_sandbox.config import FileRules

TICKETS = 100  # the least with every kind of file: malware, deleted, redacted, inline


def copy_settings(**settings):
    return {"load_method": "upsert", "destinationExportLag": "1.5s", **settings}


def copy(
    source, destination, tmp_path, name="copy", *, state=None, tap=None, target=None, env=None
):
    """tap | target through a real pipe; the run's outputs."""
    catalog = write_json(tmp_path / f"catalog-{name}.json", catalog_selecting(ALL_STREAMS))
    tap_args = ["--catalog", str(catalog)]
    if state is not None:
        tap_args += ["--state", str(write_json(tmp_path / f"state-{name}.json", state))]
    return run_pipeline(
        tap_config(tmp_path, source.base_url, name=f"tap-{name}.json", **(tap or {})),
        target_config(
            tmp_path, destination, name=f"target-{name}.json", **copy_settings(**(target or {}))
        ),
        tap_args=tap_args,
        timeout=180,
        env=env,
    )


@pytest.fixture
def pair(make_pair):
    return make_pair(tickets=TICKETS, overlap=0.8, exclusion_window=1.0)


def upload_tokens(destination):
    """Every upload token the destination's imports named."""
    return [
        token
        for request in destination.import_requests()
        for ticket in request["tickets"]
        for comment in ticket.get("comments") or []
        for token in comment.get("uploads") or []
    ]


def test_private_files_and_inline_images_are_copied_once_and_the_spool_emptied(pair, tmp_path):
    source, destination = pair
    source.set_file_rules(private_attachments=True)  # 302 to signed URLs on another port
    run = copy(source, destination, tmp_path)
    assert (run.tap_returncode, run.target_returncode) == (0, 0), run.target_stderr
    checked = assert_files_copied_once(source, destination)
    assert checked > 20
    copied_inline = [
        a
        for copy_id in copy_ids(source, destination).values()
        for c in destination.comments(copy_id, inline_images=True)
        for a in c["attachments"]
        if a["inline"]
    ]
    assert copied_inline, "the account has inline images to copy"
    assert destination.files_stats()["dead_tokens"] == 0
    # The storage host never saw the account's credentials, and served every file.
    host = source.files_stats()["file_host"]
    assert host["served"] >= checked and host["refused"] == {}
    assert f"Files: {checked} copied" in run.target_stderr
    # What cannot be copied is named, with the reason, and its comment is copied without it.
    for ticket_id, attachment in not_copyable(source):
        assert f"ticket {ticket_id} (" in run.target_stderr
        assert attachment["file_name"] in run.target_stderr
    assert "flagged as malware" in run.target_stderr
    assert spooled(tmp_path / "spool") == []
    output = run.tap_stderr + run.target_stdout + run.target_stderr
    assert_no_secret(output, source, destination, extra=tuple(upload_tokens(destination)))
    assert "signature=" not in output


def test_no_upload_token_nor_signature_in_any_output_at_debug(make_pair, tmp_path):
    source, destination = make_pair(tickets=40, exclusion_window=1.0)
    source.set_file_rules(private_attachments=True)
    debug = clean_env(TAP_ZENDESK_TICKETS_LOGLEVEL="DEBUG", TARGET_ZENDESK_TICKETS_LOGLEVEL="DEBUG")
    run = copy(source, destination, tmp_path, env=debug)
    assert run.target_returncode == 0, run.target_stderr
    output = run.tap_stderr + run.target_stdout + run.target_stderr
    assert "| DEBUG" in run.tap_stderr and "| DEBUG" in run.target_stderr
    assert "/files/" in output  # the signed URLs' requests are logged ...
    assert "signature=<redacted>" in output  # ... without their secret
    assert re.search(r"signature=(?!<redacted>)", output) is None
    tokens = upload_tokens(destination)
    assert tokens
    assert_no_secret(output, source, destination, extra=tuple(tokens))


def test_files_the_destination_refuses_leave_their_comment_without_them(make_pair, tmp_path):
    rules = FileRules(allowed_file_types=("png", "jpg", "txt", "log"), max_upload_size=100_000)
    source, destination = make_pair(tickets=TICKETS, exclusion_window=1.0, files=rules)
    run = copy(source, destination, tmp_path)
    assert run.target_returncode == 0, run.target_stderr
    assert "the destination refused it: HTTP 422 on POST /api/v2/uploads.json" in run.target_stderr
    assert ".pdf is not allowed in this account" in run.target_stderr
    assert "HTTP 413 on POST /api/v2/uploads.json: AttachmentTooLarge" in run.target_stderr
    for ticket_id, copy_id in copy_ids(source, destination).items():
        theirs = comment_files(source, ticket_id, only_copyable=True)
        ours = comment_files(destination, copy_id, only_copyable=False)
        assert len(ours) == len(theirs)  # every comment is there
        for mine, original in zip(ours, theirs, strict=True):
            assert all(
                name.rsplit(".", 1)[-1] in rules.allowed_file_types and size <= 100_000
                for name, _, size, _, _ in mine
            )
            assert set(mine) <= set(original)
    assert spooled(tmp_path / "spool") == []


def test_stop_makes_a_file_that_cannot_be_copied_stop_the_run(make_pair, tmp_path):
    rules = FileRules(allowed_file_types=("png", "jpg", "txt", "log"))
    source, destination = make_pair(tickets=TICKETS, exclusion_window=1.0, files=rules)
    run = copy(source, destination, tmp_path, target={"onFileNotCopied": "stop", "bufferSize": 5})
    assert run.target_returncode == 1
    error = [line for line in run.target_stderr.splitlines() if "| ERROR" in line][-1]
    assert "Cannot copy " in error and "onFileNotCopied is 'stop'" in error and "ticket " in error
    assert "Traceback" not in run.target_stderr
    named = re.search(r" of ticket (\d+)", error)
    assert named is not None, error
    copied = {t["external_id"].rsplit(":", 1)[-1] for t in destination.imported_tickets()}
    assert named.group(1) not in copied  # nothing of that ticket was sent


def test_a_file_gone_from_the_source_is_named_and_its_comment_copied(pair, tmp_path):
    source, destination = pair
    source.add_fault("status", route="downloads", status=404, body={"error": "RecordNotFound"})
    run = copy(source, destination, tmp_path)
    assert run.target_returncode == 0, run.target_stderr
    assert "gone from the source (HTTP 404: RecordNotFound)" in run.target_stderr
    missing = 0
    for ticket_id, copy_id in copy_ids(source, destination).items():
        theirs = comment_files(source, ticket_id, only_copyable=True)
        ours = comment_files(destination, copy_id, only_copyable=False)
        missing += sum(len(t) - len(o) for t, o in zip(theirs, ours, strict=True))
    assert missing == 1


def tap_output(source, tmp_path, name, **settings):
    """The tap's whole output (every copy stream, files downloaded into the test's spool)."""
    tap = run_tap(
        tap_config(tmp_path, source.base_url, name=f"tap-{name}.json", **settings),
        catalog=catalog_selecting(ALL_STREAMS),
    )
    assert tap.returncode == 0, tap.stderr
    return tap.stdout


def test_a_token_that_expired_during_a_wait_is_uploaded_again(pair, tmp_path):
    source, destination = pair
    lines = tap_output(source, tmp_path, "expiry")
    destination.add_fault("429", route="import", retry_after="1")
    config = target_config(tmp_path, destination, **copy_settings(bufferSize=100))
    with LiveProcess(
        [TARGET, "--config", str(config)], env=clean_env(), stdin=subprocess.PIPE
    ) as target:
        assert target.process.stdin is not None
        target.process.stdin.write(lines)
        target.process.stdin.close()
        deadline = time.monotonic() + 60
        while not any(e["fault"] == "429" for e in destination.request_log()):
            assert time.monotonic() < deadline, target.stderr
            time.sleep(0.01)
        destination.advance_clock(3700)  # the tokens of the batch expire while it waits
        assert target.finish(timeout=120) == 0, target.stderr
    assert "expires within the margin: uploading it again" in target.stderr
    assert destination.files_stats()["dead_tokens"] == 0
    assert_files_copied_once(source, destination)


def run_until_killed(config, lines, delay):
    """The target, killed with SIGKILL after ``delay`` seconds; the STATEs it printed."""
    with LiveProcess(
        [TARGET, "--config", str(config)], env=clean_env(), stdin=subprocess.PIPE
    ) as target:
        assert target.process.stdin is not None
        target.process.stdin.write(lines)
        target.process.stdin.close()
        time.sleep(delay)
        target.process.kill()
        target.process.wait(timeout=10)
        target.finish()
        return [m for m in target.messages if "bookmarks" in m]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_copy_resumed_from_its_last_state_carries_each_file_once(pair, tmp_path, seed):
    source, destination = pair
    lines = tap_output(source, tmp_path, "first", pageSize=10)  # a STATE every 10 tickets
    settings = copy_settings(bufferSize=10, maxJobsInFlight=3)
    destination.set_job_delay(0.3)
    delay = random.Random(seed).uniform(0.7, 2.0)  # the whole copy takes about 2 s
    states = run_until_killed(target_config(tmp_path, destination, **settings), lines, delay)
    state = states[-1] if states else None
    run = copy(
        source, destination, tmp_path, "again", state=state, tap={"pageSize": 10}, target=settings
    )
    assert run.target_returncode == 0, f"killed after {delay:.2f}s: {run.target_stderr[-3000:]}"
    assert_files_copied_once(source, destination)
    assert destination.files_stats()["dead_tokens"] == 0
    assert spooled(tmp_path / "spool") == []


def add_comment_with_files(source, ticket_id):
    """An agent's reply in the source with a file and an inline image, as Zendesk makes it."""
    with requests.Session() as session:
        session.auth = Credentials().admin_basic

        def upload(name, content, content_type):
            answer = session.post(
                f"{source.base_url}/api/v2/uploads.json",
                params={"filename": name},
                data=content,
                headers={"Content-Type": content_type},
                timeout=10,
            )
            assert answer.status_code == 201, answer.text
            return answer.json()["upload"]

        notes = upload("reply-notes.txt", b"what changed\n" * 100, "text/plain")
        image = upload("reply-chart.png", b"\x89PNG" + bytes(range(256)) * 40, "image/png")
        url = image["attachment"]["content_url"]
        answer = session.put(
            f"{source.base_url}/api/v2/tickets/{ticket_id}.json",
            json={
                "ticket": {
                    "comment": {
                        "html_body": f'<p>See the chart:</p><p><img src="{url}"></p>',
                        "uploads": [notes["token"], image["token"]],
                    }
                }
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text


def test_a_second_run_brings_the_files_of_new_comments_and_nothing_twice(pair, tmp_path):
    source, destination = pair
    first = copy(source, destination, tmp_path, "first")
    assert first.target_returncode == 0, first.target_stderr
    state = json.loads(first.target_stdout.splitlines()[-1])
    open_ids = [
        i
        for i in source.visible_ticket_ids(exclude_deleted=True)
        if source.exported_ticket(i)["status"] not in ("closed", "solved")
    ]
    for ticket_id in open_ids[:2]:
        add_comment_with_files(source, ticket_id)
    source.advance_clock(120)
    second = copy(source, destination, tmp_path, "second", state=state)
    assert second.target_returncode == 0, second.target_stderr
    assert "Files: 4 copied" in second.target_stderr  # the two new comments' files only
    assert_files_copied_once(source, destination)
    copies = copy_ids(source, destination)
    for ticket_id in open_ids[:2]:
        last = destination.comments(copies[ticket_id], inline_images=True)[-1]
        assert sorted(a["file_name"] for a in last["attachments"]) == [
            "reply-chart.png",
            "reply-notes.txt",
        ]
    assert spooled(tmp_path / "spool") == []


@pytest.mark.parametrize(
    ("plugin", "reason"),
    [("tap", "the tap did not download it"), ("target", "files is false in the target's settings")],
)
def test_with_files_off_comments_come_without_them_and_point_nowhere_else(
    pair, tmp_path, plugin, reason
):
    source, destination = pair
    run = copy(source, destination, tmp_path, **{plugin: {"files": False}})
    assert run.target_returncode == 0, run.target_stderr
    assert "Files: 0 copied" in run.target_stderr and reason in run.target_stderr
    # A setting's choice is said once, not warned about for every file.
    assert run.target_stderr.count(f"Comments are copied without their files: {reason}") == 1
    assert "WARNING" not in run.target_stderr
    for copy_id in copy_ids(source, destination).values():
        for comment in destination.comments(copy_id, inline_images=True):
            assert comment["attachments"] == []
            assert source.base_url not in comment["html_body"]
    assert spooled(tmp_path / "spool") == []


def test_without_mapping_comments_and_their_files_are_not_copied_nor_left(make_sandbox, tmp_path):
    # Accounts without people: the tap sends no users, so the target maps nothing (auto) and
    # copies no comment; the files the tap fetched for them are removed all the same.
    source = make_sandbox(tickets=100, rate_limits={}, exclusion_window=1.0)
    destination = make_sandbox(tickets=0, job_delay=0.05, rate_limits={})
    run = copy(source, destination, tmp_path, target={"load_method": "append-only"})
    assert run.target_returncode == 0, run.target_stderr
    assert "Attachment files: " in run.tap_stderr and " 0 downloaded" not in run.tap_stderr
    assert len(destination.imported_tickets()) > 0
    assert spooled(tmp_path / "spool") == []


def test_a_file_outside_the_spool_stops_the_run(pair, tmp_path):
    source, destination = pair
    lines = tap_output(source, tmp_path, "outside")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not for Zendesk")
    messages = [json.loads(line) for line in lines.splitlines()]
    for message in messages:
        for entry in (message.get("record") or {}).get("attachment_files") or []:
            if entry.get("path"):
                entry["path"] = str(tmp_path / "spool" / ".." / "elsewhere.txt")
    result = run_target(
        target_config(tmp_path, destination, **copy_settings()),
        [json.dumps(message) for message in messages],
    )
    assert result.returncode == 1
    assert "outside fileSpool" in result.errors()[-1]
    assert destination.files_stats()["uploaded_bytes"] == 0
