"""What a warehouse target sees: honest replication metadata, deletions it understands,
fields that appear after discovery, settings the tap refuses."""

import json
import logging
import subprocess

import pytest
import requests_mock as rm
from singer_sdk.exceptions import ConfigValidationError

from tap_zendesk_tickets.schema_evolution import FieldsOutsideSchema
from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.processes import TAP, clean_env
from tests.support.tap_pages import (
    EXPORT_URL,
    cursor_for,
    page,
    states,
    ticket,
    ticket_records,
    unit_tap_config,
)


def _catalog_entry(catalog, stream="tickets"):
    (entry,) = [e for e in catalog["streams"] if e["tap_stream_id"] == stream]
    return entry, next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])


def test_the_catalog_says_incremental_on_the_exports_order_field():
    entry, metadata = _catalog_entry(TapZendeskTickets(config=unit_tap_config()).catalog_dict)
    assert entry["replication_method"] == "INCREMENTAL"
    assert entry["replication_key"] == "generated_timestamp"
    assert metadata["forced-replication-method"] == "INCREMENTAL"
    assert metadata["valid-replication-keys"] == ["generated_timestamp"]
    assert TapZendeskTickets(config=unit_tap_config()).streams["tickets"].is_sorted


@pytest.mark.parametrize("config", [None, {}], ids=["no-config", "empty-config"])
def test_discover_needs_no_credentials(tmp_path, config):
    args = [TAP, "--discover"]
    if config is not None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        args += ["--config", str(path)]
    result = subprocess.run(
        args, capture_output=True, text=True, env=clean_env(), timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    entry, metadata = _catalog_entry(json.loads(result.stdout))
    assert entry["tap_stream_id"] == "tickets"
    assert metadata["forced-replication-method"] == "INCREMENTAL"
    assert "_sdc_deleted_at" in entry["schema"]["properties"]


def test_state_keeps_the_seed_shape_and_no_sortedness_warning(sync_tap, caplog):
    with rm.Mocker() as mock:
        mock.get(
            EXPORT_URL,
            [page([ticket(1, 100), ticket(2, 100)], end=False), page([ticket(3, 99)], end=True)],
        )
        with caplog.at_level(logging.INFO):
            messages = sync_tap()
    # Even a ticket Zendesk sends out of order is no error, and only the tap's keys
    # reach the STATE: no replication_key_value, no progress markers.
    assert [r["id"] for r in ticket_records(messages)] == [1, 2, 3]
    assert {key for s in states(messages) for key in s["bookmarks"]["tickets"]} == {
        "last_modified_time",
        "id",
        "cursor",
    }
    assert "not resumable" not in caplog.text
    assert "Unsorted" not in caplog.text
    schema = next(m for m in messages if m["type"] == "SCHEMA")
    assert schema["bookmark_properties"] == ["generated_timestamp"]


def test_a_loaded_state_comes_back_in_the_same_shape(sync_tap):
    state = {"bookmarks": {"tickets": {"last_modified_time": "1970-01-01T00:01:40Z", "id": 2}}}
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([ticket(2, 100), ticket(3, 101)], end=True)])
        messages = sync_tap(state=state)
    assert states(messages) == [
        state,
        {
            "bookmarks": {
                "tickets": {
                    "last_modified_time": "1970-01-01T00:01:41Z",
                    "id": 3,
                    "cursor": cursor_for(101, 3),
                }
            }
        },
    ]


def test_a_catalog_asking_for_full_table_is_not_obeyed(sync_tap, caplog, capsys):
    catalog = TapZendeskTickets(config=unit_tap_config()).catalog_dict
    entry, metadata = _catalog_entry(catalog)
    entry["replication_method"] = "FULL_TABLE"
    metadata["forced-replication-method"] = "FULL_TABLE"
    metadata["selected"] = True
    with rm.Mocker() as mock, caplog.at_level(logging.WARNING):
        mock.get(EXPORT_URL, [page([ticket(1, 100)], end=True)])
        tap = TapZendeskTickets(
            config=unit_tap_config(emit_activate_version_messages=False), catalog=catalog
        )
        tap.sync_all()
    messages = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert tap.streams["tickets"].replication_method == "INCREMENTAL"
    assert "ACTIVATE_VERSION" not in {m["type"] for m in messages}
    assert "supports only INCREMENTAL on generated_timestamp" in caplog.text


@pytest.mark.parametrize(
    ("setting", "value"),
    [("emit_activate_version_messages", True), ("batch_config", {"encoding": {"format": "jsonl"}})],
)
def test_settings_the_tap_does_not_support_are_refused(setting, value):
    with pytest.raises(ConfigValidationError) as info:
        TapZendeskTickets(config=unit_tap_config(**{setting: value}))
    assert any(e.startswith(f"{setting}: not supported") for e in info.value.errors)


def test_deleted_tickets_carry_sdc_deleted_at(sync_tap):
    deleted = ticket(2, 200, status="deleted", updated_at="2024-05-01T10:00:00Z")
    with rm.Mocker() as mock:
        mock.get(EXPORT_URL, [page([ticket(1, 100, status="open"), deleted], end=True)])
        messages = sync_tap()
    live, gone = ticket_records(messages)
    assert "_sdc_deleted_at" not in live
    assert gone["_sdc_deleted_at"] == "2024-05-01T10:00:00Z"
    schema = next(m for m in messages if m["type"] == "SCHEMA")["schema"]
    assert schema["properties"]["_sdc_deleted_at"]["format"] == "date-time"


def test_a_new_field_gets_a_schema_before_its_first_record_and_widens_later(sync_tap, caplog):
    tickets = [
        ticket(1, 100),
        ticket(2, 101, sla_tier=None),  # null only: nothing to type it by yet
        ticket(3, 102, sla_tier=3),
        ticket(4, 103, sla_tier=4, escalation={"level": 2}),
        ticket(5, 104, sla_tier="gold"),
    ]
    with rm.Mocker() as mock, caplog.at_level(logging.INFO):
        mock.get(EXPORT_URL, [page(tickets, end=True)])
        messages = sync_tap()
    kinds = [(m["type"], m.get("record", {}).get("id")) for m in messages]
    assert kinds == [
        ("SCHEMA", None),
        ("RECORD", 1),
        ("RECORD", 2),
        ("SCHEMA", None),
        ("RECORD", 3),
        ("SCHEMA", None),
        ("RECORD", 4),
        ("SCHEMA", None),
        ("RECORD", 5),
        ("STATE", None),
    ]
    schemas = [m["schema"]["properties"] for m in messages if m["type"] == "SCHEMA"]
    assert "sla_tier" not in schemas[0]
    assert schemas[1]["sla_tier"] == {"type": ["integer", "null"]}
    assert schemas[2]["escalation"] == {"type": ["object", "null"]}
    assert schemas[3]["sla_tier"] == {"type": ["integer", "string", "null"]}
    assert ticket_records(messages) == tickets
    assert "Field 'sla_tier' of tickets is not in the schema" in caplog.text
    assert "Field 'escalation' of tickets is not in the schema" in caplog.text


def test_fields_outside_schema_is_reusable_by_any_stream():
    watch = FieldsOutsideSchema({"properties": {"id": {}}})
    assert watch.changes({"id": 1}) == {}
    assert watch.changes({"id": 2, "tags": ["a"]}) == {
        "tags": {"type": ["array", "null"], "items": {}}
    }
    assert watch.changes({"id": 3, "tags": ["b"]}) == {}
    assert watch.changes({"id": 4, "ok": True, "n": 1.5}) == {
        "n": {"type": ["number", "null"]},
        "ok": {"type": ["boolean", "null"]},
    }
