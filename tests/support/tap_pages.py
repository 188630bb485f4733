"""Building export pages and running the tap in-process, for unit tests."""

import base64
import json
import re

from tap_zendesk_tickets.export import Timing
from tests.support.clock import FakeClock

BASE = "https://acme.zendesk.com"
EXPORT_URL = f"{BASE}/api/v2/incremental/tickets/cursor.json"
TOKEN = "unit-tap-token-0042"


def cursor_for(timestamp, ticket_id):
    return base64.b64encode(f"{timestamp}.0||{ticket_id}|".encode()).decode()


def ticket(ticket_id, timestamp, **fields):
    return {
        "id": ticket_id,
        "generated_timestamp": timestamp,
        "subject": f"ticket {ticket_id}",
        **fields,
    }


def page(tickets, *, end, cursor=None):
    if cursor is None and tickets:
        cursor = cursor_for(tickets[-1]["generated_timestamp"], tickets[-1]["id"])
    return {
        "json": {
            "tickets": tickets,
            "after_cursor": cursor,
            "after_url": None,
            "end_of_stream": end,
        }
    }


def unit_tap_config(**overrides):
    """Settings for in-process tap runs against requests-mock (``acme``, no pacing)."""
    config = {
        "zendesk": {"domain": "acme", "userName": "admin@acme.test", "apiToken": TOKEN},
        "pollingPeriod": "0s",
        "retryBackoff": "1ms",
        "defaultRetryAfter": "1ms",
    }
    config.update(overrides)
    return config


def sync_in_process(capsys, config=None, state=None, clock=None):
    """Run a sync in-process on a fake clock; return the Singer messages it printed, parsed.

    Every wait (pacing, rate limits, backoff) goes to ``clock`` (a new FakeClock by default)
    instead of sleeping.
    """
    from tap_zendesk_tickets.tap import TapZendeskTickets

    clock = clock or FakeClock()
    tap = TapZendeskTickets(
        config=config or unit_tap_config(),
        state=state,
        timing=Timing(clock=clock, sleep=clock.sleep),
    )
    tap.sync_all()
    return parse_output(capsys)


def parse_output(capsys):
    """The Singer messages printed so far, parsed."""
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def records(messages):
    return [m["record"] for m in messages if m["type"] == "RECORD"]


def ticket_records(messages):
    """The records of the tickets stream alone (the default selection has ticket_metrics too)."""
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "tickets"]


def states(messages):
    return [m["value"] for m in messages if m["type"] == "STATE"]


def full_ticket(ticket_id, timestamp, **overrides):
    """A ticket with every field of Zendesk's ticket object (reference §8)."""
    fields = [
        {"id": 360001, "value": "tier_2"},
        {"id": 360002, "value": 42},
        {"id": 360003, "value": 3.25},
        {"id": 360004, "value": True},
        {"id": 360005, "value": ["red", "blue"]},
        {"id": 360006, "value": None},
    ]
    record = {
        "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "id": ticket_id,
        "external_id": f"legacy-{ticket_id}",
        "via": {
            "channel": "email",
            "source": {"from": {"address": "jane@example.org"}, "to": {}, "rel": None},
        },
        "created_at": "2024-03-05T14:22:09Z",
        "updated_at": "2024-03-07T09:01:44Z",
        "generated_timestamp": timestamp,
        "type": "question",
        "subject": f"Ticket {ticket_id}",
        "raw_subject": f"Ticket {ticket_id}",
        "description": "The reset link has expired twice already.",
        "priority": "normal",
        "status": "solved",
        "custom_status_id": 360000123456,
        "recipient": "support@acme.zendesk.com",
        "requester_id": 381023455,
        "submitter_id": 381023455,
        "assignee_id": 372200114,
        "organization_id": 360088112233,
        "group_id": 360012345678,
        "collaborator_ids": [1, 2],
        "follower_ids": [372200114],
        "email_cc_ids": [3],
        "forum_topic_id": 7,
        "problem_id": 9,
        "has_incidents": False,
        "is_public": True,
        "due_at": "2024-03-09T00:00:00Z",
        "tags": ["password", "web_login"],
        "custom_fields": fields,
        "satisfaction_rating": {"score": "offered"},
        "sharing_agreement_ids": [4],
        "fields": [dict(field) for field in fields],
        "followup_ids": [5],
        "ticket_form_id": 360000654321,
        "brand_id": 360000987654,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
        "encoded_id": f"PZ7QRW-{ticket_id}",
        "support_type": "agent",
    }
    record.update(overrides)
    return record


def full_metric_set(ticket_id):
    """A ticket's metric set with every field of Zendesk's (the ``metric_sets`` side-load)."""
    minutes = {"calendar": 16, "business": 16}
    return {
        "url": f"https://acme.zendesk.com/api/v2/ticket_metrics/{9000 + ticket_id}.json",
        "id": 9000 + ticket_id,
        "ticket_id": ticket_id,
        "created_at": "2024-03-05T14:22:09Z",
        "updated_at": "2024-03-07T09:01:44Z",
        "group_stations": 1,
        "assignee_stations": 1,
        "reopens": 0,
        "replies": 1,
        "assignee_updated_at": "2024-03-05T14:38:09Z",
        "requester_updated_at": "2024-03-07T09:01:44Z",
        "status_updated_at": "2024-03-07T09:01:44Z",
        "custom_status_updated_at": "2024-03-07T09:01:44Z",
        "initially_assigned_at": "2024-03-05T14:22:09Z",
        "assigned_at": "2024-03-05T14:22:09Z",
        "solved_at": "2024-03-07T09:01:44Z",
        "latest_comment_added_at": "2024-03-07T09:01:44Z",
        "reply_time_in_minutes": minutes,
        "reply_time_in_seconds": {"calendar": 960},
        "first_resolution_time_in_minutes": minutes,
        "full_resolution_time_in_minutes": minutes,
        "agent_wait_time_in_minutes": minutes,
        "requester_wait_time_in_minutes": minutes,
        "on_hold_time_in_minutes": minutes,
    }


