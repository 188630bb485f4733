"""Comment counts of destination tickets: taken from the answer, else counted exactly."""

from __future__ import annotations

import logging
import re

from target_zendesk_tickets.importing.comment_counts import CommentCounter
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.messages import BASE, target_test_config
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryBudget

BUDGET = RetryBudget(retries=0, advice="run again")


def counter() -> CommentCounter:
    settings = read_target_settings(target_test_config())
    return CommentCounter(ZendeskClient(settings.connection, "target-zendesk-tickets"))


def test_a_count_the_answer_carries_is_used(mock):
    mock.get(
        re.compile(f"{BASE}/api/v2/tickets/show_many.json"),
        json={"tickets": [{"id": 5, "comment_count": 3}]},
    )
    shown = counter().show_many([5], budget=BUDGET)
    assert shown[5]["comment_count"] == 3
    assert mock.call_count == 1


def test_a_missing_count_is_counted_from_the_comments_and_said_once(mock, caplog):
    mock.get(
        re.compile(f"{BASE}/api/v2/tickets/show_many.json"),
        json={"tickets": [{"id": 5}, {"id": 6}]},
    )
    pages = {
        5: [
            {
                "comments": [{"id": n} for n in range(100)],
                "meta": {"has_more": True, "after_cursor": "p2"},
            },
            {"comments": [{"id": 100}], "meta": {"has_more": False}},
        ],
        6: [{"comments": [{"id": 1}, {"id": 2}], "meta": {"has_more": False}}],
    }
    mock.get(
        f"{BASE}/api/v2/tickets/5/comments.json",
        [{"json": page} for page in pages[5]],
    )
    mock.get(f"{BASE}/api/v2/tickets/6/comments.json", json=pages[6][0])
    with caplog.at_level(logging.INFO):
        shown = counter().show_many([5, 6], budget=BUDGET)
    assert {i: t["comment_count"] for i, t in shown.items()} == {5: 101, 6: 2}
    assert sum("carry no comment_count" in r.message for r in caplog.records) == 1


def test_more_than_a_hundred_ids_take_several_calls(mock):
    mock.get(
        re.compile(f"{BASE}/api/v2/tickets/show_many.json"),
        json=lambda r, c: {
            "tickets": [{"id": int(i), "comment_count": 1} for i in r.qs["ids"][0].split(",")]
        },
    )
    assert len(counter().show_many(range(1, 251), budget=BUDGET)) == 250
    assert mock.call_count == 3
