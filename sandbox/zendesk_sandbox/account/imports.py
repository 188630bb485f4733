"""Bulk ticket import: reading a batch, checking each ticket, turning it into a stored ticket.

Zendesk documents a limit of 100 tickets per bulk import but not the error for breaking it;
the sandbox answers 400 ``InvalidValue``, like its other bad-request errors.

Each ticket in a batch is checked on its own when the job runs (not when it is posted);
the rules are Zendesk's documented constraints, kept small:

- the ticket is a JSON object;
- ``status``, if given, is one of new/open/pending/hold/solved/closed (so ``deleted`` fails);
- ``priority`` is urgent/high/normal/low or null; ``type`` is problem/incident/question/task
  or null;
- ``requester_id``, if given, is a positive integer;
- ``created_at``, ``updated_at``, ``solved_at`` and ``due_at``, if given, are ISO-8601
  date-times (times before 1970 are moved up to 1970, as Zendesk does);
- it has a ``subject``, a ``description`` or ``comments``.

Read-only fields a client sends (``id``, ``url``, ``generated_timestamp``, ...) are ignored.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from zendesk_sandbox.errors import invalid_value
from zendesk_sandbox.generated.conversations import plain_bodies
from zendesk_sandbox.generated.statuses import default_status_ids
from zendesk_sandbox.generated.tickets import BRAND_IDS, ENCODED_ALPHABET
from zendesk_sandbox.timefmt import iso, parse_iso

MAX_BATCH = 100
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("problem", "incident", "question", "task")
TIME_FIELDS = ("created_at", "updated_at", "solved_at", "due_at")
# The admin's user id: the requester when an imported ticket names none.
ADMIN_USER_ID = 372_200_000_100

# Writable fields copied as given (lists are copied so later edits by the caller do not leak).
COPIED_FIELDS = (
    "external_id",
    "type",
    "priority",
    "recipient",
    "assignee_id",
    "organization_id",
    "group_id",
    "problem_id",
    "ticket_form_id",
)
COPIED_LISTS = ("collaborator_ids", "follower_ids", "email_cc_ids", "tags")
# What an import may set. Zendesk strips other keys (read-only ones such as id or url) and
# says so in an X-Zendesk-API-Warn header (observed).
IMPORT_KEYS = frozenset(
    {
        *COPIED_FIELDS,
        *COPIED_LISTS,
        *TIME_FIELDS,
        "subject", "raw_subject", "description", "status", "custom_status_id",
        "requester_id", "requester", "submitter_id", "brand_id", "custom_fields", "fields",
        "comments", "comment", "collaborators", "email_ccs", "followers",
        "sharing_agreement_ids", "via_id", "metadata", "macro_ids", "safe_update",
        "updated_stamp", "assignee_email", "attribute_value_ids", "voice_comment",
    }
)  # fmt: skip


def parse_batch(body: bytes) -> list:
    """The ``tickets`` list of a bulk-import body, or raise the 400 for a bad batch."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise invalid_value("The request body is not valid JSON.") from None
    tickets = payload.get("tickets") if isinstance(payload, dict) else None
    if not isinstance(tickets, list):
        raise invalid_value('The request body needs a "tickets" list.')
    if not tickets:
        raise invalid_value('The "tickets" list is empty.')
    if len(tickets) > MAX_BATCH:
        raise invalid_value(
            f"A bulk import takes at most {MAX_BATCH} tickets; this request has {len(tickets)}."
        )
    return tickets


def restricted_keys(tickets: list, prefix: str) -> list[str]:
    """``prefix.key`` for each key of ``tickets`` an import may not set, first seen first."""
    found: dict[str, None] = {}
    for raw in tickets:
        if isinstance(raw, dict):
            for key in raw:
                if key not in IMPORT_KEYS:
                    found[f"{prefix}.{key}"] = None
    return list(found)


def ticket_errors(raw: object) -> list[str]:
    """Readable reasons why ``raw`` cannot be imported; empty when it can."""
    if not isinstance(raw, dict):
        return ["Ticket: must be a JSON object"]
    errors = []
    status = raw.get("status")
    if status is not None and status not in STATUSES:
        errors.append(f"Status: {status} is not valid")
    priority = raw.get("priority")
    if priority is not None and priority not in PRIORITIES:
        errors.append(f"Priority: {priority} is not valid")
    kind = raw.get("type")
    if kind is not None and kind not in TYPES:
        errors.append(f"Type: {kind} is not valid")
    if "requester_id" in raw:
        requester = raw["requester_id"]
        if isinstance(requester, bool) or not isinstance(requester, int) or requester < 1:
            errors.append(f"Requester: {requester!r} is not a valid user id")
    for name in TIME_FIELDS:
        value = raw.get(name)
        if value is not None and parse_iso(value) is None:
            label = name.replace("_", " ").capitalize()
            errors.append(f"{label}: {value!r} is not an ISO-8601 date-time")
    if not (raw.get("subject") or raw.get("description") or raw.get("comments")):
        errors.append("Base: a ticket needs a subject, a description or comments")
    return errors


