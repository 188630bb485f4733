"""A ticket's metrics and metric events, read off its audits.

Zendesk computes both from what happened to the ticket; so does the sandbox, from the
same audits the ticket events export and the ticket audits list show (``status_path.py``
writes them for generated tickets): the status changes, the assignments, and who wrote
which comment when. So a ticket's metric set agrees with its status and its comments:

- ``reply_time``: from creation to the first public comment by an agent after the
  description; ``replies`` counts those comments;
- ``first_resolution_time`` / ``full_resolution_time``: to the first / last change to
  ``solved`` (or ``closed``); ``solved_at`` the last; ``reopens`` the changes back from it;
- waiting times: the minutes spent in ``pending`` (the agent waits), in ``new``, ``open``
  and ``hold`` (the requester waits) and in ``hold``, over intervals that ended (a ticket
  still in a status has not finished waiting; the sandbox never reads the clock here);
- business hours equal calendar hours (the account has no schedule).

A change made without an audit (the admin API's ``update_tickets``, a system update) that
left the ticket in another status than its audits say counts as a status change at the
ticket's ``updated_at``.

Metric events (``ticket_metric_events``), per metric: ``activate`` at creation (and again
when a paused or fulfilled metric runs again), ``pause`` and ``fulfill``, an
``update_status`` with the minutes reached at each fulfilment, ``apply_sla`` at creation
when an SLA policy covers the ticket's priority, and a ``breach`` when its first-reply
target passed first (every seventh breach was later withdrawn: ``deleted: true``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zendesk_sandbox.generated.service_levels import policy_for
from zendesk_sandbox.generated.universe import object_id
from zendesk_sandbox.timefmt import iso, parse_iso

SOLVED = ("solved", "closed")
REQUESTER_WAITS = ("new", "open", "hold")
#: The statuses in which each metric's clock runs (it pauses in the others, and is
#: fulfilled by a change to solved).
RUNS_IN = {
    "agent_work_time": ("new", "open"),
    "requester_wait_time": REQUESTER_WAITS,
    "resolution_time": ("new", "open", "pending", "hold"),
}
EVENTS_PER_TICKET = 256  # metric event numbers of ticket N are N*256 .. N*256+255
WITHDRAWN_BREACH_EVERY = 7


@dataclass
class Timeline:
    """What happened to one ticket, in time order (epoch seconds)."""

    created: int
    #: (time, status), the first at creation
    statuses: list[tuple[int, str]] = field(default_factory=list)
    assignees: list[tuple[int, int]] = field(default_factory=list)
    groups: list[tuple[int, int]] = field(default_factory=list)
    #: (time, author, public, by an agent), the description first
    comments: list[tuple[int, int | None, bool, bool]] = field(default_factory=list)

    @property
    def first_reply(self) -> int | None:
        return next((at for at, _, public, agent in self.comments[1:] if public and agent), None)

    @property
    def solves(self) -> list[int]:
        return [at for at, status in self.statuses if status in SOLVED]

    def intervals(self) -> list[tuple[str, int, int]]:
        """``(status, start, end)`` of every status the ticket left."""
        return [
            (status, start, end)
            for (start, status), (end, _) in zip(self.statuses, self.statuses[1:], strict=False)
        ]

    @property
    def last_change(self) -> int:
        times = [self.created, *(at for at, _ in self.statuses)]
        times += [at for at, *_ in self.comments]
        return max(times)


def timeline(ticket: dict, audits: list[dict], is_agent: Callable[[int | None], bool]) -> Timeline:
    """Read the ticket's story off its audits (oldest first)."""
    created = int(parse_iso(ticket["created_at"]) or 0)
    story = Timeline(created)
    for audit in sorted(audits, key=lambda a: (a["at"], a["id"])):
        at = audit["at"]
        for name, value, _previous in audit["changes"]:
            if name == "status" and (not story.statuses or story.statuses[-1][1] != value):
                story.statuses.append((at, value))
            elif name == "assignee_id" and value is not None:
                story.assignees.append((at, value))
            elif name == "group_id" and value is not None:
                story.groups.append((at, value))
        comment = audit.get("comment")
        if comment:
            author = comment.get("author_id")
            story.comments.append((at, author, bool(comment.get("public")), is_agent(author)))
    current = ticket.get("status")
    if current not in (None, "deleted") and (
        not story.statuses or story.statuses[-1][1] != current
    ):
        changed = int(parse_iso(ticket.get("updated_at") or "") or created)
        story.statuses.append((max(changed, story.last_change), current))
    if not story.assignees and ticket.get("assignee_id") is not None:
        story.assignees.append((created, ticket["assignee_id"]))
    if not story.groups and ticket.get("group_id") is not None:
        story.groups.append((created, ticket["group_id"]))
    return story


def _minutes(seconds: int | None) -> dict:
    value = None if seconds is None else seconds // 60
    return {"calendar": value, "business": value}


def _time(at: int | None) -> str | None:
    return None if at is None else iso(at)


def metric_set(ticket: dict, story: Timeline, account: int, base_url: str) -> dict:
    """The ticket's metric set, as ``GET /api/v2/tickets/{id}/metrics`` shows it."""
    metric_id = object_id("ticket_metric", account, ticket["id"])
    created = story.created
    first_reply = story.first_reply
    solves = story.solves
    solved_now = bool(story.statuses) and story.statuses[-1][1] in SOLVED
    waited = {"agent": 0, "requester": 0, "hold": 0}
    for status, start, end in story.intervals():
        if status == "pending":
            waited["agent"] += end - start
        if status in REQUESTER_WAITS:
            waited["requester"] += end - start
        if status == "hold":
            waited["hold"] += end - start
    reopens = sum(
        1
        for (_, before), (_, after) in zip(story.statuses, story.statuses[1:], strict=False)
        if before in SOLVED and after not in SOLVED
    )
    assignee = ticket.get("assignee_id")
    requester = ticket.get("requester_id")
    status_updated = story.statuses[-1][0] if story.statuses else created
    return {
        "url": f"{base_url}/api/v2/ticket_metrics/{metric_id}.json",
        "id": metric_id,
        "ticket_id": ticket["id"],
        "created_at": iso(created),
        "updated_at": iso(story.last_change),
        "group_stations": len({group for _, group in story.groups}),
        "assignee_stations": len({agent for _, agent in story.assignees}),
        "reopens": reopens,
        "replies": sum(1 for _, _, public, agent in story.comments[1:] if public and agent),
        "assignee_updated_at": _time(
            max((at for at, author, *_ in story.comments if author == assignee), default=None)
        ),
        "requester_updated_at": _time(
            max((at for at, author, *_ in story.comments if author == requester), default=None)
        ),
        "status_updated_at": iso(status_updated),
        "custom_status_updated_at": iso(status_updated),
        "initially_assigned_at": _time(story.assignees[0][0] if story.assignees else None),
        "assigned_at": _time(story.assignees[-1][0] if story.assignees else None),
        "solved_at": _time(solves[-1] if solved_now and solves else None),
        "latest_comment_added_at": _time(story.comments[-1][0] if story.comments else None),
        "reply_time_in_minutes": _minutes(None if first_reply is None else first_reply - created),
        "reply_time_in_seconds": {
            "calendar": None if first_reply is None else first_reply - created
        },
        "first_resolution_time_in_minutes": _minutes(solves[0] - created if solves else None),
        "full_resolution_time_in_minutes": _minutes(
            solves[-1] - created if solved_now and solves else None
        ),
        "agent_wait_time_in_minutes": _minutes(waited["agent"]),
        "requester_wait_time_in_minutes": _minutes(waited["requester"]),
        "on_hold_time_in_minutes": _minutes(waited["hold"]),
    }


def metric_events(ticket: dict, story: Timeline, account: int) -> list[dict]:
    """The ticket's metric events, oldest first (see the module docstring)."""
    created, ticket_id = story.created, ticket["id"]
    events: list[dict] = []

    def add(metric: str, kind: str, at: int, instance: int = 1, **extra: object) -> None:
        number = ticket_id * EVENTS_PER_TICKET + min(len(events), EVENTS_PER_TICKET - 1)
        events.append(
            {
                "id": object_id("metric_event", account, number),
                "ticket_id": ticket_id,
                "metric": metric,
                "instance_id": instance,
                "type": kind,
                "time": iso(at),
                **extra,
            }
        )

    for metric in ("agent_work_time", "requester_wait_time", "resolution_time", "reply_time"):
        add(metric, "activate", created)
    policy = policy_for(ticket.get("priority"))
    first_reply = story.first_reply
    if policy is not None:
        target = policy.targets[ticket["priority"]]["first_reply_time"]
        sla = {"target": target, "business_hours": False, "policy": policy.summary()}
        add("reply_time", "apply_sla", created, sla=sla)
        due = created + target * 60
        answered_late = first_reply is None or first_reply > due
        if answered_late and due <= story.last_change:
            withdrawn = ticket_id % WITHDRAWN_BREACH_EVERY == 0
            add("reply_time", "breach", due, deleted=withdrawn)
    if first_reply is not None:
        add("reply_time", "fulfill", first_reply)
        add("reply_time", "update_status", first_reply, status=_minutes(first_reply - created))
    waited = 0
    for (start, before), (at, status) in zip(story.statuses, story.statuses[1:], strict=False):
        if before in REQUESTER_WAITS:
            waited += at - start
        for metric, runs_in in RUNS_IN.items():
            was, runs = before in runs_in, status in runs_in
            if was and status in SOLVED:
                add(metric, "fulfill", at)
                if metric == "requester_wait_time":
                    add(metric, "update_status", at, status=_minutes(waited))
            elif was and not runs:
                add(metric, "pause", at)
            elif runs and not was:
                add(metric, "activate", at)
    events.sort(key=lambda event: (event["time"], event["id"]))
    return events
