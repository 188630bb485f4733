"""tap-zendesk-tickets (every copy stream) into target-zendesk-tickets, between two realistic
accounts that overlap like real ones: a faithful copy, then a second run that updates it."""

from __future__ import annotations

from target_zendesk_tickets.copying.links import source_link
from tests.integration.target.harness import run_target, target_config
from tests.integration.target.test_copy import (
    assert_same_conversation,
    assert_same_custom_values,
    by_email,
    copies,
    source_user_suspended_in,
)
from tests.support.catalogs import COPY_STREAMS, catalog_selecting
from tests.support.configs import tap_config
from tests.support.processes import run_tap


def copy_once(source, destination, tmp_path, name, state=None):
    tap = run_tap(
        tap_config(tmp_path, source.base_url, name=f"tap-{name}.json"),
        catalog=catalog_selecting(COPY_STREAMS),
        state=state,
    )
    assert tap.returncode == 0, tap.stderr
    config = target_config(tmp_path, destination, name=f"target-{name}.json", load_method="upsert")
    target = run_target(config, tap.stdout)
    assert target.returncode == 0, target.stderr
    return target


def test_the_tap_and_the_target_copy_an_account_then_keep_the_copy_up_to_date(make_pair, tmp_path):
    source, destination = make_pair(tickets=50, overlap=0.8)
    first = copy_once(source, destination, tmp_path, "first")
    assert "Mapping summary" in first.stderr
    for ticket, copy in copies(source, destination):
        assert copy["subject"] == ticket["subject"]
        requester = by_email(source, ticket["requester_id"])
        if not source_user_suspended_in(destination, requester):
            assert by_email(destination, copy["requester_id"]) == requester
        assert_same_custom_values(source, destination, ticket, copy)
        assert_same_conversation(source, destination, ticket, copy)

    live = source.visible_ticket_ids(exclude_deleted=True)
    still_open = [i for i in live if source.exported_ticket(i)["status"] != "closed"]
    source.update_tickets(still_open[:3], {"subject": "changed in the source"})
    added = source.add_tickets(2)
    source.advance_clock(120)
    second = copy_once(source, destination, tmp_path, "second", state=first.states[-1])
    assert "2 imported" in second.stderr
    keys = [t["external_id"] for t in destination.imported_tickets()]
    assert len(keys) == len(set(keys)) == len(live) + len(added)  # every ticket once
    by_key = {t["external_id"]: t for t in destination.imported_tickets()}
    for ticket_id in still_open[:3]:
        copy = by_key[source_link(source.exported_ticket(ticket_id))]
        assert destination.exported_ticket(copy["id"])["subject"] == "changed in the source"
