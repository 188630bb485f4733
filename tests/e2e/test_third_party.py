"""Working with other Singer tools: the tap's output loads into target-jsonl (PyPI), and
messages written by singer-python, the original Singer library, import through our target."""

import json
import subprocess

import pytest

from tests.support.configs import tap_config
from tests.support.pipeline import run_pipeline
from tests.support.processes import TAP, TARGET, clean_env, parse_lines, write_json
from tests.support.tools import tool_venv
from zendesk_sandbox import Credentials

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def singer_tools():
    """target-jsonl brings singer-python with it."""
    return tool_venv("target-jsonl", "target-jsonl==0.1.4")


def test_tap_output_loads_into_target_jsonl(singer_tools, make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=250, rate_limits={})
    output = tmp_path / "jsonl"
    output.mkdir()
    config = write_json(tmp_path / "jsonl.json", {"destination_path": str(output)})
    run = run_pipeline(
        tap_config(tmp_path, sandbox.base_url, pageSize=100),
        config,
        target=str(singer_tools / "target-jsonl"),
        timeout=300,
    )
    assert run.tap_returncode == 0, run.tap_stderr
    assert run.target_returncode == 0, run.target_stderr

    files = list(output.glob("tickets*.jsonl"))
    assert len(files) == 1
    rows = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert [row["id"] for row in rows] == sandbox.visible_ticket_ids()
    exported = sandbox.exported_ticket(rows[0]["id"])
    if exported["status"] == "deleted":  # the tap marks deletions for SQL targets
        exported["_sdc_deleted_at"] = exported["updated_at"]
    assert rows[0] == exported
    # target-jsonl echoes the last STATE it received: the tap's final bookmark.
    state = json.loads(run.target_stdout.strip().splitlines()[-1])
    assert state["bookmarks"]["tickets"]["id"] == rows[-1]["id"]


def test_the_copy_streams_load_into_target_jsonl(singer_tools, make_account, tmp_path):
    """Every stream, ticket_comments too, from a realistic account: one file each, every
    record of the tap's output in it, and the tap's last STATE echoed."""
    from tests.support.account_setup import add_record_fields
    from tests.support.catalogs import COPY_STREAMS, catalog_selecting

    account = make_account(tickets=200)  # a live problem with incidents among them
    add_record_fields(account)
    output = tmp_path / "jsonl"
    output.mkdir()
    config = write_json(tmp_path / "jsonl.json", {"destination_path": str(output)})
    catalog = write_json(tmp_path / "catalog.json", catalog_selecting(COPY_STREAMS))
    tap_args = [TAP, "--config", str(tap_config(tmp_path, account.base_url, pageSize=50))]
    tap = subprocess.run(
        [*tap_args, "--catalog", str(catalog)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
        check=True,
    )
    target = subprocess.run(
        [str(singer_tools / "target-jsonl"), "--config", str(config)],
        input=tap.stdout,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert target.returncode == 0, target.stderr

    sent = {}
    for message in parse_lines(tap.stdout):
        if message["type"] == "RECORD":
            sent.setdefault(message["stream"], []).append(message["record"])
    assert set(sent) == COPY_STREAMS
    for stream, records in sent.items():
        (path,) = output.glob(f"{stream}-*.jsonl")
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert rows == records, stream
    state = json.loads(target.stdout.strip().splitlines()[-1])
    assert state == [m for m in parse_lines(tap.stdout) if m["type"] == "STATE"][-1]["value"]


SINGER_PYTHON_WRITER = """
import singer
schema = {"type": "object", "properties": {"id": {"type": "integer"}, "subject": {"type": "string"},
          "description": {"type": "string"}, "status": {"type": "string"}, "priority": {"type": "string"},
          "created_at": {"type": "string", "format": "date-time"}, "tags": {"type": "array", "items": {"type": "string"}}}}
singer.write_schema("support_tickets", schema, ["id"])
for i in range(1, 31):
    singer.write_record("support_tickets", {"id": 9000 + i, "subject": f"Legacy {i}", "description": "Imported",
                        "status": "closed", "priority": "low", "created_at": "2019-05-01T10:00:00Z", "tags": ["legacy"]})
    if i % 10 == 0:
        singer.write_state({"legacy_position": i})
"""


def test_messages_from_singer_python_import_through_our_target(
    singer_tools, make_sandbox, tmp_path
):
    destination = make_sandbox(tickets=0, job_delay=0.02)
    messages = subprocess.run(
        [str(singer_tools / "python"), "-c", SINGER_PYTHON_WRITER],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    config = write_json(
        tmp_path / "target.json",
        {
            "zendesk": {
                "domain": destination.base_url,
                "userName": Credentials.admin_email,
                "apiToken": Credentials.admin_token,
            },
            "jobPollInterval": "20ms",
            "bufferSize": 10,
        },
    )
    result = subprocess.run(
        [TARGET, "--config", str(config)],
        input=messages,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [s["legacy_position"] for s in parse_lines(result.stdout)] == [10, 20, 30]
    imported = destination.imported_tickets()
    assert sorted(t["external_id"] for t in imported) == [str(9000 + i) for i in range(1, 31)]
    assert all(
        t["created_at"] == "2019-05-01T10:00:00Z" and t["status"] == "closed" for t in imported
    )
