"""Building export pages and running the tap in-process, for unit tests."""

import base64

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


def base_config(**overrides):
    config = {
        "zendesk": {"domain": "acme", "userName": "admin@acme.test", "apiToken": TOKEN},
        "pollingPeriod": "0s",
        "retryBackoff": "1ms",
        "defaultRetryAfter": "1ms",
    }
    config.update(overrides)
    return config


def records(messages):
    return [m["record"] for m in messages if m["type"] == "RECORD"]


def states(messages):
    return [m["value"] for m in messages if m["type"] == "STATE"]
