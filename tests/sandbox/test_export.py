"""The cursor-based incremental ticket export."""

from __future__ import annotations

import base64
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox.helpers import EXPORT, Api, tickets_of
from zendesk_sandbox import Sandbox
from zendesk_sandbox.http.api_export import decode_cursor, encode_cursor


def keys(tickets: list[dict]) -> list[tuple[int, int]]:
    return [(t["generated_timestamp"], t["id"]) for t in tickets]


def test_cursor_format_matches_zendesk_samples() -> None:
    assert base64.b64decode("MTU3NjYxMzUzOS4wfHw0Njd8") == b"1576613539.0||467|"
    assert encode_cursor(1576613539, 467) == "MTU3NjYxMzUzOS4wfHw0Njd8"
    assert decode_cursor("MTU3NjYxMzUzOS4wfHw0Njd8") == (1576613539, 467)


def test_paging_from_zero_returns_every_ticket_once_in_order(api: Api, sandbox: Sandbox) -> None:
    pages = api.export_all(start_time=0, per_page=100)
    tickets = tickets_of(pages)
    assert [len(page["tickets"]) for page in pages] == [100, 100, 100]
    assert sorted(t["id"] for t in tickets) == list(range(1, 301))
    assert keys(tickets) == sorted(keys(tickets))
    assert [t["id"] for t in tickets] == sandbox.visible_ticket_ids()
    for page in pages:
        assert page["after_cursor"] == encode_cursor(*keys(page["tickets"])[-1])
        assert set(page) == {
            "tickets",
            "after_url",
            "after_cursor",
            "before_url",
            "before_cursor",
            "end_of_stream",
        }
    assert [page["end_of_stream"] for page in pages] == [False, False, True]


def test_default_page_is_1000_and_larger_per_page_is_clamped(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(tickets=2500, rate_limits={}))
    first = api.export(start_time=0).json()
    assert len(first["tickets"]) == 1000
    clamped = api.export(start_time=0, per_page=5000).json()
    assert len(clamped["tickets"]) == 1000
    assert "per_page=1000" in clamped["after_url"]


@pytest.mark.parametrize("per_page", [1, 7, 60, 299, 300, 1000])
def test_every_page_size_pages_through_a_cluster_bigger_than_a_page(
    api: Api, sandbox: Sandbox, per_page: int
) -> None:
    pages = api.export_all(start_time=0, per_page=per_page)
    tickets = tickets_of(pages)
    biggest_second, size = Counter(t["generated_timestamp"] for t in tickets).most_common(1)[0]
    assert size > 50 > 7  # the 300-ticket account has a ~60-ticket cluster
    assert len(tickets) == 300 and len({t["id"] for t in tickets}) == 300
    assert keys(tickets) == sorted(keys(tickets))
    assert all(len(page["tickets"]) <= per_page for page in pages)
    assert pages[-1]["end_of_stream"] and all(not page["end_of_stream"] for page in pages[:-1])
    in_cluster = [t["id"] for t in tickets if t["generated_timestamp"] == biggest_second]
    assert in_cluster == sorted(in_cluster)


def test_the_big_cluster_is_split_across_pages_without_loss(make_sandbox, make_api) -> None:
    api = make_api(make_sandbox(tickets=1600, rate_limits={}))
    pages = api.export_all(start_time=0, per_page=1000)
    tickets = tickets_of(pages)
    assert len(tickets) == 1600
    second, size = Counter(t["generated_timestamp"] for t in tickets).most_common(1)[0]
    assert size == 1100
    seconds_on_pages = [{t["generated_timestamp"] for t in page["tickets"]} for page in pages]
    assert sum(second in seen for seen in seconds_on_pages) == 2


@pytest.mark.parametrize("path", [EXPORT, EXPORT.removesuffix(".json")])
def test_both_path_forms_work_and_after_url_keeps_the_form(api: Api, path: str) -> None:
    response = api.get(path, params={"start_time": 0, "per_page": 10})
    assert response.status_code == 200
    after_url = urlsplit(response.json()["after_url"])
    assert after_url.path == path
    assert f"{after_url.scheme}://{after_url.netloc}" == api.base
    assert parse_qs(after_url.query) == {
        "cursor": [response.json()["after_cursor"]],
        "per_page": ["10"],
    }


def test_after_url_repeats_exclude_deleted(api: Api) -> None:
    page = api.export(start_time=0, per_page=10, exclude_deleted="true").json()
    assert parse_qs(urlsplit(page["after_url"]).query)["exclude_deleted"] == ["true"]
    assert "per_page" not in api.export(start_time=0).json()["after_url"]


def test_start_time_accepts_floats_and_filters_on_generated_timestamp(api: Api) -> None:
    tickets = tickets_of(api.export_all(start_time=0))
    middle = sorted(t["generated_timestamp"] for t in tickets)[150]
    later = tickets_of(api.export_all(start_time=f"{middle}.75"))
    assert later and all(t["generated_timestamp"] >= middle for t in later)
    assert len(later) == sum(t["generated_timestamp"] >= middle for t in tickets)


def test_last_page_keeps_an_after_cursor_and_resuming_from_it_finds_nothing_new(
    api: Api,
) -> None:
    last = api.export_all(start_time=0)[-1]
    assert last["end_of_stream"] is True and last["after_cursor"]
    again = api.export(cursor=last["after_cursor"]).json()
    assert again["tickets"] == []
    assert again["after_cursor"] == last["after_cursor"]
    assert again["end_of_stream"] is True
    assert again["before_cursor"] is None


