"""The changes a generated ticket went through, written into its audits.

A generated conversation (``conversations.py``) is a list of audits, one per comment. This
module gives those audits the field changes a real ticket would have had, so that the
ticket events, the ticket audits, the ticket metrics and the metric events all tell one
story:

- the first audit creates the ticket: subject, requester, status (``new`` when nobody is
  assigned, else ``open``), priority, and the group and assignee it was given;
- an agent's public reply puts a ticket that waits for the team on ``pending``; the
  customer's next comment puts it back on ``open``;
- the last audit brings the ticket to its final status (``closed`` directly, as an API
  client or an automation may: ``solved_at`` is then the closing time).

A ticket with one audit has every change in it, as before. Each status change is
mirrored by a ``custom_status_id`` change (the default custom status of the category).
"""

from __future__ import annotations

from collections.abc import Callable

#: Statuses in which a ticket waits for the team (an agent's reply answers them).
WAITING_ON_TEAM = ("new", "open")
ENDED = ("deleted",)


def add_changes(
    audits: list[dict],
    ticket: dict,
    *,
    is_agent: Callable[[int | None], bool],
    custom_status_of: Callable[[str], int | None],
) -> None:
    """Write the ticket's field changes into its generated ``audits`` (in place)."""
    if not audits:
        return
    initial = "new" if ticket["assignee_id"] is None else "open"
    create = audits[0]["changes"]
    create[:] = [
        ["subject", ticket["subject"], None],
        ["requester_id", ticket["requester_id"], None],
        ["status", initial, None],
        ["priority", ticket["priority"], None],
    ]
    if ticket.get("group_id") is not None:
        create.append(["group_id", ticket["group_id"], None])
    if ticket.get("assignee_id") is not None:
        create.append(["assignee_id", ticket["assignee_id"], None])
    create.append(["custom_status_id", custom_status_of(initial), None])
    final = ticket["status"]
    current = initial
    if final != "new":  # a ticket still new never had a reply that moved it
        for audit in audits[1:-1]:
            comment = audit.get("comment")
            if not comment:
                continue
            by_agent = is_agent(comment.get("author_id"))
            if by_agent and comment.get("public") and current in WAITING_ON_TEAM:
                current = _move(audit, current, "pending", custom_status_of)
            elif not by_agent and current == "pending":
                current = _move(audit, current, "open", custom_status_of)
    if final not in ENDED and final != current:
        _move(audits[-1], current, final, custom_status_of)


def _move(
    audit: dict, current: str, new: str, custom_status_of: Callable[[str], int | None]
) -> str:
    audit["changes"].append(["status", new, current])
    before, after = custom_status_of(current), custom_status_of(new)
    if before != after:
        audit["changes"].append(["custom_status_id", after, before])
    return new
