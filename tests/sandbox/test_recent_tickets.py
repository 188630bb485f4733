"""What a client needs to find the tickets inside the export's lag: List Tickets by
``-updated_at`` (cursor pages), ``Date`` on the account's clock, and ``comment_count`` only on
the export when the switch says so."""

from __future__ import annotations

from email.utils import parsedate_to_datetime


def test_tickets_are_listed_newest_update_first_with_cursor_pages(make_account, make_api):
    account = make_account(tickets=30, people=False)
    api = make_api(account)
    changed = account.update_tickets([7], {"subject": "changed just now"})
    assert changed == [7]
    first = api.get("/api/v2/tickets.json", params={"sort": "-updated_at", "page[size]": 5})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["tickets"][0]["id"] == 7
    stamps = [t["updated_at"] for t in body["tickets"]]
    assert stamps == sorted(stamps, reverse=True)
    assert body["meta"]["has_more"] is True
    after = api.get(
        "/api/v2/tickets.json",
        params={
            "sort": "-updated_at",
            "page[size]": 5,
            "page[after]": body["meta"]["after_cursor"],
        },
    ).json()
    later = [t["updated_at"] for t in after["tickets"]]
    assert later and max(later) <= min(stamps)
    assert not {t["id"] for t in after["tickets"]} & {t["id"] for t in body["tickets"]}


def test_an_unknown_sort_is_refused(make_account, make_api):
    api = make_api(make_account(tickets=3, people=False))
    answer = api.get("/api/v2/tickets.json", params={"sort": "subject", "page[size]": 5})
    assert answer.status_code == 400
    assert "sort must be one of" in answer.text


def test_the_date_header_is_the_sandbox_clock(make_account, make_api):
    account = make_account(tickets=3, people=False)
    account.advance_clock(7200)
    answer = make_api(account).get("/api/v2/tickets/count.json")
    date = parsedate_to_datetime(answer.headers["Date"]).timestamp()
    assert abs(date - account.now()) < 2
    assert "," not in answer.headers["Date"].split(",", 1)[1]  # one Date, not two


def test_comment_count_can_be_left_to_the_export(make_account, make_api):
    account = make_account(tickets=5, comment_count_outside_export=False)
    api = make_api(account)
    listed = api.get("/api/v2/tickets.json", params={"include": "comment_count"}).json()
    assert listed["tickets"] and all("comment_count" not in t for t in listed["tickets"])
    ids = ",".join(str(t["id"]) for t in listed["tickets"])
    shown = api.get(
        "/api/v2/tickets/show_many.json", params={"ids": ids, "include": "comment_count"}
    ).json()
    assert all("comment_count" not in t for t in shown["tickets"])
    account.advance_clock(120)
    exported = api.get(
        "/api/v2/incremental/tickets/cursor.json",
        params={"start_time": 0, "include": "comment_count"},
    ).json()
    assert exported["tickets"] and all("comment_count" in t for t in exported["tickets"])


def test_comment_count_is_on_lists_by_default(make_account, make_api):
    api = make_api(make_account(tickets=5))
    listed = api.get("/api/v2/tickets.json", params={"include": "comment_count"}).json()
    assert all(isinstance(t["comment_count"], int) for t in listed["tickets"])
