"""What else a generated ticket has: its satisfaction rating as a record of its own, and its
side conversations (with the Collaboration add-on).

Both derive from the ticket alone (and, for side conversations, ``(seed, ticket id)``), so
they cost nothing until read:

- a ticket whose ``satisfaction_rating`` has an id (a received ``good`` or ``bad`` rating)
  has that rating in the satisfaction ratings list, rated when the ticket was last updated
  (rating a ticket updates it), with the ticket's assignee, group and requester;
- about one ticket in twelve has a side conversation with someone outside the ticket (one
  in five of those has two), opened and last written to between the ticket's creation and
  its last update, by the assignee; it is closed once the ticket is solved.
"""

from __future__ import annotations

import random
import uuid

from zendesk_sandbox.timefmt import iso

SIDE_CONVERSATION_SHARE = 1 / 12
SECOND_SIDE_CONVERSATION_SHARE = 0.2
SIDE_SALT = 7
VENDORS = ("billing@vendor.example.net", "logistics@carrier.example.net", "tier3@partner.example")
#: Reasons of received ratings: (reason_id, reason_code, text) by score.
REASONS = {
    "good": (0, 0, "No reason provided"),
    "bad": (360_000_300_001, 1001, "Issue is not resolved"),
}


def rating_record(ticket: dict, rated_at: int, base_url: str) -> dict | None:
    """The ticket's satisfaction rating as ``GET /api/v2/satisfaction_ratings`` lists it;
    None when the ticket holds no received rating."""
    rating = ticket.get("satisfaction_rating")
    if not isinstance(rating, dict) or not isinstance(rating.get("id"), int):
        return None
    score = str(rating.get("score"))
    reason_id, reason_code, reason = REASONS.get(score, REASONS["good"])
    return {
        "url": f"{base_url}/api/v2/satisfaction_ratings/{rating['id']}.json",
        "id": rating["id"],
        "assignee_id": ticket.get("assignee_id"),
        "group_id": ticket.get("group_id"),
        "requester_id": ticket.get("requester_id"),
        "ticket_id": ticket["id"],
        "score": score,
        "comment": rating.get("comment"),
        "reason": reason,
        "reason_id": reason_id or None,
        "reason_code": reason_code,
        "created_at": iso(rated_at),
        "updated_at": iso(rated_at),
    }


def side_conversations(
    seed: int, account: int, ticket: dict, *, created: int, updated: int, base_url: str
) -> list[dict]:
    """The ticket's side conversations, oldest first (see the module docstring)."""
    rng = random.Random((((seed * 1_000_003 + SIDE_SALT) * 100 + account) << 36) + ticket["id"])
    if rng.random() >= SIDE_CONVERSATION_SHARE:
        return []
    count = 2 if rng.random() < SECOND_SIDE_CONVERSATION_SHARE else 1
    solved = ticket.get("status") in ("solved", "closed")
    found = []
    for _ in range(count):
        opened = rng.randint(created, max(created, updated))
        last = rng.randint(opened, max(opened, updated))
        vendor = VENDORS[int(rng.random() * len(VENDORS))]
        side_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        participants = [{"email": vendor, "name": vendor.split("@")[1], "user_id": None}]
        if ticket.get("assignee_id") is not None:
            participants.insert(0, {"user_id": ticket["assignee_id"], "email": None, "name": None})
        state_at = updated if solved else opened
        found.append(
            {
                "url": f"{base_url}/api/v2/tickets/{ticket['id']}/side_conversations/{side_id}",
                "id": side_id,
                "ticket_id": ticket["id"],
                "subject": f"About ticket #{ticket['id']}: {ticket.get('subject') or ''}".strip(),
                "preview_text": "Could you check this order on your side?",
                "state": "closed" if solved else "open",
                "participants": participants,
                "external_ids": {},
                "created_at": iso(opened),
                "updated_at": iso(max(last, state_at)),
                "message_added_at": iso(last),
                "state_updated_at": iso(state_at),
            }
        )
    return found
