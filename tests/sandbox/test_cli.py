"""The ``zendesk-sandbox`` console script, run as a real subprocess."""

from __future__ import annotations

import argparse
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from zendesk_sandbox import Credentials
from zendesk_sandbox.cli import parse_rate_limit

SCRIPT = str(Path(sys.executable).parent / "zendesk-sandbox")


def read_line(process: subprocess.Popen, timeout: float = 10.0) -> str:
    """The next stdout line, failing instead of hanging if none comes."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), "no output from zendesk-sandbox"
    return process.stdout.readline().strip()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_its_url_first_and_exits_cleanly_on_a_signal(
    stop_signal: signal.Signals,
) -> None:
    command = [SCRIPT, "--port", "0", "--tickets", "120", "--no-rate-limit", "--verbose"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            url = read_line(process)
            assert url.startswith("http://127.0.0.1:")
            response = requests.get(
                url + "/api/v2/incremental/tickets/cursor.json",
                params={"start_time": 0, "support_type_scope": "all"},
                auth=Credentials().admin_basic,
                timeout=5,
            )
            assert response.status_code == 200
            assert len(response.json()["tickets"]) == 120
            assert "X-Rate-Limit" not in response.headers
            process.send_signal(stop_signal)
            assert process.wait(timeout=5) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.stdout.read() == "", "only the URL goes to stdout"
        stderr = process.stderr.read()
    assert (
        "GET /api/v2/incremental/tickets/cursor.json?start_time=0&support_type_scope=all -> 200"
        in stderr
    )
    assert "sandbox-api-token" not in stderr and "Traceback" not in stderr


def test_cli_applies_rate_limit_overrides() -> None:
    command = [SCRIPT, "--tickets", "10", "--rate-limit", "incremental-exports=1/30"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            url = read_line(process)
            responses = [
                requests.get(
                    url + "/api/v2/incremental/tickets/cursor",
                    params={"start_time": 0, "support_type_scope": "all"},
                    auth=Credentials().admin_basic,
                    timeout=5,
                )
                for _ in range(2)
            ]
            assert [r.status_code for r in responses] == [200, 429]
            assert responses[0].headers["X-Rate-Limit"] == "700"
            process.terminate()
            assert process.wait(timeout=5) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_cli_rejects_a_bad_rate_limit() -> None:
    result = subprocess.run(
        [SCRIPT, "--rate-limit", "exports=5/60"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown bucket" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("incremental-exports=10/60", ("incremental-exports", (10, 60.0))),
        ("account=3/0.5", ("account", (3, 0.5))),
        ("account=0/1", ("account", (0, 1.0))),
    ],
)
def test_parse_rate_limit(text: str, parsed: tuple) -> None:
    assert parse_rate_limit(text) == parsed


@pytest.mark.parametrize("text", ["account", "account=x/60", "account=5/0", "account=-1/60"])
def test_parse_rate_limit_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_rate_limit(text)


def serve(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [SCRIPT, "--no-rate-limit", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=5)
    process.stdout.close()
    process.stderr.close()


def test_cli_serves_two_overlapping_accounts_with_people_and_comments() -> None:
    first = serve("--tickets", "200", "--account", "0", "--universe", "4", "--overlap", "0.5")
    second = serve("--tickets", "200", "--account", "1", "--universe", "4", "--overlap", "0.5")
    try:
        auth = Credentials().admin_basic
        emails = []
        for process in (first, second):
            url = read_line(process)
            users = requests.get(url + "/api/v2/users.json", auth=auth, timeout=5).json()
            assert users["count"] > 40
            emails.append({u["email"] for u in users["users"]})
            comments = requests.get(url + "/api/v2/tickets/1/comments.json", auth=auth, timeout=5)
            assert comments.status_code == 200 and comments.json()["comments"]
        assert 0.3 < len(emails[0] & emails[1]) / len(emails[0]) < 0.7
    finally:
        stop(first)
        stop(second)


def test_cli_no_people_serves_the_idealised_account() -> None:
    process = serve("--tickets", "5", "--no-people")
    try:
        url = read_line(process)
        users = requests.get(url + "/api/v2/users.json", auth=Credentials().admin_basic, timeout=5)
        assert users.json()["users"] == []
    finally:
        stop(process)


def test_cli_state_dir_of_another_account_is_an_error(tmp_path: Path) -> None:
    process = serve("--tickets", "5", "--state-dir", str(tmp_path))
    try:
        read_line(process)
    finally:
        stop(process)
    result = subprocess.run(
        [SCRIPT, "--tickets", "6", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "other settings" in result.stderr and "Traceback" not in result.stderr
