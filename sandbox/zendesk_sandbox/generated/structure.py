"""An account's structure: groups, organizations, brands, ticket forms and ticket fields.

Generated from the account's config (see ``universe.py`` for ids and what two accounts
share). Shared slots carry the universe's name or title; an account's own slots carry a
name with its region label, so they never match the other account's by name. Shared
drop-down and multi-select fields also get one option of the account's own, so a copy
between accounts meets a value that is not an option on the other side.

Each record renders itself as Zendesk's JSON with ``to_json(base_url)``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from zendesk_sandbox.generated.universe import (
    ACCOUNT_STRIDE,
    is_shared,
    object_id,
    region,
    slot_rng,
)
from zendesk_sandbox.timefmt import iso

# Structure was set up before the generated history (2023-01-01) starts.
SETUP_START = 1_609_459_200  # 2021-01-01
SETUP_END = 1_672_444_800  # 2022-12-31

GROUP_NAMES = ("Support", "Billing", "Technical", "Returns", "VIP", "Escalations", "Onboarding")
BRAND_NAMES = ("Acme", "Acme Outdoor", "Acme Kids")
FORM_NAMES = ("Default Ticket Form", "Returns", "Technical issue", "Billing question")
COMPANY_FIRST = (
    "Nimbus", "Blue Harbor", "Kestrel", "Orchard", "Granite", "Lumen", "Northwind", "Saffron",
    "Tidewater", "Vireo", "Quarry", "Juniper", "Helix", "Marigold", "Cobalt", "Fjord",
)  # fmt: skip
COMPANY_SECOND = (
    "Logistics", "Foods", "Health", "Studios", "Labs", "Outfitters", "Energy", "Travel",
    "Finance", "Robotics", "Media", "Apparel",
)  # fmt: skip
COMPANY_SUFFIX = ("Ltd", "GmbH", "Inc.", "SAS", "K.K.", "AB", "LLC", "")

#: Custom field types as Zendesk names them: ``tagger`` is a drop-down.
CUSTOM_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "checkbox",
    "date",
    "regexp",
    "tagger",
    "multiselect",
)
# Types an admin may also create through the API; the generated account has none of them.
CREATED_ONLY_TYPES = ("partialcreditcard", "lookup")
OPTION_TYPES = ("tagger", "multiselect")
# (type, title, regexp, options as (name, value)).
CUSTOM_FIELD_SLOTS: tuple[tuple[str, str, str | None, tuple[tuple[str, str], ...]], ...] = (
    ("text", "Order number", None, ()),
    ("textarea", "Steps to reproduce", None, ()),
    ("integer", "Units affected", None, ()),
    ("decimal", "Refund amount", None, ()),
    ("checkbox", "Callback requested", None, ()),
    ("date", "Purchase date", None, ()),
    ("regexp", "Serial number", r"^SN-[0-9]{6}$", ()),
    (
        "tagger",
        "Plan",
        None,
        (
            ("Free", "plan_free"),
            ("Basic", "plan_basic"),
            ("Pro", "plan_pro"),
            ("Enterprise", "plan_enterprise"),
        ),
    ),
    (
        "multiselect",
        "Products",
        None,
        (
            ("Mobile app", "product_app"),
            ("Web", "product_web"),
            ("API", "product_api"),
            ("Hardware", "product_hardware"),
        ),
    ),
    (
        "tagger",
        "Contact reason",
        None,
        (
            ("Question", "reason_question"),
            ("Complaint", "reason_complaint"),
            ("Praise", "reason_praise"),
        ),
    ),
    ("text", "Legacy reference", None, ()),
)
# System fields every account has, with the same titles everywhere.
SYSTEM_FIELDS = (
    ("subject", "Subject"),
    ("description", "Description"),
    ("status", "Status"),
    ("tickettype", "Type"),
    ("priority", "Priority"),
    ("group", "Group"),
    ("assignee", "Assignee"),
)
SYSTEM_OPTIONS = {
    "status": ("new", "open", "pending", "hold", "solved", "closed"),
    "tickettype": ("question", "incident", "problem", "task"),
    "priority": ("low", "normal", "high", "urgent"),
}
CUSTOM_FIELD_NUMBER = 100  # field numbers of the generated custom fields start here
CREATED_FIELD_NUMBER = 500  # fields an admin creates through the API start here


def _setup_times(rng: random.Random) -> tuple[int, int]:
    created = rng.randint(SETUP_START, SETUP_END - 86_400)
    return created, rng.randint(created, SETUP_END)


@dataclass
class Group:
    id: int
    name: str
    created_at: int
    updated_at: int
    default: bool = False
    description: str | None = None  # None: the generated "<name> team"
    is_public: bool = True

    def to_json(self, base_url: str) -> dict:
        return {
            "url": f"{base_url}/api/v2/groups/{self.id}.json",
            "id": self.id,
            "name": self.name,
            "description": f"{self.name} team" if self.description is None else self.description,
            "default": self.default,
            "deleted": False,
            "is_public": self.is_public,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass
class Organization:
    id: int
    name: str
    created_at: int
    updated_at: int
    external_id: str | None
    domain_names: list[str]
    tags: list[str] = field(default_factory=list)
    details: str | None = None
    notes: str | None = None
    group_id: int | None = None
    # Organization field values by key; fields without a value are left out.
    fields: dict[str, object] = field(default_factory=dict)

    def to_json(self, base_url: str) -> dict:
        return {
            "url": f"{base_url}/api/v2/organizations/{self.id}.json",
            "id": self.id,
            "name": self.name,
            "shared_tickets": False,
            "shared_comments": False,
            "external_id": self.external_id,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "domain_names": list(self.domain_names),
            "details": self.details,
            "notes": self.notes,
            "group_id": self.group_id,
            "tags": list(self.tags),
            "organization_fields": dict(self.fields),
        }


@dataclass
class Brand:
    id: int
    name: str
    subdomain: str
    created_at: int
    updated_at: int
    default: bool
    ticket_form_ids: list[int] = field(default_factory=list)

    @property
    def support_address(self) -> str:
        return f"support@{self.subdomain}.zendesk.com"

    def to_json(self, base_url: str) -> dict:
        return {
            "url": f"{base_url}/api/v2/brands/{self.id}.json",
            "id": self.id,
            "name": self.name,
            "brand_url": f"https://{self.subdomain}.zendesk.com",
            "subdomain": self.subdomain,
            "host_mapping": None,
            "has_help_center": False,
            "help_center_state": "disabled",
            "active": True,
            "default": self.default,
            "is_deleted": False,
            "logo": None,
            "ticket_form_ids": list(self.ticket_form_ids),
            "signature_template": "{{agent.signature}}",
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass
class TicketForm:
    id: int
    name: str
    position: int
    created_at: int
    updated_at: int
    default: bool
    ticket_field_ids: list[int] = field(default_factory=list)
    display_name: str | None = None  # None: the name
    end_user_visible: bool = True
    active: bool = True
    in_all_brands: bool = True
    restricted_brand_ids: list[int] = field(default_factory=list)
    agent_conditions: list[dict] = field(default_factory=list)
    end_user_conditions: list[dict] = field(default_factory=list)

    def to_json(self, base_url: str) -> dict:
        shown = self.name if self.display_name is None else self.display_name
        return {
            "url": f"{base_url}/api/v2/ticket_forms/{self.id}.json",
            "id": self.id,
            "name": self.name,
            "raw_name": self.name,
            "display_name": shown,
            "raw_display_name": shown,
            "end_user_visible": self.end_user_visible,
            "position": self.position,
            "ticket_field_ids": list(self.ticket_field_ids),
            "active": self.active,
            "default": self.default,
            "in_all_brands": self.in_all_brands,
            "restricted_brand_ids": list(self.restricted_brand_ids),
            "end_user_conditions": [dict(c) for c in self.end_user_conditions],
            "agent_conditions": [dict(c) for c in self.agent_conditions],
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass
class FieldOption:
    id: int
    name: str
    value: str
    default: bool = False

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "raw_name": self.name,
            "value": self.value,
            "default": self.default,
        }


@dataclass
class TicketField:
    id: int
    type: str
    title: str
    position: int
    created_at: int
    updated_at: int
    regexp: str | None = None
    options: list[FieldOption] = field(default_factory=list)
    description: str = ""
    required: bool = False
    active: bool = True
    tag: str | None = None  # the tag a checkbox adds when ticked
    relationship_target_type: str | None = None  # what a lookup field points at

    @property
    def custom(self) -> bool:
        return self.type in CUSTOM_TYPES or self.type in CREATED_ONLY_TYPES

    @property
    def generated(self) -> bool:
        """Part of the generated account (not created through the API)."""
        return self.id % ACCOUNT_STRIDE < CREATED_FIELD_NUMBER

    @property
    def option_values(self) -> set[str]:
        return {option.value for option in self.options}

    def to_json(self, base_url: str) -> dict:
        data = {
            "url": f"{base_url}/api/v2/ticket_fields/{self.id}.json",
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "raw_title": self.title,
            "description": self.description,
            "raw_description": self.description,
            "position": self.position,
            "active": self.active,
            "required": self.required,
            "collapsed_for_agents": False,
            "regexp_for_validation": self.regexp,
            "title_in_portal": self.title,
            "raw_title_in_portal": self.title,
            "visible_in_portal": not self.custom,
            "editable_in_portal": not self.custom,
            "required_in_portal": False,
            "tag": self.tag,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "removable": self.custom,
            "key": None,
            "agent_description": None,
        }
        if self.type in OPTION_TYPES:
            data["custom_field_options"] = [option.to_json() for option in self.options]
        if self.type == "lookup":
            data["relationship_target_type"] = self.relationship_target_type
        if self.type in SYSTEM_OPTIONS:
            data["system_field_options"] = [
                {"name": value.capitalize(), "value": value} for value in SYSTEM_OPTIONS[self.type]
            ]
        return data


@dataclass
class Structure:
    """The groups, organizations, brands, forms and fields of one account."""

    groups: list[Group]
    organizations: list[Organization]
    brands: list[Brand]
    forms: list[TicketForm]
    fields: list[TicketField]

    def __post_init__(self) -> None:
        self.group_by_id = {group.id: group for group in self.groups}
        self.organization_by_id = {org.id: org for org in self.organizations}
        self.organization_by_name = {org.name.lower(): org for org in self.organizations}
        self.brand_by_id = {brand.id: brand for brand in self.brands}
        self.form_by_id = {form.id: form for form in self.forms}
        self.field_by_id = {item.id: item for item in self.fields}

    @property
    def custom_fields(self) -> list[TicketField]:
        return [item for item in self.fields if item.custom]

    @property
    def default_brand(self) -> Brand | None:
        return self.brands[0] if self.brands else None

    @property
    def default_form(self) -> TicketForm | None:
        return self.forms[0] if self.forms else None

    def add_field(self, item: TicketField) -> None:
        self.fields.append(item)
        self.field_by_id[item.id] = item
        for form in self.forms:
            form.ticket_field_ids.append(item.id)

    def replace_field(self, item: TicketField) -> None:
        """A changed field (same id) takes the old one's place."""
        old = self.field_by_id[item.id]
        self.fields[self.fields.index(old)] = item
        self.field_by_id[item.id] = item

    def add_group(self, group: Group) -> None:
        self.groups.append(group)
        self.group_by_id[group.id] = group

    def add_organization(self, org: Organization) -> None:
        self.organizations.append(org)
        self.organization_by_id[org.id] = org
        self.organization_by_name[org.name.lower()] = org

    def add_form(self, form: TicketForm) -> None:
        """A new form; one in all brands joins every brand's ``ticket_form_ids``."""
        self.forms.append(form)
        self.form_by_id[form.id] = form
        for brand in self.brands:
            if form.in_all_brands or brand.id in form.restricted_brand_ids:
                brand.ticket_form_ids.append(form.id)

    @property
    def option_tags(self) -> dict[str, int]:
        """Every tag a field of the account sets (options, checkbox tags), lowercase -> field."""
        tags = {o.value.lower(): item.id for item in self.fields for o in item.options}
        tags.update({item.tag.lower(): item.id for item in self.fields if item.tag})
        return tags

    @classmethod
    def empty(cls) -> Structure:
        return cls([], [], [], [], [])

    @classmethod
    def generate(
        cls, *, account: int, universe: int, overlap: float, organizations: int
    ) -> Structure:
        label = region(account)

        def name_for(kind: str, slot: int, shared_name: str) -> tuple[str, random.Random]:
            shared = is_shared(universe, kind, slot, overlap)
            rng = slot_rng(universe, account, kind, slot, shared)
            return (shared_name if shared else f"{shared_name} ({label})"), rng

        groups = []
        for slot, base in enumerate(GROUP_NAMES):
            name, rng = name_for("group", slot, base)
            groups.append(
                Group(object_id("group", account, slot), name, *_setup_times(rng), slot == 0)
            )
        orgs = [_organization(account, universe, overlap, slot) for slot in range(organizations)]
        fields = _system_fields(account, universe)
        for slot, (kind, title, regexp, options) in enumerate(CUSTOM_FIELD_SLOTS):
            shared = is_shared(universe, "ticket_field", slot, overlap)
            rng = slot_rng(universe, account, "ticket_field", slot, shared)
            number = CUSTOM_FIELD_NUMBER + slot
            item = TicketField(
                id=object_id("ticket_field", account, number),
                type=kind,
                title=title if shared else f"{title} ({label})",
                position=len(fields),
                regexp=regexp,
                created_at=_setup_times(rng)[0],
                updated_at=SETUP_END,
            )
            choices = list(options)
            if choices and shared:
                # Each account has an option the other one does not.
                choices.append(
                    (f"Legacy ({label})", f"{choices[0][1].split('_')[0]}_legacy_{account}")
                )
            elif choices:
                suffix = label.lower().replace(" ", "")
                choices = [(name, f"{value}_{suffix}") for name, value in choices]
            item.options = [
                FieldOption(object_id("field_option", account, number * 100 + index), name, value)
                for index, (name, value) in enumerate(choices)
            ]
            fields.append(item)
        field_ids = [item.id for item in fields]
        forms = []
        for slot, base in enumerate(FORM_NAMES):
            name, rng = name_for("ticket_form", slot, base)
            forms.append(
                TicketForm(
                    object_id("ticket_form", account, slot),
                    name,
                    slot,
                    *_setup_times(rng),
                    default=slot == 0,
                    ticket_field_ids=list(field_ids),
                )
            )
        brands = []
        for slot, base in enumerate(BRAND_NAMES):
            name, rng = name_for("brand", slot, base)
            subdomain = f"{re.sub(r'[^a-z]', '', base.lower())}{account}"
            brands.append(
                Brand(
                    object_id("brand", account, slot),
                    name,
                    subdomain,
                    *_setup_times(rng),
                    default=slot == 0,
                    ticket_form_ids=[form.id for form in forms],
                )
            )
        return cls(groups, orgs, brands, forms, fields)