def test_before_cursor_is_null_on_start_time_pages_and_on_cursor_pages(api: Api) -> None:
    first = api.export(start_time=0, per_page=5).json()
    assert first["before_cursor"] is None and first["before_url"] is None
    second = api.export(cursor=first["after_cursor"], per_page=5).json()
    # Null on cursor pages too, as recorded answers show (was: the first ticket's cursor).
    assert second["before_cursor"] is None and second["before_url"] is None


def test_start_time_with_nothing_after_it_returns_no_cursor(api: Api, sandbox: Sandbox) -> None:
    response = api.export(start_time=int(sandbox.now()) - 3600)
    assert response.status_code == 200
    assert response.json() == {
        "tickets": [],
        "after_url": None,
        "after_cursor": None,
        "before_url": None,
        "before_cursor": None,
        "end_of_stream": True,
    }


def test_exclude_deleted_drops_deleted_tickets(api: Api) -> None:
    everything = tickets_of(api.export_all(start_time=0, per_page=50))
    kept = tickets_of(api.export_all(start_time=0, per_page=50, exclude_deleted="true"))
    deleted = {t["id"] for t in everything if t["status"] == "deleted"}
    assert deleted
    assert {t["id"] for t in kept} == {t["id"] for t in everything} - deleted


def test_support_type_scope_leaves_ai_agent_tickets_out_by_default(
    api: Api, sandbox: Sandbox
) -> None:
    default = tickets_of(api.export_all(start_time=0, per_page=100, support_type_scope=None))
    everything = tickets_of(api.export_all(start_time=0, per_page=100))
    only_ai = tickets_of(api.export_all(start_time=0, per_page=100, support_type_scope="ai_agent"))
    ai_ids = {t["id"] for t in everything if t["support_type"] == "ai_agent"}
    assert ai_ids
    assert {t["id"] for t in only_ai} == ai_ids
    assert {t["id"] for t in default} == {t["id"] for t in everything} - ai_ids
    assert [t["id"] for t in everything] == sandbox.visible_ticket_ids()
    assert [t["id"] for t in default] == sandbox.visible_ticket_ids(support_type_scope="agent")
    page = api.export(start_time=0, per_page=3, support_type_scope="all").json()
    assert "support_type_scope=all" in page["after_url"]
    assert api.export(start_time=0, support_type_scope="robots").status_code == 400


def test_recent_changes_wait_out_the_exclusion_window(api: Api, sandbox: Sandbox) -> None:
    resume = api.export_all(start_time=0)[-1]["after_cursor"]
    sandbox.update_tickets([5], {"subject": "Changed subject"})
    sandbox.delete_tickets([6])
    new_ids = sandbox.add_tickets(2)
    hidden = api.export(cursor=resume).json()
    assert hidden["tickets"] == [] and hidden["end_of_stream"] is True

    sandbox.advance_clock(61)
    page = api.export(cursor=resume).json()
    by_id = {t["id"]: t for t in page["tickets"]}
    assert set(by_id) == {5, 6, *new_ids}
    assert by_id[5]["subject"] == "Changed subject"
    assert by_id[6]["status"] == "deleted"
    assert by_id[5]["generated_timestamp"] >= sandbox.now() - 62
    assert page["end_of_stream"] is True
    assert len(tickets_of(api.export_all(start_time=0))) == 302


def test_start_time_errors(api: Api, sandbox: Sandbox) -> None:
    now = int(sandbox.now())
    too_recent = api.export(start_time=now - 30)
    assert too_recent.status_code == 422
    assert too_recent.json() == {
        "error": "InvalidValue",
        "description": "Too recent start_time. Use a start_time older than 1 minute",
    }
    future = api.export(start_time=now + 3600)
    assert future.status_code == 400 and future.json()["error"] == "InvalidValue"
    for bad in ("yesterday", "", "nan", "-5"):
        response = api.export(start_time=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"] == "InvalidValue"
    missing = api.get(EXPORT)
    assert missing.status_code == 400 and missing.json()["error"] == "InvalidValue"


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.b64encode(b"hello").decode(),
        base64.b64encode(b"1576613539||467|").decode(),
        "MTU3NjYxMzUzOS4wfHw0Njd8" + "=" * 3,
    ],
)
def test_undecodable_cursor_is_a_400(api: Api, cursor: str) -> None:
    response = api.export(cursor=cursor)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidPaginationParameter"
    assert response.json()["description"]


@pytest.mark.parametrize("per_page", ["0", "-1", "ten", "2.5"])
def test_bad_per_page_is_a_400(api: Api, per_page: str) -> None:
    response = api.export(start_time=0, per_page=per_page)
    assert response.status_code == 400 and response.json()["error"] == "InvalidValue"


def test_padded_cursors_are_url_encoded_in_after_url(api: Api) -> None:
    pages = api.export_all(start_time=0, per_page=7)
    padded = [page for page in pages if page["after_cursor"].endswith("=")]
    assert padded, "some cursors end in base64 padding"
    for page in padded:
        assert "=" not in page["after_url"].split("?cursor=", 1)[1].split("&")[0]
        assert "%3D" in page["after_url"]


def test_export_body_is_the_ticket_json(api: Api, sandbox: Sandbox) -> None:
    page = api.export(start_time=0, per_page=3).json()
    for ticket in page["tickets"]:
        assert ticket == sandbox.exported_ticket(ticket["id"])
