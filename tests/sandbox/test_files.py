"""Files: generated attachments and their bytes, private attachments, uploads, and comments
that take uploads (docs/sandbox.md, "Files")."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
import requests

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox
from zendesk_sandbox.config import FileRules, SandboxConfig


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=300)


@pytest.fixture
def account_api(account, make_api) -> Api:
    return make_api(account)


def every_file(account: Sandbox) -> list[tuple[int, dict, dict]]:
    """``(ticket id, comment, attachment)`` of every file, inline images included."""
    return [
        (ticket_id, comment, attachment)
        for ticket_id in account.visible_ticket_ids(exclude_deleted=True)
        for comment in account.comments(ticket_id, inline_images=True)
        for attachment in comment["attachments"]
    ]


def first(files, **traits):
    return next(a for _, _, a in files if all(a.get(key) == value for key, value in traits.items()))


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_generated_files_range_from_a_few_bytes_to_megabytes_with_every_kind(account) -> None:
    files = every_file(account)
    sizes = [a["size"] for _, _, a in files]
    assert min(s for s in sizes if s) < 100 and max(sizes) > 1_000_000
    kinds = {
        "inline": any(a["inline"] for _, _, a in files),
        "malware": any(a["malware_scan_result"] == "malware_found" for _, _, a in files),
        "overridden": any(a["malware_access_override"] for _, _, a in files),
        "redacted": any(a["file_name"] == "redacted.txt" and a["size"] == 0 for _, _, a in files),
        "deleted": any(a["deleted"] for _, _, a in files),
    }
    assert all(kinds.values()), kinds
    for _, comment, attachment in files:
        if attachment["inline"]:  # an inline image is shown by its comment's html_body
            assert f'src="{attachment["content_url"]}"' in comment["html_body"]


def test_inline_images_are_listed_only_when_asked_for(account, account_api) -> None:
    ticket_id, _, image = next(f for f in every_file(account) if f[2]["inline"])
    path = f"/api/v2/tickets/{ticket_id}/comments.json"
    plain = account_api.get(path).json()["comments"]
    asked = account_api.get(path, params={"include_inline_images": "true"}).json()["comments"]
    assert image["id"] not in {a["id"] for c in plain for a in c["attachments"]}
    assert image["id"] in {a["id"] for c in asked for a in c["attachments"]}


def test_a_files_bytes_are_served_at_its_content_url_the_same_every_time(account) -> None:
    files = every_file(account)
    plain = first(files, malware_scan_result="malware_not_found", deleted=False, inline=False)
    answer = requests.get(plain["content_url"], timeout=10)
    assert answer.status_code == 200 and len(answer.content) == plain["size"]
    assert answer.headers["Content-Type"].startswith(plain["content_type"])
    again = requests.get(plain["content_url"], timeout=10)
    assert digest(again.content) == digest(answer.content)
    assert account.attachment_digest(plain["id"]) == (plain["size"], digest(answer.content))
    redacted = first(files, file_name="redacted.txt")
    assert requests.get(redacted["content_url"], timeout=10).content == b""


def test_malware_is_refused_unless_overridden_and_deleted_files_are_gone(account) -> None:
    files = every_file(account)
    flagged = first(files, malware_scan_result="malware_found", malware_access_override=False)
    refused = requests.get(flagged["content_url"], timeout=10)
    assert refused.status_code == 403 and "malware" in refused.json()["description"]
    overridden = first(files, malware_scan_result="malware_found", malware_access_override=True)
    assert requests.get(overridden["content_url"], timeout=10).status_code == 200
    deleted = first(files, deleted=True)
    assert requests.get(deleted["content_url"], timeout=10).status_code == 404


def test_private_attachments_answer_302_to_a_signed_url_elsewhere(account, session) -> None:
    account.set_file_rules(private_attachments=True, signed_url_lifetime=30)
    plain = first(every_file(account), malware_scan_result="malware_not_found", deleted=False)
    assert requests.get(plain["content_url"], timeout=10).status_code == 401
    redirect = session.get(plain["content_url"], allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    signed = redirect.headers["Location"]
    assert urlsplit(signed).netloc != urlsplit(account.base_url).netloc
    carrying_auth = requests.get(signed, headers={"Authorization": "Basic eDp5"}, timeout=10)
    assert carrying_auth.status_code == 400 and "Only one auth mechanism" in carrying_auth.text
    fetched = requests.get(signed, timeout=10)
    assert fetched.status_code == 200 and len(fetched.content) == plain["size"]
    tampered = signed.replace("signature=", "signature=0")
    assert requests.get(tampered, timeout=10).status_code == 403
    account.advance_clock(31)
    expired = requests.get(signed, timeout=10)
    assert expired.status_code == 403 and "Request has expired" in expired.text
    assert account.files_stats()["file_host"]["refused"]["InvalidArgument"] == 1


def upload(api: Api, name: str, content: bytes, content_type: str = "text/plain", **params):
    return api.post(
        "/api/v2/uploads.json",
        params={"filename": name, **params},
        data=content,
        headers={"Content-Type": content_type},
    )


def test_an_upload_answers_with_its_token_and_file_as_zendesk_does(account, account_api) -> None:
    answer = upload(account_api, "notes.txt", b"hello")
    assert answer.status_code == 201, answer.text
    made = answer.json()["upload"]
    assert set(made) == {"token", "expires_at", "attachments", "attachment"}
    assert len(made["token"]) == 25 and made["attachments"] == [made["attachment"]]
    assert made["attachment"]["content_type"] == "text/plain"
    assert made["attachment"]["malware_scan_result"] == "not_scanned"
    assert requests.get(made["attachment"]["content_url"], timeout=10).content == b"hello"
    more = upload(account_api, "more.log", b"x" * 10, token=made["token"]).json()["upload"]
    assert more["token"] == made["token"] and len(more["attachments"]) == 2
    guessed = upload(account_api, "photo.png", b"\x89PNG", "application/octet-stream")
    assert guessed.json()["upload"]["attachment"]["content_type"] == "image/png"


def test_uploads_expire_on_the_sandbox_clock_and_are_deleted(account, account_api) -> None:
    made = upload(account_api, "notes.txt", b"hello").json()["upload"]
    shown = f"/api/v2/attachments/{made['attachment']['id']}.json"
    assert account_api.get(shown).status_code == 200
    account.advance_clock(3601)
    assert account_api.get(shown).status_code == 404
    assert requests.get(made["attachment"]["content_url"], timeout=10).status_code == 404


def test_uploads_the_destination_refuses(make_account, make_api) -> None:
    rules = FileRules(allowed_file_types=("png", "txt"), max_upload_size=1000)
    account = make_account(tickets=0, files=rules)
    api = make_api(account)
    blank = upload(api, "a.txt", b"x", content_type="")
    assert blank.status_code == 422 and "Content type cannot be blank" in blank.text
    refused = upload(api, "tool.exe", b"MZ")
    assert refused.status_code == 422 and ".exe is not allowed" in refused.text
    large = upload(api, "big.txt", b"x" * 1001)
    assert large.status_code == 413 and "larger than the account allows" in large.text
    assert account.files_stats()["uploads_waiting"] == 0


def import_with(api: Api, comment: dict) -> int:
    answer = api.import_one({"subject": "Files", "comments": [comment]})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]["id"]


def test_an_import_attaches_uploads_and_shows_its_own_files(account, account_api) -> None:
    image = upload(account_api, "chart.png", b"\x89PNG" * 50, "image/png").json()["upload"]
    notes = upload(account_api, "notes.txt", b"hello").json()["upload"]
    url = image["attachment"]["content_url"]
    ticket_id = import_with(
        account_api,
        {
            "html_body": f'<p>See <img src="{url}"></p>',
            "uploads": [image["token"], notes["token"]],
        },
    )
    comment = account.comments(ticket_id, inline_images=True)[0]
    files = {a["file_name"]: a for a in comment["attachments"]}
    assert set(files) == {"chart.png", "notes.txt"}
    assert files["chart.png"]["inline"] is True and files["notes.txt"]["inline"] is False
    assert f'src="{files["chart.png"]["content_url"]}"' in comment["html_body"]
    assert files["notes.txt"]["content_url"].startswith(account.base_url)
    content = requests.get(files["notes.txt"]["content_url"], timeout=10).content
    assert content == b"hello"
    # A token is taken once: naming it again attaches nothing.
    again = import_with(account_api, {"body": "again", "uploads": [notes["token"]]})
    assert account.comments(again)[0]["attachments"] == []
    assert account.files_stats()["dead_tokens"] == 1


def test_an_expired_token_is_ignored_by_the_comment_that_names_it(account, account_api) -> None:
    made = upload(account_api, "notes.txt", b"hello").json()["upload"]
    account.advance_clock(3601)
    ticket_id = import_with(account_api, {"body": "late", "uploads": [made["token"]]})
    assert account.comments(ticket_id)[0]["attachments"] == []
    assert account.files_stats()["dead_tokens"] == 1


def test_an_update_attaches_the_uploads_of_its_comment(account, account_api) -> None:
    ticket_id = import_with(account_api, {"body": "first"})
    made = upload(account_api, "notes.txt", b"hello").json()["upload"]
    answer = account_api.put(
        f"/api/v2/tickets/{ticket_id}.json",
        json={"ticket": {"comment": {"body": "with a file", "uploads": [made["token"]]}}},
    )
    assert answer.status_code == 200, answer.text
    last = account.comments(ticket_id)[-1]
    assert [a["file_name"] for a in last["attachments"]] == ["notes.txt"]


def test_downloads_count_against_their_own_bucket(make_account) -> None:
    account = make_account(tickets=300, rate_limits={"attachment-downloads": (1, 60.0)})
    plain = first(every_file(account), malware_scan_result="malware_not_found", deleted=False)
    assert requests.get(plain["content_url"], timeout=10).status_code == 200
    limited = requests.get(plain["content_url"], timeout=10)
    assert limited.status_code == 429 and limited.headers["Retry-After"]


def test_attached_files_outlive_a_restart_of_a_kept_account(tmp_path, make_api) -> None:
    config = SandboxConfig(tickets=0, job_delay=0.05, rate_limits={}, state_dir=tmp_path)
    with Sandbox(config) as account:
        api = make_api(account)
        made = upload(api, "notes.txt", b"kept").json()["upload"]
        ticket_id = import_with(api, {"body": "kept", "uploads": [made["token"]]})
    with Sandbox(config) as again:
        kept = again.comments(ticket_id)[0]["attachments"][0]
        assert requests.get(kept["content_url"], timeout=10).content == b"kept"
