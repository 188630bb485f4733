"""The real tap-zendesk-tickets executable against a sandbox account."""

from tests.support.configs import tap_config
from tests.support.processes import run_tap


def test_full_export_emits_every_ticket_once_unchanged_in_export_order(make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=1500, rate_limits={})
    run = run_tap(tap_config(tmp_path, sandbox.base_url))
    assert run.returncode == 0, run.stderr

    expected_ids = sandbox.visible_ticket_ids()
    assert [record["id"] for record in run.tickets] == expected_ids
    for record in run.tickets[::97]:
        exported = sandbox.exported_ticket(record["id"])
        if exported["status"] == "deleted":  # marked for SQL targets, when it happened
            exported["_sdc_deleted_at"] = exported["updated_at"]
        assert record == exported
    assert any(record["status"] == "deleted" for record in run.tickets)
    assert all(
        ("_sdc_deleted_at" in record) == (record["status"] == "deleted") for record in run.tickets
    )
    # Zendesk's default support_type_scope would leave these out.
    assert any(record["support_type"] == "ai_agent" for record in run.tickets)

    schema = next(m for m in run.messages if m["type"] == "SCHEMA")
    assert schema["key_properties"] == ["id"]
    assert all(m.get("time_extracted") for m in run.messages if m["type"] == "RECORD")

    final = run.states[-1]["bookmarks"]["tickets"]
    last = run.tickets[-1]
    assert final["id"] == last["id"]
    assert final["cursor"]
    assert final["last_modified_time"].endswith("Z")


def test_state_follows_every_page_and_never_runs_ahead(make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=300, rate_limits={})
    run = run_tap(tap_config(tmp_path, sandbox.base_url, pageSize=40))
    assert run.returncode == 0, run.stderr
    emitted = 0
    pages = 0
    for message in run.messages:
        if message["type"] == "RECORD" and message["stream"] == "tickets":
            emitted += 1
        elif message["type"] == "STATE":
            bookmark = message["value"]["bookmarks"]["tickets"]
            if not bookmark:
                continue
            pages += 1
            # The bookmark names the last ticket already emitted.
            assert bookmark["id"] == run.tickets[emitted - 1]["id"]
    assert pages >= len(run.tickets) // 40


def test_exclude_deleted(make_sandbox, tmp_path):
    sandbox = make_sandbox(tickets=300, rate_limits={})
    run = run_tap(tap_config(tmp_path, sandbox.base_url, excludeDeleted=True))
    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in run.tickets] == sandbox.visible_ticket_ids(exclude_deleted=True)
    assert all(r["status"] != "deleted" for r in run.tickets)


def test_oauth_token_works_too(make_sandbox, tmp_path):
    from zendesk_sandbox import Credentials

    sandbox = make_sandbox(tickets=50, rate_limits={})
    config = tap_config(
        tmp_path,
        sandbox.base_url,
        zendesk={"domain": sandbox.base_url, "oauthToken": Credentials.readonly_oauth_token},
    )
    run = run_tap(config)
    assert run.returncode == 0, run.stderr
    assert len(run.tickets) == len(sandbox.visible_ticket_ids())
    assert {entry["auth"] for entry in sandbox.request_log()} == {"bearer"}
