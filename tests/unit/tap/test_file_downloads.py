"""Downloading attachments into the spool: credentials to the account's host only, signed
URLs elsewhere fetched bare (and asked for again when expired), files Zendesk will not give
named with the reason, files a crashed run fetched found again, nothing left behind."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
import requests_mock as rm
from urllib3.exceptions import ProtocolError

from tap_zendesk_tickets.api_reads import TicketComments
from tap_zendesk_tickets.export import Timing
from tap_zendesk_tickets.file_downloads import AttachmentDownloads, hide_signature
from tap_zendesk_tickets.file_spool import KEEP_FOR, FileSpool, SpoolError, host_directory
from tap_zendesk_tickets.settings import read_tap_settings
from tests.support.clock import FakeClock
from tests.support.tap_pages import BASE, unit_tap_config
from zendesk_api.errors import ZendeskAuthError
from zendesk_api.redaction import redact
from zendesk_api.retry import RetriesExhaustedError

STORAGE = "https://files.storage.example/zd/123?X-Amz-Signature=abcdef123456&X-Amz-Expires=60"


def attachment(attachment_id=1, **extra):
    return {
        "id": attachment_id,
        "file_name": "invoice.pdf",
        "content_url": f"{BASE}/attachments/token/tok{attachment_id}/?name=invoice.pdf",
        "content_type": "application/pdf",
        "size": 5,
        "deleted": False,
        "malware_scan_result": "malware_not_found",
        "malware_access_override": False,
        "inline": False,
        **extra,
    }


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def downloads(tmp_path, clock):
    settings = read_tap_settings(unit_tap_config(fileSpool=str(tmp_path)))
    spool = FileSpool(host_directory(settings.file_spool, settings.connection.base_url))
    return AttachmentDownloads(settings, spool, Timing(clock=clock, sleep=clock.sleep))


def test_the_accounts_own_host_gets_credentials_and_the_file_lands_in_the_spool(downloads):
    with rm.Mocker() as mock:
        mock.get(attachment()["content_url"], content=b"hello")
        entry = downloads.entry(7, attachment())
        sent = mock.request_history[0]
    assert sent.headers["Authorization"].startswith("Basic ")
    assert entry == {"attachment_id": 1, "path": entry["path"], "size": 5}
    assert Path(entry["path"]).read_bytes() == b"hello"
    assert entry["path"].endswith("acme.zendesk.com/1")
    assert not list(downloads.spool.directory.glob("*.part"))


def test_a_redirect_to_a_signed_url_elsewhere_is_fetched_without_credentials(downloads):
    with rm.Mocker() as mock:
        mock.get(attachment()["content_url"], status_code=302, headers={"Location": STORAGE})
        mock.get(STORAGE, content=b"hello")
        entry = downloads.entry(7, attachment())
        account, storage = mock.request_history
    assert "Authorization" in account.headers and "Authorization" not in storage.headers
    assert "Cookie" not in storage.headers
    assert entry["size"] == 5
    # Masked while the file was fetched (test_files.py, at DEBUG); once it is, the URL is
    # spent and forgotten, so the secrets every log line is checked against do not pile up.
    assert "abcdef123456" in redact(f'"GET {STORAGE} HTTP/1.1" 200')


def test_a_content_url_on_another_host_gets_no_credentials(downloads):
    elsewhere = attachment(content_url="https://cdn.example.net/file/1")
    with rm.Mocker() as mock:
        mock.get("https://cdn.example.net/file/1", content=b"hello")
        downloads.entry(7, elsewhere)
        assert "Authorization" not in mock.request_history[0].headers


def test_an_expired_signed_url_is_asked_for_again(downloads):
    expired = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    with rm.Mocker() as mock:
        mock.get(attachment()["content_url"], status_code=302, headers={"Location": STORAGE})
        mock.get(STORAGE, [{"status_code": 403, "text": expired}, {"content": b"hello"}])
        entry = downloads.entry(7, attachment())
        assert mock.call_count == 4  # content_url, refused, content_url again, the file
    assert entry["size"] == 5


def test_files_zendesk_will_not_give_are_named_with_the_reason_and_not_asked_for(downloads):
    flagged = attachment(2, malware_scan_result="malware_found")
    overridden = attachment(3, malware_scan_result="malware_found", malware_access_override=True)
    with rm.Mocker() as mock:
        mock.get(overridden["content_url"], content=b"hello")
        assert "malware" in downloads.entry(7, flagged)["reason"]
        assert downloads.entry(7, attachment(4, deleted=True))["reason"] == "deleted in the source"
        redacted = attachment(5, file_name="redacted.txt", size=0)
        assert "redacted" in downloads.entry(7, redacted)["reason"]
        assert downloads.entry(7, overridden)["path"]
        assert mock.call_count == 1


def test_a_file_gone_from_zendesk_is_named_and_the_run_goes_on(downloads):
    with rm.Mocker() as mock:
        mock.get(attachment()["content_url"], status_code=404, json={"error": "RecordNotFound"})
        entry = downloads.entry(7, attachment())
    assert entry["path"] is None and entry["reason"].startswith("gone from the source (HTTP 404")


def test_a_429_is_waited_out_as_zendesk_says_by_every_download(downloads, clock):
    url = attachment()["content_url"]
    with rm.Mocker() as mock:
        mock.get(url, [{"status_code": 429, "headers": {"Retry-After": "7"}}, {"content": b"hi"}])
        assert downloads.entry(7, attachment())["size"] == 2
    assert 7.0 in clock.sleeps


def test_wrong_credentials_stop_the_run_with_what_to_check(downloads):
    with rm.Mocker() as mock:
        mock.get(
            attachment()["content_url"],
            status_code=401,
            json={"error": "Couldn't authenticate you"},
        )
        with pytest.raises(ZendeskAuthError, match=r"HTTP 401 .*check zendesk.userName"):
            downloads.entry(7, attachment())


def test_a_file_a_crashed_run_fetched_is_found_and_not_fetched_again(downloads):
    downloads.spool.directory.mkdir(parents=True)
    downloads.spool.path(1).write_bytes(b"hello")
    with rm.Mocker() as mock:
        entry = downloads.entry(7, attachment())
        assert mock.call_count == 0
    assert entry["size"] == 5
    assert downloads.counts["found in the spool"] == 1


class CutShort(io.RawIOBase):
    """A body whose connection breaks after its first bytes."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.sent:
            raise ProtocolError("Connection broken: IncompleteRead")
        self.sent = True
        return b"he"