SUPPORT = f"{BASE}/api/v2"
LIST_KEYS = (
    "ticket_fields",
    "ticket_forms",
    "brands",
    # The lists a copy creating the source's structure needs.
    "group_memberships",
    "organization_memberships",
    "user_fields",
    "organization_fields",
    "custom_roles",
)


def mock_support_api(mock, *, users=(), comments=None, **lists):
    """Answer the Support API reads besides the export: the lists (``brands=[...]``,
    ``ticket_forms``, ``ticket_fields``; empty unless given), ``users/show_many`` (from
    ``users``) and each ticket's comments (``comments={ticket_id: [...]}``, side-loading
    their authors found in ``users``; a ticket not in it has none)."""
    by_id = {user["id"]: user for user in users}
    for key in LIST_KEYS:
        mock.get(f"{SUPPORT}/{key}.json", json={key: list(lists.get(key, ())), "meta": {}})

    def show_many(request, context):
        ids = [int(i) for i in request.qs["ids"][0].split(",")]
        return {"users": [by_id[i] for i in ids if i in by_id]}

    def ticket_comments(request, context):
        ticket_id = int(request.path.split("/")[-2])
        found = (comments or {}).get(ticket_id, [])
        authors = {c.get("author_id") for c in found}
        return {
            "comments": found,
            "users": [user for user in users if user["id"] in authors],
            "meta": {"has_more": False},
        }

    mock.get(f"{SUPPORT}/users/show_many.json", json=show_many)
    mock.get(re.compile(rf"{re.escape(SUPPORT)}/tickets/\d+/comments\.json"), json=ticket_comments)
    return mock


def mock_analytics_api(mock):
    """Answer every analytics read with nothing: an account without ratings, tags, SLA
    policies, custom statuses, metric events, ticket events or side conversations."""
    empty_list = {"meta": {"has_more": False}}
    mock.get(f"{SUPPORT}/custom_statuses.json", json={"custom_statuses": []})
    mock.get(f"{SUPPORT}/tags.json", json={"tags": [], **empty_list})
    mock.get(f"{SUPPORT}/slas/policies.json", json={"sla_policies": [], "next_page": None})
    mock.get(
        f"{SUPPORT}/satisfaction_ratings.json", json={"satisfaction_ratings": [], **empty_list}
    )
    end = {"count": 0, "end_time": 0, "next_page": None}
    mock.get(
        f"{SUPPORT}/incremental/ticket_metric_events.json",
        json={"ticket_metric_events": [], **end},
    )
    mock.get(
        f"{SUPPORT}/incremental/ticket_events.json",
        json={"ticket_events": [], **end, "end_of_stream": True},
    )
    mock.get(
        re.compile(rf"{re.escape(SUPPORT)}/tickets/\d+/side_conversations\.json"),
        json={"side_conversations": [], **empty_list},
    )
    return mock


def user(user_id, **fields):
    return {
        "id": user_id,
        "url": f"{SUPPORT}/users/{user_id}.json",
        "name": f"User {user_id}",
        "email": f"user{user_id}@example.org",
        "role": "end-user",
        "suspended": False,
        "organization_id": None,
        "updated_at": "2024-01-01T00:00:00Z",
        **fields,
    }


def named(kind, record_id, name, **fields):
    return {"id": record_id, "url": f"{SUPPORT}/{kind}/{record_id}.json", "name": name, **fields}


def comment(comment_id, author_id, body="Hello", **fields):
    return {
        "id": comment_id,
        "type": "Comment",
        "author_id": author_id,
        "body": body,
        "html_body": f"<p>{body}</p>",
        "plain_body": body,
        "public": True,
        "attachments": [],
        "audit_id": comment_id + 1,
        "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": "2024-03-05T14:22:09Z",
        "metadata": {"system": {}, "custom": {}},
        **fields,
    }


def full_ticket_account():
    """What every ``full_ticket`` refers to, as Zendesk answers it: ``users`` (all its
    people), ``groups``, ``organizations``, ``brands``, ``ticket_forms``, ``ticket_fields``."""
    people = [381023455, 372200114, 1, 2, 3]
    fields = [
        {"id": 360001 + i, "type": kind, "title": f"Field {i}", "custom_field_options": None}
        for i, kind in enumerate(
            ["tagger", "integer", "decimal", "checkbox", "multiselect", "text"]
        )
    ]
    fields[0]["custom_field_options"] = [{"id": 9, "name": "Tier 2", "value": "tier_2"}]
    return {
        "users": [user(i, role="agent" if i == 372200114 else "end-user") for i in people],
        "groups": [named("groups", 360012345678, "Support")],
        "organizations": [named("organizations", 360088112233, "Acme Corp")],
        "brands": [named("brands", 360000987654, "Acme")],
        "ticket_forms": [named("ticket_forms", 360000654321, "Default Ticket Form")],
        "ticket_fields": fields,
    }
