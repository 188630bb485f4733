"""Reading a long-running plugin's stdout line by line, with deadlines."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any


class LiveProcess:
    """A subprocess whose stdout lines arrive in a queue as JSON messages."""

    def __init__(self, args: list[str], env: dict[str, str], stdin: int | None = None) -> None:
        self.process = subprocess.Popen(
            args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.messages: list[dict[str, Any]] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._threads = [
            threading.Thread(target=self._pump, daemon=True),
            threading.Thread(target=self._drain_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def __enter__(self) -> LiveProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self._close()

    def _close(self) -> None:
        for thread in self._threads:
            thread.join(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def read_until(self, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 30) -> None:
        """Collect messages until ``done(messages)`` holds; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while not done(self.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; stderr:\n{self.stderr[-3000:]}")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                if not done(self.messages):
                    raise AssertionError(f"process ended early; stderr:\n{self.stderr[-3000:]}")
                return
            if line.strip():
                self.messages.append(json.loads(line))

    def finish(self, timeout: float = 30) -> int:
        """Wait for the exit, collecting the remaining messages; returns the exit code."""
        returncode = self.process.wait(timeout=timeout)
        while True:
            line = self._lines.get(timeout=timeout)
            if line is None:
                break
            if line.strip():
                self.messages.append(json.loads(line))
        self._close()
        return returncode

    def records(self, stream: str = "tickets") -> list[dict[str, Any]]:
        """The records of one stream so far (the tickets by default)."""
        return [
            m["record"]
            for m in self.messages
            if m["type"] == "RECORD" and m.get("stream") == stream
        ]