def imported_ticket(
    raw: dict, ticket_id: int, now: float, base_url: str, account: int
) -> tuple[dict, dict]:
    """The stored ticket for a valid ``raw`` import, and its import-only facts.

    The second value holds what the export does not show: ``solved_at``.
    """
    comments = raw.get("comments") if isinstance(raw.get("comments"), list) else []
    created = _clamped_iso(raw.get("created_at")) or iso(now)
    updated = _clamped_iso(raw.get("updated_at")) or created
    status = raw.get("status") or ("open" if raw.get("assignee_id") else "new")
    requester_id = raw.get("requester_id") or ADMIN_USER_ID
    custom_fields = raw.get("custom_fields") or raw.get("fields") or []
    first_comment = comments[0] if comments and isinstance(comments[0], dict) else {}
    description = raw.get("description") or _comment_text(first_comment)
    subject = raw.get("subject")
    # A ticket is public when it has a public comment; a ticket without comments counts too.
    is_public = not comments or any(c.get("public", True) for c in comments if isinstance(c, dict))
    ticket = {
        "url": f"{base_url}/api/v2/tickets/{ticket_id}.json",
        "id": ticket_id,
        "external_id": None,
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": created,
        "updated_at": updated,
        "generated_timestamp": int(now),
        "type": None,
        "subject": subject,
        "raw_subject": raw.get("raw_subject") or subject,
        "description": description,
        "priority": None,
        "status": status,
        "custom_status_id": raw.get("custom_status_id") or default_status_ids(account)[status],
        "recipient": None,
        "requester_id": requester_id,
        "submitter_id": raw.get("submitter_id") or first_comment.get("author_id") or requester_id,
        "assignee_id": None,
        "organization_id": None,
        "group_id": None,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": is_public,
        "due_at": _clamped_iso(raw.get("due_at")),
        "tags": [],
        "custom_fields": copy.deepcopy(custom_fields),
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "fields": copy.deepcopy(custom_fields),
        "followup_ids": [],
        "ticket_form_id": None,
        "brand_id": raw.get("brand_id") or BRAND_IDS[0],
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
        "encoded_id": _encoded_id(ticket_id),
        "support_type": "agent",
    }
    for name in COPIED_FIELDS:
        if name in raw:
            ticket[name] = raw[name]
    for name in COPIED_LISTS:
        if isinstance(raw.get(name), list):
            ticket[name] = list(raw[name])
    return ticket, {"solved_at": _clamped_iso(raw.get("solved_at"))}


def _clamped_iso(value: object) -> str | None:
    epoch = parse_iso(value)
    if epoch is None:
        return None
    return iso(max(0.0, epoch))  # Zendesk moves pre-1970 times up to 1970


def _comment_text(comment: dict) -> str | None:
    for key in ("value", "body", "html_body"):
        if isinstance(comment.get(key), str):
            return comment[key]
    return None


def _encoded_id(ticket_id: int) -> str:
    letters: list[str] = []
    number = ticket_id * 7_919 + 123_457
    for _ in range(11):
        number, digit = divmod(number, len(ENCODED_ALPHABET))
        letters.append(ENCODED_ALPHABET[(digit + len(letters)) % len(ENCODED_ALPHABET)])
    code = "".join(letters)
    return f"{code[:6]}-{code[6:]}"


def import_audits(ticket: dict, comments: list[dict], new_id: Callable[[str], int]) -> list[dict]:
    """The audits of an imported ticket: one per comment, the first creating the ticket.

    Comments keep author, ``public``, bodies and ``created_at``; one without a time gets the
    ticket's ``created_at`` (a guess). A ticket imported without comments gets its
    description as the only comment, by the submitter, at its creation.
    """
    created = int(parse_iso(ticket["created_at"]) or 0)
    if not comments:
        text = ticket.get("description") or ticket.get("subject") or ""
        comments = [
            {
                "author_id": ticket["submitter_id"],
                "public": True,
                "created_at": created,
                "position": 0,
                "attachments": [],
                **plain_bodies(text),
            }
        ]
    ordered = sorted(
        comments,
        key=lambda c: (created if c["created_at"] is None else c["created_at"], c["position"]),
    )
    audits = []
    for index, raw in enumerate(ordered):
        at = created if raw["created_at"] is None else raw["created_at"]
        comment = {key: value for key, value in raw.items() if key != "position"}
        comment.update({"id": new_id("comment"), "created_at": at, "channel": "api"})
        audits.append(
            {
                "id": new_id("audit"),
                "ticket_id": ticket["id"],
                "at": at,
                "author_id": comment["author_id"],
                "channel": "api",
                "create": index == 0,
                "changes": [
                    ["subject", ticket.get("subject"), None],
                    ["requester_id", ticket.get("requester_id"), None],
                    ["status", ticket.get("status"), None],
                    ["priority", ticket.get("priority"), None],
                ]
                if index == 0
                else [],
                "comment": comment,
            }
        )
    return audits


def apply_conversation(ticket: dict, audits: list[dict]) -> None:
    """Make ``description`` and ``is_public`` agree with the conversation (in place)."""
    comments = [audit["comment"] for audit in audits if audit.get("comment")]
    if comments:
        ticket["description"] = comments[0]["body"]
        ticket["is_public"] = any(comment["public"] for comment in comments)
