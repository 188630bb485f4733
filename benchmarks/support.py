"""Shared pieces of the benchmarks: a sandbox in its own process, timed child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
SANDBOX = str(BIN / "zendesk-sandbox")


class SandboxProcess:
    """``zendesk-sandbox`` started as a child process; its URL is the first stdout line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [SANDBOX, "--port", "0", *args], stdout=subprocess.PIPE, text=True
        )
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"the sandbox did not start: {self.base_url!r}")

    def admin(self, path: str) -> object:
        with urllib.request.urlopen(f"{self.base_url}/_sandbox/{path}") as answer:
            return json.load(answer)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a big account may take long to shut down
            self.process.kill()
            self.process.wait(timeout=30)
        self.process.stdout.close()


@dataclass
class Measured:
    seconds: float
    max_rss_mb: float
    returncode: int


def measure(
    command: Sequence[str], *, stdin: Path | None = None, stdout: Path | None = None
) -> Measured:
    """Run a command to the end; wall time and the child's own peak RSS."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TAP_ZENDESK", "TARGET_ZENDESK"))
    }
    with (
        open(stdin or os.devnull, "rb") as input_file,
        open(stdout or os.devnull, "wb") as output_file,
    ):
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdin=input_file, stdout=output_file, stderr=subprocess.DEVNULL, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(seconds, usage.ru_maxrss / 1024, process.returncode)


def measure_pipe(
    tap: Sequence[str], target: Sequence[str], *, target_stderr: Path | None = None
) -> tuple[float, float, float]:
    """Run ``tap | target`` to the end: (seconds, tap peak RSS MB, target peak RSS MB);
    SystemExit naming the plugin that failed."""
    started = time.perf_counter()
    with open(target_stderr or os.devnull, "w") as log:
        producer = subprocess.Popen(tap, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        consumer = subprocess.Popen(
            target, stdin=producer.stdout, stdout=subprocess.DEVNULL, stderr=log
        )
        assert producer.stdout is not None
        producer.stdout.close()  # the target holds the pipe's only reading end
        peaks = {}
        for name, process in (("tap", producer), ("target", consumer)):
            _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status):
                where = f"; see {target_stderr}" if target_stderr else ""
                raise SystemExit(f"the {name} failed{where}")
            peaks[name] = usage.ru_maxrss / 1024
    return time.perf_counter() - started, peaks["tap"], peaks["target"]


def write_config(path: Path, config: dict) -> Path:
    path.write_text(json.dumps(config))
    return path
