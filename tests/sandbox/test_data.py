"""The generated account: deterministic, complete tickets with the awkward cases planted."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from zendesk_sandbox import SandboxConfig
from zendesk_sandbox.account import Account
from zendesk_sandbox.generated.tickets import RANGE_END, RANGE_START, TicketKeys
from zendesk_sandbox.timefmt import parse_iso

TICKET_FIELDS = {
    "url",
    "id",
    "external_id",
    "via",
    "created_at",
    "updated_at",
    "generated_timestamp",
    "type",
    "subject",
    "raw_subject",
    "description",
    "priority",
    "status",
    "custom_status_id",
    "recipient",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
    "forum_topic_id",
    "problem_id",
    "has_incidents",
    "is_public",
    "due_at",
    "tags",
    "custom_fields",
    "fields",
    "satisfaction_rating",
    "sharing_agreement_ids",
    "followup_ids",
    "ticket_form_id",
    "brand_id",
    "allow_channelback",
    "allow_attachments",
    "from_messaging_channel",
    "encoded_id",
    "support_type",
}


def all_tickets(account: Account) -> list[dict]:
    return [account.exported_ticket(i) for i in range(1, account.config.tickets + 1)]


@pytest.fixture(scope="module")
def tickets_2000() -> list[dict]:
    return all_tickets(Account(SandboxConfig(tickets=2000, seed=7), base_url="http://sandbox.test"))


def test_same_seed_gives_the_same_tickets() -> None:
    first = all_tickets(Account(SandboxConfig(tickets=200, seed=3)))
    second = all_tickets(Account(SandboxConfig(tickets=200, seed=3)))
    assert first == second


def test_another_seed_gives_other_tickets() -> None:
    first = all_tickets(Account(SandboxConfig(tickets=50, seed=1)))
    second = all_tickets(Account(SandboxConfig(tickets=50, seed=2)))
    assert [t["subject"] for t in first] != [t["subject"] for t in second]


def test_data_does_not_depend_on_the_current_time(monkeypatch: pytest.MonkeyPatch) -> None:
    before = all_tickets(Account(SandboxConfig(tickets=50)))
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    assert all_tickets(Account(SandboxConfig(tickets=50))) == before


def test_every_ticket_has_every_field(tickets_2000: list[dict]) -> None:
    for ticket in tickets_2000:
        assert set(ticket) == TICKET_FIELDS, ticket["id"]
        assert ticket["url"] == f"http://sandbox.test/api/v2/tickets/{ticket['id']}.json"
        assert ticket["fields"] == ticket["custom_fields"]
        assert set(ticket["via"]["source"]) == {"from", "to", "rel"}


def test_field_values_are_realistic(tickets_2000: list[dict]) -> None:
    tickets = tickets_2000
    statuses = Counter(t["status"] for t in tickets)
    assert set(statuses) == {"new", "open", "pending", "hold", "solved", "closed", "deleted"}
    assert {t["priority"] for t in tickets} == {"urgent", "high", "normal", "low", None}
    assert {t["type"] for t in tickets} == {"problem", "incident", "question", "task", None}
    external = [t["external_id"] for t in tickets]
    assert None in external
    strings = [e for e in external if e is not None]
    assert len(set(strings)) == len(strings), "external ids are unique"
    assert any(t["satisfaction_rating"] is None for t in tickets)
    assert any(isinstance(t["satisfaction_rating"], dict) for t in tickets)
    assert all(isinstance(t["encoded_id"], str) and len(t["encoded_id"]) == 12 for t in tickets)
    assert any(t["due_at"] for t in tickets if t["type"] == "task")
    assert {t["via"]["channel"] for t in tickets} >= {"email", "web", "api"}


def test_timestamps_are_whole_utc_seconds_in_a_fixed_past_range(tickets_2000: list[dict]) -> None:
    tickets = tickets_2000
    for ticket in tickets:
        for name in ("created_at", "updated_at"):
            assert ticket[name].endswith("Z") and len(ticket[name]) == 20
        created, updated = parse_iso(ticket["created_at"]), parse_iso(ticket["updated_at"])
        assert RANGE_START <= created <= updated <= RANGE_END
        assert isinstance(ticket["generated_timestamp"], int)
        assert ticket["generated_timestamp"] >= updated
    created_order = [parse_iso(t["created_at"]) for t in tickets]
    assert created_order == sorted(created_order), "created_at grows with the id"


def test_system_updates_make_generated_timestamp_later_and_not_monotonic(
    tickets_2000: list[dict],
) -> None:
    tickets = tickets_2000
    later = [t for t in tickets if t["generated_timestamp"] > parse_iso(t["updated_at"])]
    assert len(later) > len(tickets) // 20
    generated = [t["generated_timestamp"] for t in tickets]
    assert generated != sorted(generated)


def test_custom_fields_hold_every_json_type(tickets_2000: list[dict]) -> None:
    types_seen = {
        type(field["value"]).__name__
        for ticket in tickets_2000
        for field in ticket["custom_fields"]
    }
    assert types_seen == {"str", "int", "float", "bool", "list", "NoneType"}


def test_about_three_percent_are_deleted_with_the_same_shape(tickets_2000: list[dict]) -> None:
    deleted = [t for t in tickets_2000 if t["status"] == "deleted"]
    assert 20 <= len(deleted) <= 100
    assert all(set(t) == TICKET_FIELDS for t in deleted)


def test_a_bulk_update_puts_more_than_1000_tickets_in_one_second(tickets_2000: list[dict]) -> None:
    per_second = Counter(t["generated_timestamp"] for t in tickets_2000)
    sizes = sorted(per_second.values(), reverse=True)
    assert sizes[0] > 1000
    small = [size for size in sizes[1:] if 2 <= size <= 50]
    assert len(small) >= 3, "several small clusters too"


def test_small_accounts_still_have_a_cluster_bigger_than_small_pages() -> None:
    account = Account(SandboxConfig(tickets=300))
    per_second = Counter(t["generated_timestamp"] for t in all_tickets(account))
    assert max(per_second.values()) >= 50


def test_large_accounts_are_quick_to_generate() -> None:
    started = time.perf_counter()
    account = Account(SandboxConfig(tickets=200_000))
    assert time.perf_counter() - started < 3.0
    assert account.stats()["tickets"] == 200_000
    assert len(TicketKeys.generate(1, 2_000).big_cluster[1]) == 1100