def test_a_download_cut_short_is_retried_and_leaves_no_part_behind(downloads):
    with rm.Mocker() as mock:
        mock.get(attachment()["content_url"], [{"body": CutShort()} for _ in range(10)])
        with pytest.raises(RetriesExhaustedError, match="connection broke"):
            downloads.entry(7, attachment())
        assert mock.call_count == 7  # maxErrorRetries (6) retries
    assert list(downloads.spool.directory.iterdir()) == []


def test_the_spool_sweeps_what_earlier_runs_left(tmp_path):
    spool = FileSpool(tmp_path / "host")
    spool.directory.mkdir()
    stale, fresh, part = (spool.directory / name for name in ("1", "2", "3.999.part"))
    for path in (stale, fresh, part):
        path.write_bytes(b"x")
    old = time.time() - KEEP_FOR - 10
    os.utime(stale, (old, old))
    assert spool.sweep() == 2
    assert [p.name for p in spool.directory.iterdir()] == ["2"]


def test_a_spool_that_cannot_be_written_names_the_setting(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(SpoolError, match="fileSpool"):
        FileSpool(blocked / "host").found(1, 5)


def test_hide_signature_registers_the_query_and_secret_values():
    hide_signature("https://s.example/x?sig=s3cr3tvalue&expires=1")
    assert "s3cr3tvalue" not in redact("GET /x?sig=s3cr3tvalue&expires=1")


def test_every_comment_with_attachments_says_where_its_files_are(downloads):
    found = TicketComments(
        [
            {"id": 11, "attachments": [attachment()]},
            {"id": 12, "attachments": []},
        ]
    )
    with rm.Mocker() as mock:
        mock.get(attachment()["content_url"], content=b"hello")
        downloads.fetch(7, found)
    assert list(found.files) == [11]
    assert found.files[11][0]["attachment_id"] == 1
