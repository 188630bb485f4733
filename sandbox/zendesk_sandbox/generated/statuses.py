"""The account's custom ticket statuses: one default per status category, whose ids
generated tickets carry in ``custom_status_id`` (``closed`` keeps solved's, as on Zendesk),
and two more an admin added (one of them deactivated), which no generated ticket uses. Each
account numbers its own, as Zendesk does, so a client that passed a source's ids through
unmapped is refused; a new account (``empty``) has the defaults only, and statuses created
through the API get the next numbers of their account.
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_sandbox.generated.structure import SETUP_END, SETUP_START
from zendesk_sandbox.generated.universe import object_id
from zendesk_sandbox.timefmt import iso

#: The default statuses' numbers in their account, by category.
DEFAULT_NUMBERS = {"new": 0, "open": 1, "pending": 2, "hold": 3, "solved": 4}
#: Statuses created through the API are numbered from here.
CREATED_STATUS_FROM = 500
STATUS_LABELS = {
    "new": ("New", "Open"),
    "open": ("Open", "Open"),
    "pending": ("Pending", "Awaiting your reply"),
    "hold": ("On-hold", "Open"),
    "solved": ("Solved", "Solved"),
}
#: (number, category, agent label, end-user label, active) of the statuses admins added.
ADDED_STATUSES = (
    (5, "pending", "Waiting on vendor", "Awaiting your reply", True),
    (6, "open", "Escalated to engineering", "Open", False),
)


def default_status_ids(account: int) -> dict[str, int]:
    """The id of each category's default status in ``account`` (``closed``: solved's, as
    closed has no custom status of its own)."""
    ids = {
        name: object_id("custom_status", account, number)
        for name, number in DEFAULT_NUMBERS.items()
    }
    return {**ids, "closed": ids["solved"]}


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


def custom_statuses(account: int) -> list[CustomStatus]:
    """Every generated custom status of ``account``, defaults first, by id."""
    ids = default_status_ids(account)
    found = [
        CustomStatus(ids[name], name, *STATUS_LABELS[name], True, True, SETUP_START)
        for name in STATUS_LABELS
    ]
    found += [
        CustomStatus(
            object_id("custom_status", account, number),
            category,
            agent,
            end_user,
            active,
            False,
            SETUP_END,
        )
        for number, category, agent, end_user, active in ADDED_STATUSES
    ]
    return sorted(found, key=lambda status: status.id)
