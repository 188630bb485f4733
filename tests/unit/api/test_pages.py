"""Cursor-paginated lists: every page, the cursor only from links.next, loops and limits."""

import pytest
import requests_mock as rm

from zendesk_api.errors import ZendeskResponseError
from zendesk_api.http import ZendeskClient
from zendesk_api.pages import Pages, list_all, next_cursor
from zendesk_api.retry import RetryBudget
from zendesk_api.settings import read_connection

BASE = "https://acme.zendesk.com"
BUDGET = RetryBudget(error_retries=2)


@pytest.fixture
def client():
    connection = read_connection({"zendesk": {"domain": "acme", "oauthToken": "tok-123456"}})
    client = ZendeskClient(connection, "test")
    yield client
    client.session.close()


def page(items, cursor=None, *, via_link=False):
    document = {"groups": items, "meta": {"has_more": cursor is not None}}
    if cursor and via_link:
        document["links"] = {"next": f"https://elsewhere.test/x?page%5Bafter%5D={cursor}"}
    elif cursor:
        document["meta"]["after_cursor"] = cursor
    return document


def test_every_page_is_read_in_order(client):
    with rm.Mocker() as mock:
        mock.get(
            f"{BASE}/api/v2/groups.json",
            [
                {"json": page([1, 2], "c1")},
                {"json": page([3], "c2", via_link=True)},
                {"json": page([4])},
            ],
        )
        assert list_all(client, "/api/v2/groups.json", "groups", budget=BUDGET) == [1, 2, 3, 4]
        queries = [r.qs for r in mock.request_history]
    assert queries[0] == {"page[size]": ["100"]}
    assert queries[1]["page[after]"] == ["c1"]
    assert queries[2]["page[after]"] == ["c2"]  # only the cursor came from links.next


def test_a_cursor_that_comes_back_ends_the_list(client):
    with rm.Mocker() as mock:
        mock.get(f"{BASE}/api/v2/groups.json", json=page([1], "same"))
        assert list_all(client, "/api/v2/groups.json", "groups", budget=BUDGET) == [1, 1]


def test_max_pages_says_the_list_was_cut(client):
    with rm.Mocker() as mock:
        mock.get(f"{BASE}/api/v2/groups.json", [{"json": page([n], f"c{n}")} for n in range(5)])
        pages = Pages(client, "/api/v2/groups.json", "groups", budget=BUDGET, max_pages=3)
        assert list(pages) == [[0], [1], [2]]
    assert pages.truncated


def test_an_answer_without_the_array_is_an_error(client):
    with rm.Mocker() as mock:
        mock.get(f"{BASE}/api/v2/groups.json", json={"brands": []})
        with pytest.raises(ZendeskResponseError, match="no 'groups' array"):
            list_all(client, "/api/v2/groups.json", "groups", budget=BUDGET)


def test_no_pagination_is_the_last_page():
    assert next_cursor({"groups": []}) is None
    assert next_cursor({"meta": {"has_more": False, "after_cursor": "x"}}) is None
