"""``Sandbox``: a fake Zendesk account served over loopback HTTP from a background thread.

Use it as a context manager (``with Sandbox(SandboxConfig(tickets=1000)) as sb: ...``) or
call ``start()``/``stop()``. Its other methods (``SandboxControls``, controls.py) are the
in-process twin of the admin API, so tests can script the account without HTTP.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.http.app import FaultResetError, SandboxApp
from zendesk_sandbox.http.controls import SandboxControls

log = logging.getLogger("zendesk_sandbox")

# How often the serving loop checks for stop(): small, so that tests that start and stop
# hundreds of sandboxes do not wait on it. The CLI, which stops once, polls less often.
POLL_INTERVAL = 0.005


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, without its access log (the app logs requests) and able to reset.

    A ``reset`` fault ends the request with ``FaultResetError``; the handler then stops
    reading the connection and closes it with SO_LINGER 0, which sends a TCP reset instead
    of an orderly close, as a crashed proxy would.
    """

    resetting = False

    def connection_dropped(self, error: BaseException, environ: dict | None = None) -> None:
        if isinstance(error, FaultResetError):
            self.resetting = True
            self.close_connection = True

    def finish(self) -> None:
        super().finish()
        if self.resetting:
            with contextlib.suppress(OSError):
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.connection.close()  # the server's own shutdown/close then do nothing

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header: Zendesk's time is the sandbox clock (advance_clock moves it)."""
        app = getattr(self.server, "app", None)
        if timestamp is None and isinstance(app, SandboxApp):
            timestamp = app.sandbox.account.now()
        return super().date_time_string(timestamp)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: object) -> None:
        log.debug("server: %s", format % args if args else format)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("server: %s", format % args if args else format)


class Sandbox(SandboxControls):
    """One sandbox account (see ``SandboxControls``) and its HTTP server."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        super().__init__(config)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, poll_interval: float = POLL_INTERVAL) -> Sandbox:
        """Bind the port and serve from a daemon thread; returns self.

        ``poll_interval`` is how often the serving loop checks whether to stop.
        """
        if self._server is not None:
            return self
        self.stopping.clear()
        try:
            server = make_server(
                self.config.host,
                self.config.port,
                SandboxApp(self),
                threaded=True,
                request_handler=QuietRequestHandler,
            )
        except SystemExit:
            # werkzeug exits the process when it cannot bind; a library call should raise.
            raise OSError(f"cannot listen on {self.config.host}:{self.config.port}") from None
        server.handle_error = _log_server_error  # type: ignore[method-assign, assignment]
        host = server.host if ":" not in server.host else f"[{server.host}]"
        self._base_url = f"http://{host}:{server.port}"
        self.account.set_base_url(self._base_url)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name=f"zendesk-sandbox-{server.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.stopping.set()
        self.file_host.stop()
        server.shutdown()
        if thread is not None:
            thread.join()
        server.server_close()
        self._server = self._thread = None
        self.account.close_store()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _log_server_error(_request: object, client_address: object) -> None:
    # socketserver prints tracebacks to stderr by default; a test double should stay quiet.
    log.debug("error while serving %s", client_address, exc_info=True)
