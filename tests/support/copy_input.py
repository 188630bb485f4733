"""Singer input for a copy, read from a sandbox account over its HTTP API.

What tap-zendesk-tickets sends when the copy streams are selected: people, structure and
each ticket's comments before the ticket, a STATE at the end. Built here from the API so
that the target's side of a copy can be tested on its own.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from zendesk_sandbox import Credentials, Sandbox

LISTS = {
    "users": "/api/v2/users.json",
    "groups": "/api/v2/groups.json",
    "organizations": "/api/v2/organizations.json",
    "brands": "/api/v2/brands.json",
    "ticket_forms": "/api/v2/ticket_forms.json",
    "ticket_fields": "/api/v2/ticket_fields.json",
    "custom_statuses": "/api/v2/custom_statuses.json",
}
#: What creating the source's structure needs too (createMissing, createAgents).
STRUCTURE_LISTS = {
    "group_memberships": "/api/v2/group_memberships.json",
    "organization_memberships": "/api/v2/organization_memberships.json",
    "user_fields": "/api/v2/user_fields.json",
    "organization_fields": "/api/v2/organization_fields.json",
    "custom_roles": "/api/v2/custom_roles.json",
}
OPEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "additionalProperties": True,
}


def read_all(session: requests.Session, url: str, key: str) -> list[dict]:
    items: list[dict] = []
    params: dict[str, Any] = {"page[size]": 100}
    while True:
        document = session.get(url, params=params, timeout=30).json()
        items += document[key]
        meta = document.get("meta") or {}
        if not meta.get("has_more"):
            return items
        params = {"page[size]": 100, "page[after]": meta["after_cursor"]}


def copy_input(
    source: Sandbox,
    ticket_ids: list[int] | None = None,
    *,
    comments: bool = True,
    state_every: int | None = None,
    first_position: int = 0,
    structure: bool = False,
) -> list[str]:
    """SCHEMA and RECORD lines for the references and tickets of ``source``, then a STATE.

    With ``state_every``, a STATE ``{"through": n}`` after every n-th ticket too, n counted
    from ``first_position`` (where a resumed run starts).
    """
    session = requests.Session()
    session.auth = Credentials().admin_basic
    lines: list[str] = []

    def schema(stream: str) -> None:
        lines.append(
            json.dumps(
                {
                    "type": "SCHEMA",
                    "stream": stream,
                    "schema": OPEN_SCHEMA,
                    "key_properties": ["id"],
                }
            )
        )

    def record(stream: str, value: dict) -> None:
        lines.append(json.dumps({"type": "RECORD", "stream": stream, "record": value}))

    lists = {**LISTS, **(STRUCTURE_LISTS if structure else {})}
    for stream, path in lists.items():
        schema(stream)
        for item in read_all(session, source.base_url + path, stream):
            record(stream, item)
    schema("ticket_comments")
    schema("tickets")
    ids = ticket_ids if ticket_ids is not None else source.visible_ticket_ids()
    for position, ticket_id in enumerate(ids, start=first_position + 1):
        ticket = source.exported_ticket(ticket_id)
        if comments and ticket.get("status") != "deleted":
            url = f"{source.base_url}/api/v2/tickets/{ticket_id}/comments.json"
            for comment in read_all(session, url, "comments"):
                record("ticket_comments", {**comment, "ticket_id": ticket_id})
        record("tickets", ticket)
        if state_every and position % state_every == 0:
            lines.append(json.dumps({"type": "STATE", "value": {"through": position}}))
    lines.append(json.dumps({"type": "STATE", "value": {"through": first_position + len(ids)}}))
    session.close()
    return lines
