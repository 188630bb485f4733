"""Files in the target: uploads (a token per file, refusals, retries, freshness), inline
images pointed at the destination, the spool's bounds, and a comment's files from the input
to the destination (attached before each send, removed once in)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from target_zendesk_tickets.copying.files.attacher import FileAttacher, FileNotCopiedError
from target_zendesk_tickets.copying.files.comment_files import FILES_KEY
from target_zendesk_tickets.copying.files.inline import STRAY_NOTE, rewrite
from target_zendesk_tickets.copying.files.report import LISTED, FilesReport
from target_zendesk_tickets.copying.files.settings import FileSettings
from target_zendesk_tickets.copying.files.spool import OutsideSpoolError, Spool
from target_zendesk_tickets.copying.files.uploads import (
    MARGIN,
    FileCopyError,
    FileToUpload,
    Refused,
    Upload,
    Uploader,
)
from target_zendesk_tickets.importing.batches import Batch, TicketRef
from target_zendesk_tickets.importing.jobs import JobOutcome, JobStatus
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.messages import BASE, target_test_config
from zendesk_api.http import ZendeskClient
from zendesk_api.redaction import redact
from zendesk_api.retry import RetryBudget, RetryPolicy
from zendesk_api.server_clock import ServerClock

UPLOADS = f"{BASE}/api/v2/uploads.json"
SOURCE = "https://source.zendesk.com/attachments/token/abc/?name=chart.png"
NOW = 1_800_000_000.0


def date_header(epoch: float) -> dict[str, str]:
    return {"Date": format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)}


def upload_answer(number: int, expires_at: str = "2027-01-15T08:30:00Z") -> dict:
    return {
        "upload": {
            "token": f"uploadtoken{number:014d}",
            "expires_at": expires_at,
            "attachment": {
                "id": 900 + number,
                "content_url": f"{BASE}/attachments/token/own{number}/?name=chart.png",
            },
        }
    }


@pytest.fixture
def uploader(clock):
    settings = read_target_settings(target_test_config())
    policy = RetryPolicy(backoff=0.001, default_retry_after=0.001, clock=clock, sleep=clock.sleep)
    client = ZendeskClient(settings.connection, "target-zendesk-tickets", policy=policy)
    server_clock = ServerClock()
    client.response_hooks.append(server_clock.observe)
    made = Uploader(client, RetryBudget(retries=3), server_clock)
    yield made
    made.close()
    client.session.close()


@pytest.fixture
def file(tmp_path) -> Path:
    path = tmp_path / "spool" / "host" / "1"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x89PNG" * 100)
    return path


# -- uploads --------------------------------------------------------------------------------


def test_an_upload_streams_the_file_with_its_type_and_keeps_the_token_secret(uploader, file, mock):
    mock.post(UPLOADS, status_code=201, json=upload_answer(1))
    made = uploader.upload(FileToUpload(file, "chart.png", "image/png", "chart.png of ticket 1"))
    sent = mock.request_history[0]
    assert sent.qs == {"filename": ["chart.png"]} and "token" not in sent.qs  # a token per file
    assert sent.headers["Content-Type"] == "image/png"
    assert hasattr(sent.body, "read")  # the file itself, streamed: never read whole first
    assert isinstance(made, Upload) and made.attachment_id == 901
    assert made.token not in redact(f"comments[0].uploads = {made.token}")
    assert uploader.bytes == 400 and uploader.requests == 1


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (
            422,
            {
                "error": "RecordInvalid",
                "details": {"base": [{"description": "Type .exe is not allowed"}]},
            },
            "Type .exe is not allowed",
        ),
        (413, {"error": "AttachmentTooLarge", "description": "too large"}, "AttachmentTooLarge"),
    ],
)
def test_a_file_the_destination_refuses_comes_back_with_its_error(
    uploader, file, mock, status, body, said
):
    mock.post(UPLOADS, status_code=status, json=body)
    made = uploader.upload(
        FileToUpload(file, "tool.exe", "application/octet-stream", "tool.exe of ticket 1")
    )
    assert isinstance(made, Refused)
    assert f"HTTP {status} on POST /api/v2/uploads.json" in made.reason and said in made.reason


def test_an_upload_whose_answer_was_lost_is_simply_sent_again(uploader, file, mock):
    mock.post(UPLOADS, [{"status_code": 500}, {"status_code": 201, "json": upload_answer(2)}])
    made = uploader.upload(FileToUpload(file, "chart.png", "image/png", "chart.png of ticket 1"))
    assert isinstance(made, Upload) and mock.call_count == 2


def test_an_upload_zendesk_refuses_for_good_stops_with_what_to_check(uploader, file, mock):
    mock.post(UPLOADS, status_code=403, json={"error": "Forbidden", "description": "no"})
    with pytest.raises(
        FileCopyError,
        match=r"upload of chart.png of ticket 1 failed: HTTP 403.*may not upload files",
    ):
        uploader.upload(FileToUpload(file, "chart.png", "image/png", "chart.png of ticket 1"))


def test_several_files_are_uploaded_at_once_and_come_back_in_order(uploader, file, mock):
    def answer(request, context):
        context.status_code = 201
        return upload_answer(int(request.qs["filename"][0].split(".")[0][1:]))

    mock.post(UPLOADS, json=answer)
    files = [FileToUpload(file, f"f{n}.png", "image/png", f"f{n}") for n in range(6)]
    made = uploader.upload_many(files)
    assert [m.attachment_id for m in made] == [900 + n for n in range(6)]
    assert uploader.requests == 6


def test_a_token_is_used_only_with_the_margin_left_on_the_destinations_clock(uploader, mock):
    upload = Upload("t", 1, "u", expires_at=NOW + MARGIN + 60)
    mock.get(f"{BASE}/api/v2/attachments/1.json", json={"attachment": {}}, headers=date_header(NOW))
    assert uploader.alive(upload, "chart.png")
    mock.get(
        f"{BASE}/api/v2/attachments/1.json", json={"attachment": {}}, headers=date_header(NOW + 120)
    )
    assert not uploader.alive(upload, "chart.png")  # alive, but within the margin
    mock.get(f"{BASE}/api/v2/attachments/1.json", status_code=404, json={"error": "RecordNotFound"})
    assert not uploader.alive(upload, "chart.png")  # deleted: its token expired


# -- inline images --------------------------------------------------------------------------


def test_inline_images_point_at_the_destinations_own_files():
    markup = f'<p>See <img src="{SOURCE}" alt="c"></p><p><img src="https://source.zendesk.com/attachments/token/gone/?name=x.png"></p>'
    own = f"{BASE}/attachments/token/own1/?name=chart.png"
    result = rewrite(
        markup,
        [((SOURCE,), own)],
        [
            (
                ("https://source.zendesk.com/attachments/token/gone/?name=x.png",),
                "image x.png was not copied: deleted",
            )
        ],
        own_origin=BASE,
    )
    assert f'src="{own}"' in result and "source.zendesk.com" not in result
    assert "[image x.png was not copied: deleted]" in result


def test_an_image_the_input_brought_no_file_for_becomes_a_note():
    markup = '<img src="https://elsewhere.zendesk.com/attachments/token/t/?name=a.png">'
    kept = f'<img src="{BASE}/attachments/token/mine/?name=b.png">'
    result = rewrite(markup + kept, [], [], own_origin=BASE)
    assert STRAY_NOTE in result and kept in result and "elsewhere" not in result


def test_escaped_addresses_are_rewritten_too():
    source = "https://s.zendesk.com/attachments/token/t/?name=a.png&x=1"
    result = rewrite(
        f'<img src="{source.replace("&", "&amp;")}">', [((source,), f"{BASE}/o?a=1&b=2")], []
    )
    assert result == f'<img src="{BASE}/o?a=1&amp;b=2">'


# -- the spool ------------------------------------------------------------------------------


def test_files_are_read_from_the_spool_only(tmp_path):
    spool = Spool(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    assert (
        spool.resolve(str(tmp_path / "spool" / "host" / "1"), "ticket 1")
        == (tmp_path / "spool" / "host" / "1").resolve()
    )
    with pytest.raises(OutsideSpoolError, match="outside fileSpool"):
        spool.resolve(str(tmp_path / "spool" / ".." / "secret"), "ticket 1")
    (tmp_path / "spool" / "link").symlink_to(tmp_path)
    with pytest.raises(OutsideSpoolError):
        spool.resolve(str(tmp_path / "spool" / "link" / "secret"), "ticket 1")


# -- a comment's files, from the input to the destination ----------------------------------


def source_comment(path: Path | None, *, reason: str | None = None) -> dict:
    return {
        "id": 11,
        "html_body": f'<p><img src="{SOURCE}"></p>',
        "attachments": [
            {
                "id": 1,
                "file_name": "chart.png",
                "content_type": "image/png",
                "inline": True,
                "content_url": SOURCE,
            }
        ],
        "attachment_files": [
            {"attachment_id": 1, "path": str(path) if path else None, "reason": reason}
        ],
    }


def batch_of(body: dict) -> Batch:
    return Batch("tickets", [body], [TicketRef(7, "zendesk:s:7", 3)])


def completed(batch: Batch) -> JobOutcome:
    return JobOutcome(JobStatus("j", "completed"), batch.size, [], {0: 99})


def attacher_for(uploader, tmp_path, **settings) -> FileAttacher:
    return FileAttacher(FileSettings(spool=tmp_path / "spool", **settings), uploader)


def test_a_comments_files_are_attached_before_the_send_and_removed_once_in(
    uploader, file, tmp_path, mock
):
    files = attacher_for(uploader, tmp_path)
    comment = source_comment(file)
    body = {"comments": [{"html_body": comment["html_body"]}]}
    files.read(body, [comment], TicketRef(7, "zendesk:s:7", 3))
    assert FILES_KEY in body["comments"][0]
    batch = batch_of(body)
    files.claim(batch)
    files.part_planned()
    assert FILES_KEY not in body["comments"][0] and file.exists()  # nothing sent yet
    mock.post(UPLOADS, status_code=201, json=upload_answer(1), headers=date_header(NOW))
    assert batch.before_send is not None
    batch.before_send(1)
    sent = body["comments"][0]
    assert sent["uploads"] == ["uploadtoken00000000000001"]
    assert (
        f"{BASE}/attachments/token/own1/" in sent["html_body"] and SOURCE not in sent["html_body"]
    )
    files.batch_done(batch, completed(batch))
    assert not file.exists()
    assert files.lines()[0].startswith("Files: 1 copied")


def test_on_a_retry_a_token_that_expired_is_uploaded_again(uploader, file, tmp_path, mock):
    files = attacher_for(uploader, tmp_path)
    comment = source_comment(file)
    body = {"comments": [{"html_body": comment["html_body"]}]}
    files.read(body, [comment], TicketRef(7, "zendesk:s:7", 3))
    batch = batch_of(body)
    files.claim(batch)
    mock.post(
        UPLOADS,
        [
            {"status_code": 201, "json": upload_answer(1)},
            {"status_code": 201, "json": upload_answer(2)},
        ],
    )
    batch.before_send(1)
    mock.get(
        f"{BASE}/api/v2/attachments/901.json", status_code=404, json={"error": "RecordNotFound"}
    )
    batch.before_send(2)  # after a wait: the destination says the first upload is gone
    assert body["comments"][0]["uploads"] == ["uploadtoken00000000000002"]


def test_a_comment_the_copy_has_already_needs_none_of_its_files(uploader, file, tmp_path):
    files = attacher_for(uploader, tmp_path)
    comment = source_comment(file)
    body = {"comments": [{"html_body": comment["html_body"]}]}
    files.read(body, [comment], TicketRef(7, "zendesk:s:7", 3))
    files.part_planned()  # no batch took it: an update without new comments
    assert not file.exists()
    assert files.lines() == []  # nothing of this run's to report


def test_a_file_that_cannot_be_copied_is_named_or_stops_the_run(uploader, tmp_path):
    comment = source_comment(None, reason="deleted in the source")
    body = {"comments": [{"html_body": comment["html_body"]}]}
    files = attacher_for(uploader, tmp_path)
    files.read(body, [comment], TicketRef(7, "zendesk:s:7", 3))
    batch = batch_of(body)
    files.claim(batch)
    batch.before_send(1)
    assert "uploads" not in body["comments"][0]
    assert (
        "[image chart.png was not copied: deleted in the source]"
        in body["comments"][0]["html_body"]
    )
    files.batch_done(batch, completed(batch))
    assert "not copied: ticket 7" in "\n".join(files.lines())
    stopping = attacher_for(uploader, tmp_path, on_not_copied="stop")
    body = {"comments": [{"html_body": comment["html_body"]}]}
    stopping.read(body, [comment], TicketRef(7, "zendesk:s:7", 3))
    with pytest.raises(
        FileNotCopiedError,
        match=r"Cannot copy chart.png \(attachment 1\) of ticket 7.*onFileNotCopied is 'stop'",
    ):
        stopping.claim(batch_of(body))


def test_the_files_report_counts_every_file_not_copied_and_keeps_only_the_first():
    report = FilesReport()
    total = LISTED * 3 + 7
    for number in range(total):
        report.not_copied_file(f"ticket {number}, comment 1", "a.png", "deleted in the source")
    lines = report.lines(uploads=0, removed=0)
    assert f"{total} not copied" in lines[0]
    assert len(report.not_copied) == LISTED  # memory does not grow with the run
    assert lines[1] == "  not copied: ticket 0, comment 1: a.png: deleted in the source"
    assert lines[-1] == f"  not copied: ... and {total - LISTED} more (each logged as it happened)"
