"""An account's people: end users, agents and admins, and their group and organization
memberships.

Shared slots (see ``universe.py``) get their name, e-mail and external id from the universe,
so the same person exists in every account of it; an account's own people have e-mail
addresses under the account's own domain. What a person's *account* decides stays per
account even for shared people: their id, whether they are suspended, their groups and
organizations. The API admin and the API agent of ``Credentials`` exist in every account.
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from dataclasses import dataclass, field

from zendesk_sandbox.generated.structure import Structure
from zendesk_sandbox.generated.universe import is_shared, object_id, region, slot_rng
from zendesk_sandbox.timefmt import iso

FIRST_NAMES = (
    "Jane", "Omar", "Li", "Priya", "Lukas", "Chloé", "Mateo", "Aiko", "Sam", "Zoë", "Ines",
    "Kwame", "Freya", "Dmitri", "Amara", "Hiroshi", "Sofia", "Tomás", "Noor", "Elena",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "Haddad", "Wei", "Sharma", "Müller", "Dubois", "García", "Tanaka", "Lee", "Okafor",
    "Novak", "Rossi", "Lindqvist", "Kowalski", "Nakamura", "Silva", "O'Brien", "Petrov",
)  # fmt: skip
SHARED_DOMAINS = ("example.org", "example.com", "mail.example.net")
LOCALES = (("en-US", 1), ("en-GB", 1176), ("de", 8), ("fr", 16), ("es", 2), ("ja", 67))
TIME_ZONES = (
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("London", "Europe/London"),
    ("Berlin", "Europe/Berlin"),
    ("Tokyo", "Asia/Tokyo"),
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

ROLES = ("end-user", "agent", "admin")
SUSPENDED_SHARE = 0.03
ORG_SHARE = 0.7
SECOND_ORG_SHARE = 0.05
# User numbers (see universe.object_id): the API users, then admins, agents, end users, and
# people created through the API.
API_ADMIN, API_AGENT = 0, 1
ADMIN_FROM, AGENT_FROM, END_USER_FROM, CREATED_FROM = 2, 10, 1_000, 1_000_000
ADMINS = 2

# People were there before the generated history (2023-01-01 .. 2025-06-30).
PEOPLE_START = 1_609_459_200
HISTORY_END = 1_751_327_999


@functools.cache
def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", folded) or "user"


def valid_email(value: object) -> bool:
    return isinstance(value, str) and EMAIL.match(value) is not None


@dataclass
class User:
    id: int
    name: str
    email: str
    role: str
    created_at: int
    updated_at: int
    suspended: bool = False
    external_id: str | None = None
    locale: tuple[str, int] = LOCALES[0]
    time_zone: tuple[str, str] = TIME_ZONES[0]
    organization_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom_role_id: int | None = None  # an agent's role (GET /api/v2/custom_roles)
    role_type: int | None = None  # that role's type: 1 is a light agent
    user_fields: dict[str, object] = field(default_factory=dict)  # values by field key

    @property
    def is_agent(self) -> bool:
        """Agents and admins can be assignees and write private comments."""
        return self.role in ("agent", "admin")

    @property
    def organization_id(self) -> int | None:
        return self.organization_ids[0] if self.organization_ids else None

    @property
    def default_group_id(self) -> int | None:
        return self.group_ids[0] if self.group_ids else None

    def to_json(self, base_url: str) -> dict:
        return {
            "id": self.id,
            "url": f"{base_url}/api/v2/users/{self.id}.json",
            "name": self.name,
            "email": self.email,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "time_zone": self.time_zone[0],
            "iana_time_zone": self.time_zone[1],
            "phone": None,
            "shared_phone_number": None,
            "photo": None,
            "locale_id": self.locale[1],
            "locale": self.locale[0],
            "organization_id": self.organization_id,
            "role": self.role,
            "verified": True,
            "external_id": self.external_id,
            "tags": list(self.tags),
            "alias": "",
            "active": True,
            "shared": False,
            "shared_agent": False,
            "last_login_at": iso(self.updated_at) if self.is_agent else None,
            "two_factor_auth_enabled": None,
            "signature": f"{self.name}\nAcme Support" if self.is_agent else None,
            "details": "",
            "notes": "",
            "role_type": self.role_type,
            "custom_role_id": self.custom_role_id,
            "moderator": self.is_agent,
            "ticket_restriction": None if self.is_agent else "requested",
            "only_private_comments": False,
            "restricted_agent": False,
            "suspended": self.suspended,
            "default_group_id": self.default_group_id if self.is_agent else None,
            "report_csv": self.role == "admin",
            "user_fields": dict(self.user_fields),
        }


def counts_for(tickets: int) -> tuple[int, int]:
    """How many end users and agents an account with ``tickets`` tickets has."""
    return min(10_000, max(40, tickets // 5)), min(50, max(8, tickets // 400))


def _person(
    universe: int, account: int, kind: str, slot: int, overlap: float
) -> tuple[str, str, str | None, random.Random]:
    """Name, e-mail and external id of a slot, and the stream its other traits come from."""
    shared = is_shared(universe, kind, slot, overlap)
    rng = slot_rng(universe, account, kind, slot, shared)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{ascii_slug(first)}.{ascii_slug(last)}{slot + 1}"
    own_domain = f"{ascii_slug(region(account))}.example.net"
    if kind == "end_user":
        domain = rng.choice(SHARED_DOMAINS) if shared else own_domain
        external_id = f"crm-{slot + 1:05d}" if rng.random() < 0.3 else None
        if external_id and not shared:
            external_id = f"crm-{ascii_slug(region(account))}-{slot + 1:05d}"
    else:
        domain = "support.example.com" if shared else f"support.{own_domain}"
        external_id = None
    return f"{first} {last}", f"{local}@{domain}", external_id, rng


@dataclass
class People:
    """Every user of one account and the lookups the API and the import rules need."""

    users: list[User] = field(default_factory=list)
    api_admin_id: int | None = None
    api_agent_id: int | None = None
    created: int = 0  # users created through the API so far

    def __post_init__(self) -> None:
        self.by_id: dict[int, User] = {}
        self.by_email: dict[str, User] = {}
        self.by_external_id: dict[str, User] = {}
        for user in self.users:
            self._index(user)
        self._lists: dict[str, list[User]] | None = None

    def _index(self, user: User) -> None:
        self.by_id[user.id] = user
        self.by_email[user.email.lower()] = user
        if user.external_id:
            self.by_external_id[user.external_id] = user

    @property
    def end_users(self) -> list[User]:
        return self._cached()["end_users"]

    @property
    def agents(self) -> list[User]:
        return self._cached()["agents"]

    def members_of(self, group_id: int) -> list[User]:
        return self._cached().get(f"group:{group_id}", [])

    def _cached(self) -> dict[str, list[User]]:
        # Building a ticket picks from these lists; rebuilt only after a user changes.
        if self._lists is None:
            lists: dict[str, list[User]] = {"end_users": [], "agents": []}
            for user in self.users:
                lists["agents" if user.is_agent else "end_users"].append(user)
                if user.is_agent:
                    for group_id in user.group_ids:
                        lists.setdefault(f"group:{group_id}", []).append(user)
            self._lists = lists
        return self._lists

    def find_email(self, email: str) -> User | None:
        return self.by_email.get(email.strip().lower())

    def add(self, user: User) -> None:
        """Add (or replace) a user, keeping the lookups right."""
        old = self.by_id.get(user.id)
        if old is not None:
            self.by_email.pop(old.email.lower(), None)
            if old.external_id:
                self.by_external_id.pop(old.external_id, None)
            self.users[self.users.index(old)] = user
        else:
            self.users.append(user)
        self._index(user)
        self._lists = None

    def new_user_id(self, account: int) -> int:
        self.created += 1
        return object_id("user", account, CREATED_FROM + self.created)

    @classmethod
    def generate(
        cls,
        *,
        account: int,
        universe: int,
        overlap: float,
        tickets: int,
        structure: Structure,
        admin_email: str,
        agent_email: str,
    ) -> People:
        end_count, agent_count = counts_for(tickets)
        # Per-account traits come from one stream of the account's own.
        state = random.Random(f"{universe}:{account}:people")
        groups = [group.id for group in structure.groups]
        orgs = [org.id for org in structure.organizations]
        users = [
            User(
                object_id("user", account, API_ADMIN),
                "Sandbox Admin",
                admin_email,
                "admin",
                PEOPLE_START,
                PEOPLE_START,
                group_ids=groups[:1],
            ),
            User(
                object_id("user", account, API_AGENT),
                "Sandbox Agent",
                agent_email,
                "agent",
                PEOPLE_START,
                PEOPLE_START,
                group_ids=groups[:2],
            ),
        ]
        staff = [("admin", ADMIN_FROM, slot) for slot in range(ADMINS)]
        staff += [("agent", AGENT_FROM, slot) for slot in range(agent_count)]
        for position, (role, first_number, slot) in enumerate(staff):
            name, email, _, rng = _person(universe, account, role, slot, overlap)
            created = rng.randint(PEOPLE_START, PEOPLE_START + 400 * 86_400)
            member_of = [groups[position % len(groups)]] if groups else []
            for group_id in state.sample(groups, min(len(groups), state.randint(0, 2))):
                if group_id not in member_of:
                    member_of.append(group_id)
            users.append(
                User(
                    object_id("user", account, first_number + slot),
                    name,
                    email,
                    role,
                    created,
                    state.randint(created, HISTORY_END),
                    time_zone=rng.choice(TIME_ZONES),
                    group_ids=member_of,
                )
            )
        for slot in range(end_count):
            name, email, external_id, rng = _person(universe, account, "end_user", slot, overlap)
            created = rng.randint(PEOPLE_START, HISTORY_END - 86_400)
            member_of = []
            if orgs and state.random() < ORG_SHARE:
                # A few big customers hold most of the people.
                member_of.append(orgs[int(len(orgs) * state.random() ** 2)])
                if state.random() < SECOND_ORG_SHARE:
                    second = state.choice(orgs)
                    if second not in member_of:
                        member_of.append(second)
            users.append(
                User(
                    object_id("user", account, END_USER_FROM + slot),
                    name,
                    email,
                    "end-user",
                    created,
                    state.randint(created, HISTORY_END),
                    suspended=state.random() < SUSPENDED_SHARE,
                    external_id=external_id,
                    locale=rng.choice(LOCALES),
                    time_zone=rng.choice(TIME_ZONES),
                    organization_ids=member_of,
                    tags=["vip"] if rng.random() < 0.05 else [],
                )
            )
        customers = [user for user in users if user.role == "end-user"]
        if not any(user.suspended for user in customers):
            customers[-1].suspended = True  # every account has someone suspended
        return cls(users, users[0].id, users[1].id)


def membership_json(
    kind: str, membership_id: int, user: User, other_id: int, *, default: bool, base_url: str
) -> dict:
    """A group or organization membership as Zendesk shows it."""
    key = "group_id" if kind == "group" else "organization_id"
    path = "group_memberships" if kind == "group" else "organization_memberships"
    data = {
        "url": f"{base_url}/api/v2/{path}/{membership_id}.json",
        "id": membership_id,
        "user_id": user.id,
        key: other_id,
        "default": default,
        "created_at": iso(user.created_at),
        "updated_at": iso(user.created_at),
    }
    if kind == "organization":
        data["view_tickets"] = True
    return data


def user_state(user: User) -> dict:
    """A user as the state directory keeps it."""
    return {**user.__dict__, "locale": list(user.locale), "time_zone": list(user.time_zone)}


def user_from_state(data: dict) -> User:
    return User(**{**data, "locale": tuple(data["locale"]), "time_zone": tuple(data["time_zone"])})


@dataclass
class Membership:
    """A group or organization membership made through the API; generated ones follow
    from the users' ``group_ids`` and ``organization_ids``."""

    kind: str  # "group" or "organization"
    id: int
    user_id: int
    other_id: int
    default: bool
    created_at: int

    def to_json(self, base_url: str) -> dict:
        key = "group_id" if self.kind == "group" else "organization_id"
        path = "group_memberships" if self.kind == "group" else "organization_memberships"
        data = {
            "url": f"{base_url}/api/v2/{path}/{self.id}.json",
            "id": self.id,
            "user_id": self.user_id,
            key: self.other_id,
            "default": self.default,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
        }
        if self.kind == "organization":
            data["view_tickets"] = True
        return data
