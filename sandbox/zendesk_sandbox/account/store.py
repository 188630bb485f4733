"""Keeping an account's changes in a directory between runs (``SandboxConfig.state_dir``).

The generated account is rebuilt from its settings on every start; only what changed is
written down, as an append-only journal of JSON lines (``journal.jsonl``): tickets as they
were stored, users and fields made through the API, jobs, and the clock offset. Replaying
it on start puts the account back where it was. ``account.json`` records the settings
that decide the generated data; starting with other ones is an error rather than a
silent mix of two accounts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from zendesk_sandbox.config import SandboxConfig

JOURNAL = "journal.jsonl"
SETTINGS = "account.json"


class StateMismatchError(ValueError):
    """The state directory belongs to an account with other settings."""


def fingerprint(config: SandboxConfig) -> dict:
    """The settings the generated data depends on (``empty`` only when set, so older state
    directories still match)."""
    return ({"empty": True} if config.empty else {}) | {
        "tickets": config.tickets,
        "seed": config.seed,
        "people": config.people,
        "account": config.account,
        "universe": config.universe,
        "overlap": config.overlap,
        "admin_email": config.credentials.admin_email,
        "agent_email": config.credentials.agent_email,
    }


class Store:
    """The journal of one account's state directory."""

    def __init__(self, directory: str | Path, config: SandboxConfig) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        settings = self.directory / SETTINGS
        wanted = fingerprint(config)
        if settings.exists():
            saved = json.loads(settings.read_text())
            if saved != wanted:
                raise StateMismatchError(
                    f"{self.directory} holds an account made with other settings ({saved}); "
                    "use another directory or remove it to start over"
                )
        else:
            settings.write_text(json.dumps(wanted, indent=2) + "\n")
        self.path = self.directory / JOURNAL
        self._file: IO[str] | None = None

    def records(self) -> Iterator[dict]:
        """Every record written so far, oldest first (a torn last line is skipped)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as journal:
            for line in journal:
                if not line.endswith("\n"):
                    return  # the process stopped in the middle of writing it
                if line.strip():
                    yield json.loads(line)

    def append(self, record: dict) -> None:
        if self._file is None:
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
