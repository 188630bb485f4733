"""The account's custom ticket statuses: one default per status category, with the ids
generated tickets carry in ``custom_status_id`` (``closed`` keeps solved's, as on Zendesk),
and two more an admin added (one of them deactivated), which no generated ticket uses. The
generated ids are the same in every account (the sandbox does not model them per account:
a client that passed them through unmapped would pass here, so the target maps statuses by
category and label, and its tests use accounts whose ids differ); a new account (``empty``)
has the defaults only, and statuses created through the API have ids of their account.
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_sandbox.generated.structure import SETUP_END, SETUP_START
from zendesk_sandbox.timefmt import iso

CUSTOM_STATUS_IDS = {
    "new": 360_000_100_001,
    "open": 360_000_100_002,
    "pending": 360_000_100_003,
    "hold": 360_000_100_004,
    "solved": 360_000_100_005,
    "closed": 360_000_100_005,  # closed has no custom status of its own; it keeps solved's
}
STATUS_LABELS = {
    "new": ("New", "Open"),
    "open": ("Open", "Open"),
    "pending": ("Pending", "Awaiting your reply"),
    "hold": ("On-hold", "Open"),
    "solved": ("Solved", "Solved"),
}
#: (id, category, agent label, end-user label, active) of the custom statuses admins added.
ADDED_STATUSES = (
    (360_000_100_011, "pending", "Waiting on vendor", "Awaiting your reply", True),
    (360_000_100_012, "open", "Escalated to engineering", "Open", False),
)


@dataclass(frozen=True)
class CustomStatus:
    id: int
    category: str
    agent_label: str
    end_user_label: str
    active: bool
    default: bool
    created_at: int

    def to_json(self, base_url: str) -> dict:
        return {
            "url": f"{base_url}/api/v2/custom_statuses/{self.id}.json",
            "id": self.id,
            "status_category": self.category,
            "agent_label": self.agent_label,
            "raw_agent_label": self.agent_label,
            "end_user_label": self.end_user_label,
            "raw_end_user_label": self.end_user_label,
            "description": f"{self.agent_label} tickets",
            "raw_description": f"{self.agent_label} tickets",
            "end_user_description": "",
            "raw_end_user_description": "",
            "active": self.active,
            "default": self.default,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
        }


def custom_statuses() -> list[CustomStatus]:
    """Every custom status of the account, defaults first, by id."""
    found = [
        CustomStatus(CUSTOM_STATUS_IDS[name], name, *STATUS_LABELS[name], True, True, SETUP_START)
        for name in STATUS_LABELS
    ]
    found += [
        CustomStatus(status_id, category, agent, end_user, active, False, SETUP_END)
        for status_id, category, agent, end_user, active in ADDED_STATUSES
    ]
    return sorted(found, key=lambda status: status.id)
