"""Running the real console scripts as subprocesses, the way a pipeline runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
TAP = str(BIN / "tap-zendesk-tickets")
TARGET = str(BIN / "target-zendesk-tickets")


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without settings that would leak into the plugins."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TAP_ZENDESK_TICKETS_", "TARGET_ZENDESK_TICKETS_"))
        and key not in {"LOGLEVEL", "SINGER_SDK_LOG_CONFIG"}
    }
    env.update(extra)
    return env


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [m["record"] for m in self.messages if m.get("type") == "RECORD"]

    def records_of(self, stream: str) -> list[dict[str, Any]]:
        """The records of one stream, in output order."""
        return [
            m["record"]
            for m in self.messages
            if m.get("stream") == stream and m.get("type") == "RECORD"
        ]

    @property
    def tickets(self) -> list[dict[str, Any]]:
        return self.records_of("tickets")

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m.get("type") == "STATE"]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def parse_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def run_tap(
    config_path: Path,
    *,
    state: dict | None = None,
    state_path: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    catalog: dict | None = None,
) -> Run:
    args = [TAP, "--config", str(config_path)]
    if catalog is not None:
        args += ["--catalog", str(write_json(config_path.with_name("catalog.json"), catalog))]
    if state is not None:
        state_path = write_json(config_path.with_name("state-in.json"), state)
    if state_path is not None:
        args += ["--state", str(state_path)]
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env=env or clean_env(), check=False
    )
    messages = parse_lines(result.stdout) if result.stdout else []
    return Run(result.returncode, result.stdout, result.stderr, messages)
