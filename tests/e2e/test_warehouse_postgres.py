"""The tap loaded into a warehouse: MeltanoLabs target-postgres (PyPI) on a real PostgreSQL
(installed by the test setup): a full load, then an incremental run with updates,
deletions and a field Zendesk added, one row per ticket."""

import json
import subprocess

import pytest

from tests.support.configs import tap_config
from tests.support.pipeline import run_pipeline
from tests.support.postgres import PostgresServer, PostgresUnavailableError, find_postgres
from tests.support.processes import write_json
from tests.support.tools import tool_venv

pytestmark = pytest.mark.slow

TARGET_POSTGRES = "meltanolabs-target-postgres==0.8.1"

QUERY = """
import json, sys
import psycopg
with psycopg.connect(sys.argv[1]) as connection:
    rows = connection.execute(sys.argv[2]).fetchall()
print(json.dumps(rows, default=str))
"""


@pytest.fixture(scope="module")
def target_postgres():
    return tool_venv("target-postgres", TARGET_POSTGRES)


@pytest.fixture(scope="module")
def postgres():
    try:
        bin_dir = find_postgres()
    except PostgresUnavailableError as exc:
        pytest.skip(f"PostgreSQL cannot be installed here: {exc}")
    with PostgresServer(bin_dir) as server:
        yield server


def _load(target_bin, postgres, tmp_path, base_url, *, name, state=None):
    """tap | target-postgres; returns the last STATE the target printed."""
    config = tap_config(tmp_path, base_url, name=f"{name}-tap.json", pageSize=100)
    args = []
    if state is not None:
        args = ["--state", str(write_json(tmp_path / f"{name}-state.json", state))]
    target_config = write_json(tmp_path / f"{name}-target.json", postgres.target_config())
    run = run_pipeline(
        config,
        target_config,
        tap_args=args,
        target=str(target_bin / "target-postgres"),
        timeout=300,
    )
    assert run.tap_returncode == 0, run.tap_stderr
    assert run.target_returncode == 0, run.target_stderr[-3000:]
    return json.loads(run.target_stdout.strip().splitlines()[-1]), run.tap_stderr


def _sql(target_bin, postgres, query):
    dsn = f"host={postgres.host} port={postgres.port} user=postgres dbname=postgres"
    result = subprocess.run(
        [str(target_bin / "python"), "-c", QUERY, dsn, query],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_full_load_then_incremental_run_into_postgres(
    target_postgres, postgres, make_sandbox, tmp_path
):
    sandbox = make_sandbox(tickets=400, rate_limits={})
    state, _ = _load(target_postgres, postgres, tmp_path, sandbox.base_url, name="full")

    def sql(query):
        return _sql(target_postgres, postgres, query)

    ids = sandbox.visible_ticket_ids()
    assert sql("select count(*), count(distinct id) from zendesk.tickets") == [[len(ids), len(ids)]]
    deleted_before = {
        row[0] for row in sql("select id from zendesk.tickets where status = 'deleted'")
    }
    assert deleted_before
    assert sql(
        "select count(*) from zendesk.tickets where (status = 'deleted') "
        "<> (_sdc_deleted_at is not null)"
    ) == [[0]]

    sandbox.update_tickets([5, 6], {"subject": "changed in Zendesk"})
    sandbox.delete_tickets([7])
    sandbox.update_tickets([8], {"sla_tier": "gold"})  # a field Zendesk added later
    sandbox.advance_clock(120)  # past the export's one-minute exclusion window
    _, tap_log = _load(
        target_postgres, postgres, tmp_path, sandbox.base_url, name="incremental", state=state
    )
    assert "Field 'sla_tier' of tickets is not in the schema" in tap_log

    assert sql("select count(*), count(distinct id) from zendesk.tickets") == [[len(ids), len(ids)]]
    assert sql("select id, subject from zendesk.tickets where id in (5, 6) order by id") == [
        [5, "changed in Zendesk"],
        [6, "changed in Zendesk"],
    ]
    ((status, deleted_at, updated_at),) = sql(
        "select status, _sdc_deleted_at, updated_at from zendesk.tickets where id = 7"
    )
    assert status == "deleted"
    assert deleted_at == updated_at
    assert sql("select id, sla_tier from zendesk.tickets where sla_tier is not null") == [
        [8, "gold"]
    ]
    # A soft-delete view: what is live in Zendesk.
    live = sql("select count(*) from zendesk.tickets where _sdc_deleted_at is null")
    assert live == [[len(ids) - len(deleted_before | {7})]]
    # Column types as the README's "Load into a warehouse" section lists them.
    columns = dict(
        sql(
            "select column_name, udt_name from information_schema.columns "
            "where table_schema = 'zendesk' and table_name = 'tickets'"
        )
    )
    print("column types:", json.dumps(columns, sort_keys=True))
    assert columns["sla_tier"] == "text"
    assert columns["generated_timestamp"] == "int8"
    assert columns["updated_at"] == columns["_sdc_deleted_at"] == "timestamp"
    assert columns["via"] == columns["satisfaction_rating"] == "jsonb"
    assert columns["custom_fields"] == "_jsonb"  # an array of JSON objects
