"""What a first copy asks of the destination: the destination's work is done per buffer, in
bulk where Zendesk answers for many (issue 19), whether or not the account allows bulk user
imports. Counts of requests, never times."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.integration.target.harness import run_target, target_config
from tests.support.copy_input import copy_input

TICKETS = 300


def created_counts(log: str) -> dict[str, int]:
    """``requester: 12 mapped, 3 created ...`` -> {"requester": 3, ...}."""
    return {
        kind: int(number)
        for kind, number in re.findall(r"\|\s+(\w[\w ]*?): [^\n]*?(\d+) created", log)
    }


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk-user-import", "one-by-one"])
def test_a_first_copy_asks_the_destination_little(make_pair, tmp_path, bulk):
    source, destination = make_pair(tickets=TICKETS, overlap=0.8, bulk_user_import=bulk)
    config = target_config(tmp_path, destination, load_method="upsert")
    result = run_target(config, copy_input(source))
    assert result.returncode == 0, result.stderr
    copied = len(destination.imported_tickets())
    log = destination.request_log()
    routes = Counter(entry["route"] for entry in log)
    # Sending the tickets (imports and their job polls) is the copy; the rest is finding
    # and creating what the tickets refer to, and finding copies.
    asked = len(log) - routes["import"] - routes["job_status"]
    users = [e for e in log if e["route"] == "users"]
    searches = [e for e in users if e["path"].startswith("/api/v2/users/search")]
    assert searches == []  # the destination's people read as one list, not one by one
    created = created_counts(result.stderr)
    assert created, result.stderr
    new_people = sum(created.values())
    if bulk:
        assert asked / copied <= 0.15, routes
        singles = [e for e in users if e["method"] == "POST" and e["path"] == "/api/v2/users.json"]
        assert singles == []
    else:
        # One Create User per new person (bulk imports refused once), nothing else per ticket.
        posts = [e for e in users if e["method"] == "POST"]
        assert len(posts) == new_people + 1  # the refused bulk call
        assert (asked - new_people) / copied <= 0.15, routes
