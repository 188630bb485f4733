"""The tap loaded into a warehouse: MeltanoLabs target-postgres (PyPI) on a real PostgreSQL
(installed by the test setup): a full load, then an incremental run with updates,
deletions and a field Zendesk added, one row per ticket; and every analytics stream, one
row per key, the metrics of a ticket as the API shows them, a status change in the field
history, and the README's example queries."""

import json
import re
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.account_setup import add_record_fields
from tests.support.catalogs import ALL_STREAMS, catalog_selecting
from tests.support.configs import tap_config
from tests.support.pipeline import run_pipeline
from tests.support.postgres import PostgresServer, PostgresUnavailableError, find_postgres
from tests.support.processes import write_json
from tests.support.tools import tool_venv
from zendesk_sandbox import Credentials

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


def _load(
    target_bin, postgres, tmp_path, base_url, *, name, state=None, catalog=None, schema="zendesk"
):
    """tap | target-postgres; returns the last STATE the target printed."""
    config = tap_config(tmp_path, base_url, name=f"{name}-tap.json", pageSize=100)
    args = []
    if state is not None:
        args = ["--state", str(write_json(tmp_path / f"{name}-state.json", state))]
    if catalog is not None:
        args += ["--catalog", str(write_json(tmp_path / f"{name}-catalog.json", catalog))]
    target_config = write_json(
        tmp_path / f"{name}-target.json", postgres.target_config(default_target_schema=schema)
    )
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


#: The key of each stream's table (``id`` unless named here).
KEYS = {
    "ticket_metrics": "ticket_id",
    "tags": "name",
    "ticket_field_history": "id, field_name",
    "ticket_incidents": "problem_id, incident_id",
}
README = Path(__file__).parents[2] / "README.md"


def readme_queries():
    """The README's example SQL, by its first line (``-- first reply time`` ...)."""
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text(), re.DOTALL)
    return {block.splitlines()[0].removeprefix("-- ").strip(): block for block in blocks}


def test_every_analytics_stream_into_postgres(target_postgres, postgres, make_account, tmp_path):
    account = make_account(tickets=300)
    add_record_fields(account)
    catalog = catalog_selecting(ALL_STREAMS)
    state, _ = _load(
        target_postgres,
        postgres,
        tmp_path,
        account.base_url,
        name="analytics",
        catalog=catalog,
        schema="analytics",
    )

    def sql(query):
        return _sql(target_postgres, postgres, query)

    # One row per key in every stream's table.
    for stream in sorted(ALL_STREAMS):
        key = KEYS.get(stream, "id")
        ((rows, keys),) = sql(f"select count(*), count(distinct ({key})) from analytics.{stream}")
        assert rows == keys, stream
        assert rows > 0, stream
    # A ticket's metrics are the API's.
    ids = [
        t for t in account.visible_ticket_ids() if account.exported_ticket(t)["status"] != "deleted"
    ]
    for ticket_id in ids[::60]:
        shown = _api(account, f"/api/v2/tickets/{ticket_id}/metrics.json")["ticket_metric"]
        (row,) = sql(
            f"select row_to_json(m) from analytics.ticket_metrics m where ticket_id = {ticket_id}"
        )
        loaded = row[0]
        for name, value in shown.items():
            assert _plain(loaded[name]) == _plain(value), (ticket_id, name)
    # Deleted tickets: their metrics rows are marked.
    deleted = sql("select count(*) from analytics.tickets where _sdc_deleted_at is not null")
    marked = sql("select count(*) from analytics.ticket_metrics where _sdc_deleted_at is not null")
    assert deleted == marked and deleted[0][0] > 0

    # A status change, then the next run: it is in the field history.
    ticket_id = next(t for t in ids if account.exported_ticket(t)["status"] == "open")
    answer = requests.put(
        f"{account.base_url}/api/v2/tickets/{ticket_id}.json",
        json={"ticket": {"status": "pending"}},
        auth=Credentials().admin_basic,
    )
    assert answer.status_code == 200, answer.text
    account.advance_clock(180)
    _load(
        target_postgres,
        postgres,
        tmp_path,
        account.base_url,
        name="analytics-next",
        state=state,
        catalog=catalog,
        schema="analytics",
    )
    history = sql(
        "select value, previous_value, updated_at from analytics.ticket_field_history "
        f"where ticket_id = {ticket_id} and field_name = 'status' order by updated_at, id"
    )
    assert history[-1][:2] == ["pending", "open"]
    assert history[-1][2].replace(" ", "T") + "Z" == answer.json()["ticket"]["updated_at"]
    ((rows, keys),) = sql(
        "select count(*), count(distinct (id, field_name)) from analytics.ticket_field_history"
    )
    assert rows == keys
    ((status_updated,),) = sql(
        f"select status_updated_at from analytics.ticket_metrics where ticket_id = {ticket_id}"
    )
    assert status_updated == history[-1][2]

    # The README's example queries run and agree with the data.
    queries = readme_queries()
    first_reply = sql(queries["first reply time"].replace("zendesk.", "analytics."))
    assert first_reply and all(row[1] > 0 for row in first_reply)
    in_status = sql(queries["time in status"].replace("zendesk.", "analytics."))
    statuses = {row[0] for row in in_status}
    assert {"open", "pending"} <= statuses
    assert all(float(row[2]) >= 0 for row in in_status)


def _api(account, path):
    answer = requests.get(account.base_url + path, auth=Credentials().admin_basic)
    answer.raise_for_status()
    return answer.json()


def _plain(value):
    """A value as JSON shows it: PostgreSQL's timestamps without their zone, like the API's."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?", value):
        return value.removesuffix("Z")
    return value
