"""The people and structure a generated ticket of the realistic account refers to.

``TicketFactory`` first builds a ticket as the idealised account always did; for the
realistic account ``assign_references`` then replaces every reference, from a stream of its
own (so the idealised account's tickets stay exactly as they were), so that:

- the requester is an end user (now and then one suspended since), the organization one of
  the requester's (none if they have none);
- the group is one of the account's, the assignee an agent of that group, followers other
  agents of it, CCs other end users; ``collaborator_ids`` is CCs plus followers;
- the submitter is the requester, or an agent of the group; a ticket whose first comment
  is private (``is_public: false``) was submitted by an agent;
- brand and form are the account's, custom field values fit their field's type and options.
"""

from __future__ import annotations

import random

from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.structure import TicketField
from zendesk_sandbox.timefmt import iso

TEXT_VALUES = ("Order #A-1042", "see attached", "callback requested", "ünïcödé value")
TEXTAREA_VALUES = (
    "1. Open the app\n2. Tap Settings\n3. It crashes",
    "Happens on every login.\nNot on the web version.",
)
DATE_START = 1_640_995_200  # 2022-01-01


def assign_references(ticket: dict, rng: random.Random, directory: Directory) -> None:
    """Point ``ticket``'s ids at ``directory``'s people and structure (in place)."""
    people, structure = directory.people, directory.structure
    # A new account's tickets (an empty account asked for some) are its admin's.
    end_users = people.end_users or people.agents
    r = rng.random
    # A few customers write most of the tickets.
    requester = end_users[int(len(end_users) * r() ** 2)]
    ticket["requester_id"] = requester.id
    orgs = requester.organization_ids
    ticket["organization_id"] = (
        orgs[1] if len(orgs) > 1 and r() < 0.3 else requester.organization_id
    )

    unassigned = ticket["assignee_id"] is None
    group = structure.groups[int(len(structure.groups) * r())]
    members = directory.members_of(group.id)
    if unassigned:
        assignee = None
        ticket["group_id"] = group.id if r() < 0.4 else None
    else:
        assignee = members[int(len(members) * r())]
        ticket["group_id"] = group.id
    ticket["assignee_id"] = assignee.id if assignee else None
    others = [agent for agent in members if agent is not assignee]
    followers = [others[int(len(others) * r())].id] if others and r() < 0.3 else []
    ticket["follower_ids"] = followers
    ccs = []
    for _ in range(int(r() * 3)):
        candidate = end_users[int(len(end_users) * r())]
        if candidate is not requester and candidate.id not in ccs:
            ccs.append(candidate.id)
    ticket["email_cc_ids"] = ccs
    ticket["collaborator_ids"] = ccs + followers

    agent_submits = not ticket["is_public"] or r() < 0.2
    if agent_submits and (assignee or members):
        ticket["submitter_id"] = (assignee or members[0]).id
    else:
        ticket["submitter_id"] = requester.id
        ticket["is_public"] = True  # an end user's first comment is always public

    brands = structure.brands
    other_brands = brands[1:] or brands
    brand = brands[0] if r() < 0.85 else other_brands[int(len(other_brands) * r())]
    ticket["brand_id"] = brand.id
    ticket["ticket_form_id"] = structure.forms[int(len(structure.forms) * r())].id
    if ticket["via"]["channel"] == "email":
        ticket["recipient"] = brand.support_address
        ticket["via"]["source"]["from"] = {"address": requester.email, "name": requester.name}
        ticket["via"]["source"]["to"] = {"name": brand.name, "address": brand.support_address}
    elif ticket["via"]["source"].get("from", {}).get("name"):
        ticket["via"]["source"]["from"]["name"] = requester.name
    # Fields an admin created later are empty on the generated history.
    values = [
        {"id": item.id, "value": field_value(item, rng) if item.generated else None}
        for item in structure.custom_fields
    ]
    ticket["custom_fields"] = values
    ticket["fields"] = [{"id": v["id"], "value": _copied(v["value"])} for v in values]


def field_value(item: TicketField, rng: random.Random) -> object:  # noqa: PLR0911 - one per type
    """A value that fits ``item``'s type (and options), or its empty value."""
    r = rng.random
    kind = item.type
    if kind == "checkbox":
        return r() < 0.4
    if kind == "multiselect":
        return [option.value for option in item.options if r() < 0.3]
    if r() < (0.9 if item.title.startswith("Legacy") else 0.3):
        return None
    if kind == "text":
        return TEXT_VALUES[int(r() * len(TEXT_VALUES))]
    if kind == "textarea":
        return TEXTAREA_VALUES[int(r() * len(TEXTAREA_VALUES))]
    if kind == "integer":
        return int(r() * 5_000)
    if kind == "decimal":
        return round(0.01 + r() * 2_000, 2)
    if kind == "date":
        return iso(DATE_START + int(r() * 1_200) * 86_400)[:10]
    if kind == "regexp":
        return f"SN-{int(r() * 1_000_000):06d}"
    if kind == "tagger":
        return item.options[int(r() * len(item.options))].value
    return None


def _copied(value: object) -> object:
    return list(value) if isinstance(value, list) else value
