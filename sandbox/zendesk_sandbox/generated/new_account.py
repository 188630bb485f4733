"""A new account, as Zendesk creates it (``SandboxConfig(empty=True)``, ``--empty``).

It has its owner (the API admin, a member of the default group), the default group
"Support", the default brand, the "Default Ticket Form" and the system ticket fields, and
nothing else: no end users, organizations, custom fields or other groups. Its ids lie in
the account's own slice like a generated account's, so it overlaps nothing with the other
accounts of its universe; the brand is the universe's first brand (the same name as the
other accounts' default brand when that slot is shared).
"""

from __future__ import annotations

from zendesk_sandbox.generated.people import API_ADMIN, PEOPLE_START, People, User
from zendesk_sandbox.generated.structure import Structure
from zendesk_sandbox.generated.universe import object_id

DEFAULT_GROUP = "Support"
DEFAULT_FORM = "Default Ticket Form"


def new_structure(*, account: int, universe: int, overlap: float) -> Structure:
    """The structure a new account starts with."""
    full = Structure.generate(account=account, universe=universe, overlap=overlap, organizations=0)
    group = full.groups[0]
    group.name = DEFAULT_GROUP
    system_fields = [item for item in full.fields if not item.custom]
    form = full.forms[0]
    form.name = DEFAULT_FORM
    form.ticket_field_ids = [item.id for item in system_fields]
    brand = full.brands[0]
    brand.ticket_form_ids = [form.id]
    return Structure([group], [], [brand], [form], system_fields)


def new_people(*, account: int, structure: Structure, admin_email: str) -> People:
    """Only the owner: the API admin."""
    owner = User(
        object_id("user", account, API_ADMIN),
        "Sandbox Admin",
        admin_email,
        "admin",
        PEOPLE_START,
        PEOPLE_START,
        group_ids=[structure.groups[0].id],
    )
    return People([owner], api_admin_id=owner.id, api_agent_id=None)