def _organization(account: int, universe: int, overlap: float, slot: int) -> Organization:
    shared = is_shared(universe, "organization", slot, overlap)
    rng = slot_rng(universe, account, "organization", slot, shared)
    first, second = rng.choice(COMPANY_FIRST), rng.choice(COMPANY_SECOND)
    suffix = rng.choice(COMPANY_SUFFIX)
    # The slot number keeps names unique within an account.
    name = " ".join(part for part in (first, second, suffix) if part) + f" #{slot + 1}"
    if not shared:
        name = f"{name} ({region(account)})"
    domain = f"{first.lower().replace(' ', '')}-{slot + 1}.example.com"
    created, updated = _setup_times(rng)
    external_id = f"org-{slot + 1:04d}" if shared and rng.random() < 0.5 else None
    tags = sorted(
        rng.sample(("partner", "reseller", "enterprise", "smb", "trial"), rng.randint(0, 2))
    )
    return Organization(
        object_id("organization", account, slot),
        name,
        created,
        updated,
        external_id,
        [domain],
        tags,
    )


def _system_fields(account: int, universe: int) -> list[TicketField]:
    rng = random.Random(f"{universe}:system-fields")
    created = _setup_times(rng)[0]
    return [
        TicketField(
            id=object_id("ticket_field", account, number),
            type=kind,
            title=title,
            position=number,
            created_at=created,
            updated_at=created,
        )
        for number, (kind, title) in enumerate(SYSTEM_FIELDS)
    ]
