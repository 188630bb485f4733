"""Building Singer input and Zendesk answers for the target's unit tests."""

from __future__ import annotations

import json
from typing import Any

BASE = "https://acme.zendesk.com"
TOKEN = "unit-target-token-0042"
IMPORT_URL = f"{BASE}/api/v2/imports/tickets/create_many.json"
JOB_URL = f"{BASE}/api/v2/job_statuses/{{id}}.json"
SHOW_MANY_URL = f"{BASE}/api/v2/job_statuses/show_many.json"
JOB_LIST_URL = f"{BASE}/api/v2/job_statuses.json"
TICKETS_URL = f"{BASE}/api/v2/tickets.json"

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "subject": {"type": ["string", "null"]},
        "status": {"type": ["string", "null"]},
        "external_id": {"type": ["string", "null"]},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
    },
    "additionalProperties": True,
}


def target_test_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "zendesk": {"domain": "acme", "userName": "admin@acme.test", "apiToken": TOKEN},
        "defaultRetryAfter": "1ms",
        "retryBackoff": "1ms",
        "jobPollInterval": "10ms",
        "jobTimeout": "5s",
        "destinationExportLag": "1ms",  # the fake destination's export has no lag
    }
    config.update(overrides)
    return config


def ticket(ticket_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "subject": f"ticket {ticket_id}",
        "status": "open",
        "updated_at": "2024-03-07T09:01:44Z",
        **fields,
    }


def schema_line(stream: str = "tickets", schema: dict | None = None) -> str:
    return json.dumps(
        {"type": "SCHEMA", "stream": stream, "schema": schema or SCHEMA, "key_properties": []}
    )


def record_line(record: Any, stream: str = "tickets") -> str:
    return json.dumps({"type": "RECORD", "stream": stream, "record": record})


def state_line(value: Any) -> str:
    return json.dumps({"type": "STATE", "value": value})


def job(job_id: str, status: str = "queued", results: list | None = None) -> dict[str, Any]:
    return {"job_status": {"id": job_id, "status": status, "results": results}}


def created(count: int, first_id: int = 1000) -> list[dict[str, int]]:
    return [{"index": index, "id": first_id + index} for index in range(count)]
