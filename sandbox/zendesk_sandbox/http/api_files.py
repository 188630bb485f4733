"""Handlers of the file endpoints: uploads, Show Attachment, and a file's bytes.

- ``POST /api/v2/uploads?filename=NAME[&token=T]`` with the raw bytes as the body and the
  file's Content-Type: 201 ``{"upload": {"token", "expires_at", "attachments",
  "attachment"}}`` [DOC, REC]. The body is written to disk as it comes, outside the
  account's lock, so a large file holds up nothing else and costs no memory.
- ``GET /api/v2/attachments/{id}``: ``{"attachment"}``; an upload whose token expired
  unattached is a 404 (Zendesk deletes it) [DOC].
- ``GET /attachments/token/{token}/?name=NAME`` (a file's ``content_url``): its bytes,
  streamed; counted against ``attachment-downloads``, not the account's budget [GUESS].
  A file flagged as malware and not overridden is a 403, a deleted one a 404 [GUESS:
  the answers; the rules DOC]. With private attachments (secure downloads), it needs the
  account's credentials and answers 302 to a signed URL on another host (``file_host.py``)
  [DOC].
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from werkzeug.wrappers import Response

from zendesk_sandbox.account.files import check_upload, receive
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.generated import attachments as generated
from zendesk_sandbox.http.auth import authenticate
from zendesk_sandbox.http.context import Call
from zendesk_sandbox.http.responses import json_response
from zendesk_sandbox.http.views import attachment_json
from zendesk_sandbox.timefmt import iso

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
MALWARE = {
    "error": "Forbidden",
    "description": "This attachment was flagged as malware and cannot be downloaded",
}
CHUNK = 256 * 1024


def handle_upload(call: Call) -> Response:
    """``POST /api/v2/uploads(.json)?filename=NAME[&token=T]``."""
    request, account = call.request, call.account
    name = request.args.get("filename")
    content_type = request.headers.get("Content-Type")
    check_upload(account.config, name, content_type, request.content_length)
    assert name is not None
    assert content_type is not None
    received = receive(
        request.stream, account.files.directory, account.config.files.max_upload_size
    )
    upload, attachment = account.add_upload(name, content_type, received, request.args.get("token"))
    base = call.base_url
    body = {
        "upload": {
            "token": upload["token"],
            "expires_at": iso(upload["expires_at"]),
            "attachments": [attachment_json(a, base) for a in upload["attachments"]],
            "attachment": attachment_json(attachment, base),
        }
    }
    location = f"{base}/api/v2/attachments/{attachment['id']}.json"
    return json_response(body, 201, {"Location": location})


def handle_attachment_show(call: Call) -> Response:
    """``GET /api/v2/attachments/{id}(.json)``."""
    found = call.account.attachment(call.values["attachment_id"])
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return json_response({"attachment": attachment_json(found, call.base_url)})


def handle_content(call: Call) -> Response:
    """``GET /attachments/token/{token}/``: a file's bytes, or the 302 to its signed URL."""
    account = call.account
    found = account.file_by_content_token(call.values["token"])
    if found is None or found.get("deleted"):
        raise ApiError(404, NOT_FOUND)
    if found.get("malware_scan_result") == "malware_found" and not found.get(
        "malware_access_override"
    ):
        raise ApiError(403, MALWARE)
    if account.config.files.private_attachments:
        authenticate(
            call.request.headers.get("Authorization"),
            account.config.credentials,
            call.oauth.caller if call.oauth else None,
        )
        if call.file_host is None:
            raise RuntimeError("private attachments need the sandbox's file host")
        return Response(status=302, headers={"Location": call.file_host.signed_url(found)})
    return file_response(found)


def file_response(found: dict) -> Response:
    """The bytes of a file (a generated one, or one uploaded), streamed."""
    size = int(found["size"])
    path = found.get("path")
    chunks = _read(Path(path)) if path else generated.content(found["id"], size, CHUNK)
    return Response(
        chunks,
        content_type=found["content_type"],
        direct_passthrough=True,
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="{found["file_name"]}"',
        },
    )


def _read(path: Path) -> Iterator[bytes]:
    with contextlib.suppress(FileNotFoundError), path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk
