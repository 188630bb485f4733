"""The account's SLA policies: fixed, set up before the history (custom statuses are
statuses.py's).

SLA policies: by priority, a first-reply and a requester-wait target. Every generated ticket
with a priority falls under one (``policy_for``); the metric events apply it and record its
breaches (``ticket_analytics.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_sandbox.generated.structure import SETUP_END, SETUP_START
from zendesk_sandbox.timefmt import iso

__all__ = ["SLA_POLICIES", "SlaPolicy", "policy_for"]


@dataclass(frozen=True)
class SlaPolicy:
    id: int
    title: str
    description: str
    position: int
    priorities: tuple[str, ...]
    #: metric -> target in minutes, per priority: {"urgent": {"first_reply_time": 60}}
    targets: dict[str, dict[str, int]]

    def summary(self) -> dict:
        """The policy as a metric event's ``sla.policy`` names it."""
        return {"id": self.id, "title": self.title, "description": self.description}

    def to_json(self, base_url: str) -> dict:
        metrics = [
            {"priority": priority, "metric": metric, "target": target, "business_hours": False}
            for priority in self.priorities
            for metric, target in self.targets[priority].items()
        ]
        return {
            "url": f"{base_url}/api/v2/slas/policies/{self.id}.json",
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "position": self.position,
            "filter": {
                "all": [],
                "any": [
                    {"field": "priority", "operator": "is", "value": priority}
                    for priority in self.priorities
                ],
            },
            "policy_metrics": metrics,
            "created_at": iso(SETUP_START),
            "updated_at": iso(SETUP_END),
        }


SLA_POLICIES = (
    SlaPolicy(
        360_000_200_001,
        "Urgent and high priority",
        "First reply within the hour for urgent tickets, four hours for high ones",
        1,
        ("urgent", "high"),
        {
            "urgent": {"first_reply_time": 60, "requester_wait_time": 480},
            "high": {"first_reply_time": 240, "requester_wait_time": 1440},
        },
    ),
    SlaPolicy(
        360_000_200_002,
        "Standard",
        "First reply within a working day",
        2,
        ("normal", "low"),
        {
            "normal": {"first_reply_time": 1440, "requester_wait_time": 4320},
            "low": {"first_reply_time": 2880, "requester_wait_time": 10080},
        },
    ),
)


def policy_for(priority: object) -> SlaPolicy | None:
    """The SLA policy a ticket of this priority falls under (none without a priority)."""
    for policy in SLA_POLICIES:
        if priority in policy.priorities:
            return policy
    return None
