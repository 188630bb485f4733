"""Agent roles of an account (``GET /api/v2/custom_roles``) and its agent seats.

Zendesk lists, on Enterprise accounts, the roles every account starts with (a Zendesk
community answer of 2022 finds the light agent role in this list; the other names are the
help centre's) and the roles its admins made. The sandbox is an Enterprise account: a new
(``empty``) account lists the built-in roles only; a generated one also two roles of its
own making, one of them shared with the other accounts of its universe (so a copy can map
roles by name).

Every agent and admin takes a seat, except light agents ([DOC] "What counts as an agent
license"). Ids lie in the groups' range, from ``ROLE_NUMBER`` on, so they never meet
another object's.
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_sandbox.generated.universe import is_shared, object_id, region
from zendesk_sandbox.timefmt import iso

ROLE_NUMBER = 9_000_000
AGENT_ROLE, LIGHT_AGENT_ROLE = 0, 1  # Zendesk's role_type values
BUILT_IN_ROLES = (
    ("Staff", AGENT_ROLE, "Can edit tickets within their groups"),
    ("Team Leader", AGENT_ROLE, "Can read all tickets and moderate the help centre"),
    ("Advisor", AGENT_ROLE, "Can manage the workflow and configure Support"),
    ("Light Agent", LIGHT_AGENT_ROLE, "Can view and add private comments to tickets"),
)
OWN_ROLES = (
    ("Tier 1 Support", "Answers first-line tickets in their groups"),
    ("Billing Specialist", "Handles billing questions and refunds"),
)
ROLES_CREATED_AT = 1_609_459_200  # 2021-01-01, when the account was set up


@dataclass(frozen=True)
class CustomRole:
    id: int
    name: str
    description: str
    role_type: int

    @property
    def takes_seat(self) -> bool:
        return self.role_type != LIGHT_AGENT_ROLE

    def to_json(self, team_member_count: int = 0) -> dict:
        """The role as Zendesk lists it, with how many agents have it."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "role_type": self.role_type,
            "team_member_count": team_member_count,
            "created_at": iso(ROLES_CREATED_AT),
            "updated_at": iso(ROLES_CREATED_AT),
            "configuration": {
                "ticket_access": "within-groups",
                "ticket_comment_access": (
                    "private" if self.role_type == LIGHT_AGENT_ROLE else "public"
                ),
                "manage_user_fields": False,
                "manage_organization_fields": False,
                "manage_ticket_fields": False,
                "manage_ticket_forms": False,
            },
        }


def account_roles(account: int, universe: int, overlap: float, *, new: bool) -> list[CustomRole]:
    """The roles ``GET /api/v2/custom_roles`` lists: built-ins, then (unless ``new``) the
    account's own."""
    roles = [
        CustomRole(object_id("group", account, ROLE_NUMBER + slot), name, text, role_type)
        for slot, (name, role_type, text) in enumerate(BUILT_IN_ROLES)
    ]
    if new:
        return roles
    for slot, (name, text) in enumerate(OWN_ROLES):
        shared = is_shared(universe, "group", 1_000 + slot, overlap)
        roles.append(
            CustomRole(
                object_id("group", account, ROLE_NUMBER + len(BUILT_IN_ROLES) + slot),
                name if shared else f"{name} ({region(account)})",
                text,
                AGENT_ROLE,
            )
        )
    return roles
