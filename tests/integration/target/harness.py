"""Running the real target-zendesk-tickets executable against sandbox accounts."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.processes import TARGET, clean_env, write_json
from tests.support.secrets import FIXED_SECRETS
from zendesk_sandbox import Credentials, Sandbox

DATA = Path(__file__).resolve().parents[2] / "data" / "target"
TAP_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "tap_zendesk_tickets/schemas/tickets.json").read_text()
)
SECRETS = FIXED_SECRETS


def target_config(
    tmp_path: Path, sandbox: Sandbox, *, name: str = "target.json", **overrides: Any
) -> Path:
    """Fast settings for tests (every wait in milliseconds); override anything."""
    config: dict[str, Any] = {
        "zendesk": {
            "domain": sandbox.base_url,
            "userName": Credentials.admin_email,
            "apiToken": Credentials.admin_token,
        },
        # The import's own mechanics, as these tests were written for; upsert (the default)
        # has tests of its own (test_upsert.py, test_copy.py).
        "load_method": "append-only",
        # The sandbox's export leaves out what changed in its exclusion window (60 s unless
        # a test sets it lower); tests that scan a destination's export set both.
        "destinationExportLag": "100ms",
        "jobPollInterval": "20ms",
        "defaultRetryAfter": "20ms",
        "retryBackoff": "5ms",
        "jobTimeout": "30s",
        "requestTimeout": "10s",
        "fileSpool": str(tmp_path / "spool"),  # where the tap's config puts files too
    }
    config.update(overrides)
    return write_json(tmp_path / name, config)


@dataclass
class TargetRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def states(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "| ERROR" in line]


def run_target(
    config: Path, lines: list[str] | str, *, env: dict[str, str] | None = None, timeout: float = 120
) -> TargetRun:
    text = lines if isinstance(lines, str) else "".join(line + "\n" for line in lines)
    result = subprocess.run(
        [TARGET, "--config", str(config)],
        input=text,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or clean_env(),
        check=False,
    )
    return TargetRun(result.returncode, result.stdout, result.stderr)


def killed_after(config: Path, lines: list[str], seconds: float) -> int:
    """Run the target on ``lines``, SIGKILL it after ``seconds``; the ``through`` of the
    last STATE it wrote (0: none), where a resumed run starts."""
    from tests.support.live import LiveProcess

    with LiveProcess([TARGET, "--config", str(config)], clean_env(), subprocess.PIPE) as killed:
        assert killed.process.stdin is not None
        killed.process.stdin.write("\n".join(lines) + "\n")
        killed.process.stdin.close()
        time.sleep(seconds)
        killed.process.kill()
        killed.process.wait(timeout=10)
        killed.finish()
        states = [m["through"] for m in killed.messages if "through" in m]
    return states[-1] if states else 0


def exported_tickets(source: Sandbox, count: int) -> list[dict[str, Any]]:
    """``count`` tickets as the export shows them, deleted ones left out."""
    tickets = []
    for ticket_id in source.visible_ticket_ids(exclude_deleted=True):
        tickets.append(source.exported_ticket(ticket_id))
        if len(tickets) == count:
            return tickets
    raise ValueError(f"the source sandbox has fewer than {count} tickets")


def schema_line(stream: str = "tickets", schema: dict | None = None) -> str:
    return json.dumps(
        {
            "type": "SCHEMA",
            "stream": stream,
            "schema": schema or TAP_SCHEMA,
            "key_properties": ["id"],
        }
    )


def record_line(record: Any, stream: str = "tickets") -> str:
    return json.dumps({"type": "RECORD", "stream": stream, "record": record})


def state_line(value: Any) -> str:
    return json.dumps({"type": "STATE", "value": value})


def singer_input(tickets: list[dict], *, state_every: int | None = None) -> list[str]:
    """SCHEMA, the tickets, a STATE after every ``state_every`` tickets and at the end."""
    lines = [schema_line()]
    for number, ticket in enumerate(tickets, start=1):
        lines.append(record_line(ticket))
        if state_every and number % state_every == 0:
            lines.append(state_line({"through": number}))
    lines.append(state_line({"through": len(tickets)}))
    return lines


def expected_external_id(ticket: dict) -> str:
    return ticket.get("external_id") or str(ticket["id"])


def imported_by_external_id(sandbox: Sandbox) -> dict[str, dict]:
    imported: dict[str, dict] = {}
    for ticket in sandbox.imported_tickets():
        assert ticket["external_id"] not in imported, f"imported twice: {ticket['external_id']}"
        imported[ticket["external_id"]] = ticket
    return imported


def wait_for_fault(sandbox: Sandbox, kind: str, timeout: float = 30) -> None:
    """Wait until the sandbox has finished a request that took a ``kind`` fault.

    A client that gave up on a slow call has moved on while the sandbox still acts it out;
    what that call does to the account is only known once the sandbox has answered it.
    """
    deadline = time.monotonic() + timeout
    while not any(entry["fault"] == kind for entry in sandbox.request_log()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no request with a {kind!r} fault was answered")
        time.sleep(0.02)
