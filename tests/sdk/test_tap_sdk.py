"""singer-sdk's standard tap tests of the tickets stream, against a mocked export (no
network); ``test_tap_sdk_account.py`` runs them for every stream against a sandbox account.

The SDK's runner syncs once per test class at collection/class time, so the HTTP mock
must be active at module scope (see the SDK notes in the project's research).
"""

import pytest
import requests_mock as rm
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_zendesk_tickets.tap import TapZendeskTickets
from tests.support.tap_pages import (
    EXPORT_URL,
    full_metric_set,
    full_ticket,
    mock_analytics_api,
    mock_support_api,
    page,
    unit_tap_config,
)


def _tickets(start, count, timestamp):
    statuses = ["new", "open", "pending", "hold", "solved", "closed", "deleted"]
    tickets = [
        full_ticket(
            ticket_id, timestamp + ticket_id // 3, status=statuses[ticket_id % len(statuses)]
        )
        for ticket_id in range(start, start + count)
    ]
    for ticket in tickets:  # the metric_sets side-load: live tickets carry theirs
        if ticket["status"] != "deleted":
            ticket["metric_set"] = full_metric_set(ticket["id"])
    return tickets


@pytest.fixture(scope="module", autouse=True)
def mocked_export():
    with rm.Mocker() as mock:
        mock_support_api(mock)  # an account without people or structure
        mock_analytics_api(mock)  # nor ratings, metric events, field history...
        mock.get(
            EXPORT_URL,
            [
                page(_tickets(1, 40, 1700000000), end=False),
                page(_tickets(41, 40, 1700000100), end=True),
            ]
            * 50,  # every test class syncs again
        )
        yield mock


TestTapZendeskTickets = get_tap_test_class(
    tap_class=TapZendeskTickets,
    config=unit_tap_config(),
    parse_env_config=False,
    # The mocked export has no side-loads, and every other answer is empty.
    suite_config=SuiteConfig(
        max_records_limit=None,
        ignore_no_records_for_streams=[
            name
            for name in TapZendeskTickets(validate_config=False).streams
            if name not in ("tickets", "ticket_metrics")
        ],
    ),
)
