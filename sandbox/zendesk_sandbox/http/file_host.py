"""The host that serves private attachments: signed URLs on another loopback port.

With private attachments (secure downloads), an authenticated GET of a file's
``content_url`` answers 302 to a short-lived signed URL elsewhere [DOC]; storage hosts of
that kind refuse a request that carries an ``Authorization`` header besides the signature
(as S3 does: 400 ``InvalidArgument``, "Only one auth mechanism allowed") and a URL past its
expiry (403 ``AccessDenied``, "Request has expired") [GUESS: Zendesk names neither the host
nor its answers; S3's are the model]. A URL lives ``FileRules.signed_url_lifetime`` seconds
of the sandbox clock. The signature is an HMAC with a key made at start, never written
anywhere; the request log keeps only the path.

It is started the first time a signed URL is handed out, and stopped with the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from zendesk_sandbox.account import Account
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.http.api_files import file_response

log = logging.getLogger("zendesk_sandbox.files")
PREFIX = "/files/"
XML = "application/xml"


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without its access log (which would print the signature)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_message(self, format: str, *args: object) -> None:
        log.debug("file host: %s", format % args if args else format)


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(body, status=status, content_type=XML)


class FileHost:
    """Signs URLs for the account's files and serves them from a server of its own."""

    def __init__(self, account: Account, config: SandboxConfig) -> None:
        self._account = account
        self._config = config  # read at each use: the file rules can change
        self._key = secrets.token_bytes(32)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.served = 0
        self.refused: dict[str, int] = {}

    @property
    def base_url(self) -> str:
        with self._lock:
            if self._server is None:
                self._start()
            assert self._server is not None
            return f"http://{self._config.host}:{self._server.port}"

    def signed_url(self, attachment: dict) -> str:
        """A URL for the file that works for ``signed_url_lifetime`` seconds, without auth."""
        lifetime = self._config.files.signed_url_lifetime
        expires = int(self._account.now() + lifetime)
        token = str(attachment.get("content_token") or f"sandbox{attachment['id']}")
        query = urlencode({"expires": expires, "signature": self._sign(token, expires)})
        return f"{self.base_url}{PREFIX}{token}?{query}"

    def _sign(self, token: str, expires: int) -> str:
        return hmac.new(self._key, f"{token}:{expires}".encode(), hashlib.sha256).hexdigest()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        response = self._answer(Request(environ))
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return self._refuse(*refusal)
        found = self._account.file_by_content_token(request.path[len(PREFIX) :])
        if found is None:
            return self._refuse("NoSuchKey", 404, "The specified key does not exist.")
        with self._lock:
            self.served += 1
        return file_response(found)

    def _refusal(self, request: Request) -> tuple[str, int, str] | None:
        """Why the request is refused (S3's code, status and message), or None."""
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return "NoSuchKey", 404, "The specified key does not exist."
        if request.headers.get("Authorization"):
            return (
                "InvalidArgument",
                400,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified",
            )
        try:
            expires = int(request.args.get("expires", ""))
        except ValueError:
            return "AccessDenied", 403, "Query-string authentication requires an expiry"
        signature = request.args.get("signature", "")
        if not hmac.compare_digest(signature, self._sign(request.path[len(PREFIX) :], expires)):
            return "SignatureDoesNotMatch", 403, "The request signature does not match."
        if self._account.now() >= expires:
            return "AccessDenied", 403, "Request has expired"
        return None

    def _refuse(self, code: str, status: int, message: str) -> Response:
        with self._lock:
            self.refused[code] = self.refused.get(code, 0) + 1
        log.info("file host refused a request: %s %s", status, code)
        return _s3_error(status, code, message)

    def stats(self) -> dict:
        with self._lock:
            return {"served": self.served, "refused": dict(self.refused)}

    def _start(self) -> None:
        server = make_server(
            self._config.host, 0, self, threaded=True, request_handler=_QuietHandler
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"zendesk-sandbox-files-{server.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            if thread is not None:
                thread.join()
            server.server_close()
