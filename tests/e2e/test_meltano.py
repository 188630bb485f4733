"""meltano install, then meltano run between two sandbox accounts, twice: the real Meltano,
installed by the test, with the project's own meltano.yml."""

import json
import os
import subprocess

import pytest

from target_zendesk_tickets.copying.links import source_link
from tests.support.tools import ROOT, tool_venv

pytestmark = pytest.mark.slow
STATE_ID = "dev:tap-zendesk-tickets-to-target-zendesk-tickets"


@pytest.fixture(scope="module")
def meltano(tmp_path_factory):
    bin_dir = tool_venv("meltano", "meltano==4.4.1")
    project = tmp_path_factory.mktemp("meltano-project")
    # The project file as it is, but installing this checkout from its absolute path.
    text = (ROOT / "meltano.yml").read_text().replace("pip_url: -e .", f"pip_url: -e {ROOT}")
    (project / "meltano.yml").write_text(text)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TAP_ZENDESK_TICKETS_", "TARGET_ZENDESK_TICKETS_", "MELTANO_"))
    }
    env.update({"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "MELTANO_DISABLE_TRACKING": "true"})

    def run(*args, extra_env=None, check=True):
        result = subprocess.run(
            [str(bin_dir / "meltano"), *args],
            cwd=project,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"meltano {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    run("install")
    return run


def test_meltano_run_copies_every_ticket_then_updates_the_changed_ones(meltano, make_sandbox):
    source = make_sandbox(tickets=400, rate_limits={})
    destination = make_sandbox(tickets=0, job_delay=0.05)
    accounts = {
        "TAP_ZENDESK_TICKETS_ZENDESK_DOMAIN": source.base_url,
        "TAP_ZENDESK_TICKETS_POLLINGPERIOD": "0s",
        "TAP_ZENDESK_TICKETS_PAGESIZE": "150",
        "TARGET_ZENDESK_TICKETS_ZENDESK_DOMAIN": destination.base_url,
        "TARGET_ZENDESK_TICKETS_JOBPOLLINTERVAL": "50ms",
        "TARGET_ZENDESK_TICKETS_DESTINATIONEXPORTLAG": "100ms",  # nothing else writes there
    }

    first = meltano("run", "tap-zendesk-tickets", "target-zendesk-tickets", extra_env=accounts)
    assert "Incremental state has been updated" in first.stderr + first.stdout
    live = source.visible_ticket_ids(exclude_deleted=True)
    expected = sorted(source_link(source.exported_ticket(i)) for i in live)
    assert sorted(t["external_id"] for t in destination.imported_tickets()) == expected

    state = json.loads(meltano("state", "get", STATE_ID).stdout)
    bookmark = state["singer_state"]["bookmarks"]["tickets"]
    assert set(bookmark) == {"last_modified_time", "id", "cursor"}

    still_open = [i for i in live if source.exported_ticket(i)["status"] != "closed"]
    changed = source.update_tickets(still_open[:5], {"subject": "changed after the first run"})
    added = source.add_tickets(3)
    source.advance_clock(120)  # past the export's one-minute exclusion window
    before = len(destination.import_requests())

    meltano("run", "tap-zendesk-tickets", "target-zendesk-tickets", extra_env=accounts)
    second_imports = [
        t for request in destination.import_requests()[before:] for t in request["tickets"]
    ]
    assert len(second_imports) == len(added)  # the changed ones were updated, not imported
    copies = {t["external_id"]: t for t in destination.imported_tickets()}
    assert len(copies) == len(destination.imported_tickets()) == len(live) + len(added)
    for ticket_id in changed:
        copy = copies[source_link(source.exported_ticket(ticket_id))]
        assert destination.exported_ticket(copy["id"])["subject"] == "changed after the first run"
    new_bookmark = json.loads(meltano("state", "get", STATE_ID).stdout)["singer_state"][
        "bookmarks"
    ]["tickets"]
    assert new_bookmark["cursor"] != bookmark["cursor"]
