"""Conversations: the comments of every ticket, and reading them per ticket."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.sandbox.helpers import Api
from zendesk_sandbox import Sandbox
from zendesk_sandbox.timefmt import parse_iso


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=400)


@pytest.fixture
def account_api(account, make_api) -> Api:
    return make_api(account)


def all_comments(api: Api, ticket_id: int, **params: object) -> list[dict]:
    comments, response = (
        [],
        api.get(f"/api/v2/tickets/{ticket_id}/comments.json", params={"page[size]": 100, **params}),
    )
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        comments += page["comments"]
        if not page["meta"]["has_more"]:
            return comments
        response = api.session.get(page["links"]["next"])


def test_conversations_are_realistic(account: Sandbox) -> None:
    people = account.directory.people
    counts = Counter()
    kinds = Counter()
    for ticket_id in account.visible_ticket_ids():
        ticket = account.exported_ticket(ticket_id)
        comments = account.comments(ticket_id)
        counts[len(comments)] += 1
        assert 1 <= len(comments) <= 30
        first = comments[0]
        assert first["body"] == ticket["description"]
        assert first["author_id"] == ticket["submitter_id"]
        created, updated = parse_iso(ticket["created_at"]), parse_iso(ticket["updated_at"])
        times = [parse_iso(c["created_at"]) for c in comments]
        assert times == sorted(times) and times[0] == created
        assert all(created <= t <= updated for t in times)
        assert ticket["is_public"] == any(c["public"] for c in comments)
        for comment in comments:
            author = people.by_id[comment["author_id"]]
            if not comment["public"]:
                assert author.is_agent, "end users write no private notes"
            kinds["public" if comment["public"] else "private"] += 1
            kinds["agent" if author.is_agent else "end user"] += 1
            kinds["html" if "<ul" in comment["html_body"] else "plain"] += 1
            kinds["attachments"] += bool(comment["attachments"])
            if author.id not in (ticket["requester_id"], ticket["submitter_id"]):
                kinds["other people"] += 1
    assert counts[1] > counts[2] > counts[5] > 0, "a heavy tail"
    assert max(counts) >= 15
    assert all(
        kinds[k] > 0
        for k in (
            "public",
            "private",
            "agent",
            "end user",
            "html",
            "plain",
            "attachments",
            "other people",
        )
    )


def test_comments_page_with_cursors_and_side_load_their_authors(account, account_api) -> None:
    ticket_id = next(i for i in account.visible_ticket_ids() if len(account.comments(i)) >= 5)
    expected = account.comments(ticket_id)
    first = account_api.get(
        f"/api/v2/tickets/{ticket_id}/comments.json", params={"page[size]": 2, "include": "users"}
    ).json()
    assert len(first["comments"]) == 2 and first["meta"]["has_more"] is True
    assert first["meta"]["after_cursor"] and "page%5Bafter%5D" in first["links"]["next"]
    authors = {c["author_id"] for c in first["comments"]}
    assert {u["id"] for u in first["users"]} == authors
    assert all_comments(account_api, ticket_id) == expected
    newest_first = all_comments(account_api, ticket_id, sort="-created_at")
    assert [c["id"] for c in newest_first] == [c["id"] for c in reversed(expected)]
    offset = account_api.get(
        f"/api/v2/tickets/{ticket_id}/comments.json", params={"per_page": 2}
    ).json()
    assert offset["count"] == len(expected) and offset["next_page"].endswith("page=2")
    comment = expected[0]
    assert set(comment) >= {
        "id",
        "type",
        "author_id",
        "body",
        "html_body",
        "plain_body",
        "public",
        "attachments",
        "audit_id",
        "via",
        "created_at",
    }


def test_page_size_is_at_most_100_and_bad_cursors_are_a_400(account, account_api) -> None:
    ticket_id = account.visible_ticket_ids()[0]
    path = f"/api/v2/tickets/{ticket_id}/comments.json"
    assert account_api.get(path, params={"page[size]": 500}).status_code == 200
    bad = account_api.get(path, params={"page[after]": "nonsense"})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidValue"


def test_attachments_carry_their_metadata(account, account_api) -> None:
    for ticket_id in account.visible_ticket_ids():
        with_files = [c for c in account.comments(ticket_id) if c["attachments"]]
        if with_files:
            break
    attachment = with_files[0]["attachments"][0]
    assert attachment["file_name"] and attachment["content_type"] and attachment["size"] > 0
    assert attachment["content_url"].startswith(account.base_url)


def test_deleted_and_unknown_tickets_have_no_comments(account, account_api) -> None:
    deleted = next(
        i for i in account.visible_ticket_ids() if account.exported_ticket(i)["status"] == "deleted"
    )
    for ticket_id in (deleted, 99_999):
        response = account_api.get(f"/api/v2/tickets/{ticket_id}/comments.json")
        assert response.status_code == 404
        assert response.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_the_export_counts_comments_on_request(account, account_api) -> None:
    page = account_api.export(start_time=0, per_page=50, include="comment_count").json()
    for ticket in page["tickets"]:
        assert ticket["comment_count"] == len(account.comments(ticket["id"]))
    plain = account_api.export(start_time=0, per_page=5).json()
    assert "comment_count" not in plain["tickets"][0]
