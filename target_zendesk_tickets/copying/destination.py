"""The destination account's people and structure, each looked up once per run and cached.

Lists that are small on any account (agents and admins, group memberships, groups, brands,
ticket forms, ticket fields) are read whole, the first time one is needed. People and
organizations can be many: a batch asks for all of its own at once (:meth:`find_users`,
:meth:`find_organizations`), and they are read as a whole list when that costs fewer
requests than looking each up (the account's count says how many pages the list has),
else looked up one by one. People to create are created 100 at a time
(``users/create_or_update_many``) where the account allows bulk user imports (Zendesk
refuses them with 403 until its support enables them), else one by one. Every request is
counted, for the mapping summary.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.copying.references import OPTION_TYPES, Field, Person
from zendesk_api.errors import ZendeskError, ZendeskHTTPError
from zendesk_api.http import ZendeskClient
from zendesk_api.pages import PAGE_SIZE, Pages
from zendesk_api.retry import RetryBudget

logger = logging.getLogger(__name__)

AGENT_ROLES = ("agent", "admin")
FIELDS_PATH = "/api/v2/ticket_fields.json"
USERS_PATH, USERS_KIND = "/api/v2/users.json", "users"
ORGS_PATH, ORGS_KIND = "/api/v2/organizations.json", "organizations"
CREATE_MANY_PATH = "/api/v2/users/create_or_update_many.json"
CREATE_PATH = "/api/v2/users.json"
#: Below this many look-ups, a batch looks people up one by one without asking the count.
MIN_LIST = 5
#: The longest a bulk user job may take.
BULK_JOB_TIMEOUT = 600.0
_FIELDS_KEY = FIELDS_PATH + repr([])


@dataclass
class DestinationUser:
    id: int
    email: str | None
    role: str
    suspended: bool = False
    organization_ids: set[int] = field(default_factory=set)
    #: Every organization of the user is in ``organization_ids``: the user was made by this
    #: run, or their memberships were read (a user record names the default one only).
    memberships_known: bool = False


class Destination:
    """What account B has, as the mapping asks; ``dry_run`` creates nothing."""

    def __init__(self, client: ZendeskClient, *, dry_run: bool, budget: RetryBudget) -> None:
        self.client = client
        self.dry_run = dry_run
        self.budget = budget  # maxRetries for every call
        self.requests = 0
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._users: dict[str, DestinationUser | None] = {}  # e-mail -> user (None: none)
        self._organizations: dict[str, int | None] = {}  # lower-cased name -> id
        self._organizations_by_key: dict[str, int | None] = {}  # external_id -> id
        self._members: dict[int, set[int]] | None = None  # group id -> agent ids
        self._planned_ids = -1  # ids of users a dry run would create
        self._all_read: set[str] = set()  # "users", "organizations": the whole list is known
        self._created: set[str] = set()  # e-mails of people created and not yet reported
        self._bulk_refused = False  # the account does not allow bulk user imports

    # Lists read whole -------------------------------------------------------------------

    def _list(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        cache_key = path + repr(sorted((params or {}).items()))
        if cache_key not in self._lists:
            items: list[dict[str, Any]] = []
            for page in Pages(self.client, path, key, budget=self.budget, params=params):
                self.requests += 1
                items += [item for item in page if isinstance(item, dict)]
            self._lists[cache_key] = items
        return self._lists[cache_key]

    def agent(self, email: str | None) -> DestinationUser | None:
        """The agent or admin of B with this e-mail, active or suspended."""
        if not email:
            return None
        for user in self._list("/api/v2/users.json", "users", {"role[]": ["agent", "admin"]}):
            if _email(user) == email and user.get("role") in AGENT_ROLES:
                return _user(user)
        return None

    def is_member(self, agent_id: int, group_id: int) -> bool:
        if self._members is None:
            self._members = {}
            for membership in self._list("/api/v2/group_memberships.json", "group_memberships"):
                group, user = membership.get("group_id"), membership.get("user_id")
                if isinstance(group, int) and isinstance(user, int):
                    self._members.setdefault(group, set()).add(user)
        return agent_id in self._members.get(group_id, set())

    def read_memberships(self, user: DestinationUser) -> None:
        """Every organization ``user`` belongs to, into ``user.organization_ids`` (once a
        user: a requester's ticket may be of an organization other than their default)."""
        if user.memberships_known or user.id < 0:
            return
        path = f"/api/v2/users/{user.id}/organization_memberships.json"
        for membership in self._list(path, "organization_memberships"):
            if isinstance(membership.get("organization_id"), int):
                user.organization_ids.add(membership["organization_id"])
        user.memberships_known = True

    def named(self, kind: str, name: str | None) -> int | None:
        """The id of B's group, brand or ticket form with this name (exact, then any case)."""
        if not name:
            return None
        records = self._list(f"/api/v2/{kind}.json", kind)
        for exact in (True, False):
            for record in records:
                other = record.get("name")
                if isinstance(other, str) and (
                    other == name if exact else other.casefold() == name.casefold()
                ):
                    return record.get("id") if isinstance(record.get("id"), int) else None
        return None

    def field(self, title: str, field_type: str) -> Field | None:
        """B's ticket field with this title and type, with its options."""
        for record in self._list(FIELDS_PATH, "ticket_fields"):
            if record.get("type") == field_type and str(record.get("title")).casefold() == (
                title.casefold()
            ):
                options = {
                    str(option.get("value")): str(option.get("name"))
                    for option in record.get("custom_field_options") or []
                    if field_type in OPTION_TYPES and isinstance(option, Mapping)
                }
                return Field(int(record["id"]), title, field_type, options)
        return None

    def fields_titled(self, title: str) -> list[int]:
        """The ids of B's ticket fields with this title, whatever their type."""
        return [
            int(record["id"])
            for record in self._list(FIELDS_PATH, "ticket_fields")
            if isinstance(record.get("id"), int)
            and str(record.get("title")).casefold() == title.casefold()
        ]

    def field_record(self, title: str, field_type: str) -> dict[str, Any] | None:
        """B's ticket field with this title and type, as Zendesk shows it."""
        for record in self._list(FIELDS_PATH, "ticket_fields"):
            if record.get("type") == field_type and str(record.get("title")).casefold() == (
                title.casefold()
            ):
                return record
        return None

    def records(self, kind: str) -> list[dict[str, Any]]:
        """B's whole list of a small kind (groups, ticket_fields, ticket_forms, user_fields,
        organization_fields, custom_roles)."""
        return self._list(f"/api/v2/{kind}.json", kind)

    def remember(self, kind: str, record: Mapping[str, Any]) -> None:
        """A record just created (or changed) in B, into the cached list of its kind."""
        records = self._list(f"/api/v2/{kind}.json", kind)
        records[:] = [r for r in records if r.get("id") != record.get("id")]
        records.append(dict(record))

    def custom_status(self, category: str, label: str) -> int | None:
        """The id of B's custom status of this category and agent label (any case)."""
        if not label:
            return None
        try:
            statuses = self.records("custom_statuses")
        except ZendeskHTTPError:
            return None  # no custom statuses to read: left out
        for status in statuses:
            if (
                status.get("status_category") == category
                and str(status.get("agent_label")).casefold() == label.casefold()
                and isinstance(status.get("id"), int)
            ):
                return int(status["id"])
        return None

    def has_field_key(self, kind: str, key: str) -> bool:
        """Whether B has a user or organization field with this key."""
        return any(record.get("key") == key for record in self.records(kind))

    def role_named(self, name: str | None) -> int | None:
        """The id of B's custom role with this name (Enterprise plans have them)."""
        if not name:
            return None
        try:
            roles = self.records("custom_roles")
        except ZendeskHTTPError:
            return None  # no custom roles on this plan: the default agent role
        for role in roles:
            if str(role.get("name")).casefold() == name.casefold() and isinstance(
                role.get("id"), int
            ):
                return int(role["id"])
        return None

    def add_member(self, agent_id: int, group_id: int) -> None:
        self.is_member(agent_id, group_id)  # the memberships are read first
        assert self._members is not None
        self._members.setdefault(group_id, set()).add(agent_id)

    def remember_user(self, user: DestinationUser) -> None:
        if user.email:
            self._users[user.email] = user
        if user.role in AGENT_ROLES:
            agents = self._list("/api/v2/users.json", "users", {"role[]": ["agent", "admin"]})
            agents.append({"id": user.id, "email": user.email, "role": user.role})

    def remember_organization(self, name: str, organization_id: int) -> None:
        self._organizations[name.casefold()] = organization_id

    def organization_by_external_id(self, external_id: str) -> int | None:
        """B's organization with this external_id (an exact look-up), or None."""
        if external_id in self._organizations_by_key:
            return self._organizations_by_key[external_id]
        self.requests += 1
        document = self.client.get_json(
            "/api/v2/organizations/search.json",
            {"external_id": external_id},
            budget=self.budget,
            what="GET /api/v2/organizations/search.json (an organization by external_id)",
        )
        found = [
            o.get("id")
            for o in document.get("organizations") or []
            if o.get("external_id") == external_id and isinstance(o.get("id"), int)
        ]
        self._organizations_by_key[external_id] = found[0] if found else None
        return self._organizations_by_key[external_id]

    def text_field(self, title: str) -> int | None:
        """B's text field with this title, created when missing (not in a dry run)."""
        found = self.field(title, "text")
        if found is not None or self.dry_run:
            return found.id if found else None
        self.requests += 1
        document = self.client.policy.call(
            lambda: self.client.fetch(
                "POST",
                "/api/v2/ticket_fields.json",
                body={"ticket_field": {"type": "text", "title": title}},
            ),
            what="POST /api/v2/ticket_fields.json",
            budget=self.budget,
        )
        created = document.get("ticket_field") if isinstance(document, Mapping) else None
        if not isinstance(created, Mapping) or not isinstance(created.get("id"), int):
            raise ZendeskError(f"Zendesk created the ticket field {title!r} without an id")
        self._lists.pop(_FIELDS_KEY, None)  # read again with the new field next time
        return int(created["id"])

    # People and organizations -------------------------------------------------------------

    def find_users(self, emails: list[str]) -> None:
        """Know every e-mail of ``emails`` (a batch's people) in as few requests as may be."""
        unknown = [e for e in dict.fromkeys(emails) if e and e not in self._users]
        unknown = [e for e in unknown if not self._known_agent(e)]
        if not unknown:
            return
        if USERS_KIND not in self._all_read and self._cheaper_to_list(USERS_KIND, len(unknown)):
            for user in self._list(USERS_PATH, "users"):
                email = _email(user)
                if email and email not in self._users:
                    self._users[email] = _user(user)
            self._lists.pop(USERS_PATH + repr([]), None)  # kept by e-mail, not twice
            self._all_read.add(USERS_KIND)
        for email in unknown:
            self.user(email)

    def find_organizations(self, names: list[str]) -> None:
        """Know every organization of ``names`` (a batch's) in as few requests as may be."""
        unknown = [n for n in dict.fromkeys(names) if n and n.casefold() not in self._organizations]
        if not unknown:
            return
        if ORGS_KIND not in self._all_read and self._cheaper_to_list(ORGS_KIND, len(unknown)):
            for organization in self._list(ORGS_PATH, "organizations"):
                name, org_id = organization.get("name"), organization.get("id")
                if isinstance(name, str) and isinstance(org_id, int):
                    self._organizations.setdefault(name.casefold(), org_id)
            self._lists.pop(ORGS_PATH + repr([]), None)
            self._all_read.add(ORGS_KIND)
        for name in unknown:
            self.organization(name)

    def _known_agent(self, email: str) -> bool:
        agent = self.agent(email)
        if agent is not None:
            self._users[email] = agent
        return agent is not None

    def _cheaper_to_list(self, kind: str, lookups: int) -> bool:
        """Whether reading the whole list costs fewer requests than ``lookups`` look-ups."""
        if lookups < MIN_LIST:
            return False
        self.requests += 1
        try:
            document = self.client.get_json(
                f"/api/v2/{kind}/count.json",
                budget=self.budget,
                what=f"GET /api/v2/{kind}/count.json",
            )
        except ZendeskHTTPError:
            return False  # no count: looked up one by one, as before
        counted = document.get("count") if isinstance(document, Mapping) else None
        value = counted.get("value") if isinstance(counted, Mapping) else None
        return isinstance(value, int) and -(-value // PAGE_SIZE) < lookups

    def user(self, email: str | None) -> DestinationUser | None:
        """B's user with this e-mail (any role), or None."""
        if not email:
            return None
        if email not in self._users:
            agent = self.agent(email)
            if agent is not None:
                self._users[email] = agent
            elif USERS_KIND in self._all_read:
                self._users[email] = None  # the whole list was read: not there
            else:
                self.requests += 1
                document = self.client.get_json(
                    "/api/v2/users/search.json",
                    {"query": f"email:{email}"},
                    budget=self.budget,
                    what="GET /api/v2/users/search.json (a person by e-mail)",
                )
                found = [u for u in document.get("users") or [] if _email(u) == email]
                self._users[email] = _user(found[0]) if found else None
        return self._users[email]

    def take_created(self, email: str) -> bool:
        """Whether this person was created for the batch and not yet counted as created."""
        if email in self._created:
            self._created.discard(email)
            return True
        return False

    def create_users(self, people: list[tuple[Person, int | None]]) -> None:
        """End users for ``people`` (each with the organization to join, or None): 100 at a
        time where the account allows it, else one by one; a dry run only pretends."""
        wanted = [(p, org) for p, org in people if p.email and self._users.get(p.email) is None]
        if self.dry_run or self._bulk_refused:
            for person, organization in wanted:
                self.create_user(person, organization)
            return
        for start in range(0, len(wanted), PAGE_SIZE):
            chunk = wanted[start : start + PAGE_SIZE]
            if not self._bulk_refused:
                self._create_many(chunk)
            for person, organization in chunk:  # what the bulk call did not create
                if person.email and self._users.get(person.email) is None:
                    self.create_user(person, organization)

    def _create_many(self, chunk: list[tuple[Person, int | None]]) -> None:
        bodies = [_user_body(person, organization) for person, organization in chunk]
        self.requests += 1
        try:
            document = self.client.policy.call(
                lambda: self.client.fetch("POST", CREATE_MANY_PATH, body={"users": bodies}),
                what=f"POST {CREATE_MANY_PATH}",
                budget=self.budget,
            )
        except ZendeskHTTPError as exc:
            if exc.status not in (403, 404):
                raise
            self._bulk_refused = True
            logger.info(
                "The destination does not allow bulk user imports (%s; Zendesk's support "
                "enables them on request): people are created one by one",
                exc,
            )
            return
        job = self._finished_job(document)
        organizations = {b["email"]: org for b, (_, org) in zip(bodies, chunk, strict=True)}
        for position, result in enumerate(job.get("results") or []):
            if not isinstance(result, Mapping) or not isinstance(result.get("id"), int):
                continue
            if str(result.get("status", "")).lower() == "failed" or "error" in result:
                continue
            email = result.get("email")
            index = result.get("index", position)
            if not isinstance(email, str) and isinstance(index, int) and index < len(bodies):
                email = bodies[index]["email"]  # no e-mail in the result: its position says
            email = email.strip().lower() if isinstance(email, str) else None
            if email is not None and email in organizations:
                organization = organizations[email]
                created = DestinationUser(result["id"], email, "end-user", memberships_known=True)
                if organization is not None:
                    created.organization_ids.add(organization)
                self._users[email] = created
                self._created.add(email)

    def _finished_job(self, document: Any) -> Mapping[str, Any]:
        """Wait for a bulk job (its status, polled with growing gaps) and return it."""
        job = document.get("job_status") if isinstance(document, Mapping) else None
        if not isinstance(job, Mapping) or not job.get("id"):
            raise ZendeskError(f"Zendesk answered {CREATE_MANY_PATH} without a job status")
        wait, deadline = 0.1, self.client.policy.clock() + BULK_JOB_TIMEOUT
        while str(job.get("status")) not in ("completed", "failed", "killed"):
            if self.client.policy.clock() > deadline:
                raise ZendeskError(
                    f"The bulk user job {job.get('id')} did not finish within "
                    f"{BULK_JOB_TIMEOUT:.0f} s; check it in Zendesk, then run again from the "
                    "last STATE"
                )
            self.client.policy.sleep(wait)
            wait = min(wait * 2, 1.0)
            self.requests += 1
            path = f"/api/v2/job_statuses/{job['id']}.json"
            answer = self.client.get_json(path, budget=self.budget, what=f"GET {path}")
            job = answer.get("job_status") if isinstance(answer, Mapping) else None
            if not isinstance(job, Mapping):
                raise ZendeskError(f"Zendesk answered GET {path} without a job status")
        return job

    def create_user(self, person: Person, organization_id: int | None) -> DestinationUser:
        """An end user for ``person`` (a dry run only pretends)."""
        assert person.email  # people without e-mail are never created
        if self.dry_run:
            self._planned_ids -= 1
            created = DestinationUser(self._planned_ids, person.email, "end-user")
        else:
            created = self._create_one(person, organization_id)
        if organization_id is not None:
            created.organization_ids.add(organization_id)
        self._users[person.email] = created
        self._created.add(person.email)
        return created

    def _create_one(self, person: Person, organization_id: int | None) -> DestinationUser:
        """``POST /api/v2/users`` (Create User: the account's limit only, where
        ``create_or_update`` allows one a second); an e-mail taken meanwhile is looked up."""
        self.requests += 1
        try:
            document = self.client.policy.call(
                lambda: self.client.fetch(
                    "POST", CREATE_PATH, body={"user": _user_body(person, organization_id)}
                ),
                what=f"POST {CREATE_PATH}",
                budget=self.budget,
            )
        except ZendeskHTTPError as exc:
            if exc.status != 422 or "already" not in str(exc).lower():
                raise
            assert person.email is not None
            self._users.pop(person.email, None)
            self._all_read.discard(USERS_KIND)  # the list read no longer knows everyone
            found = self.user(person.email)
            if found is None:
                raise
            return found
        created = _user(document.get("user") or {})
        created.memberships_known = True  # made now: the organization it was made with
        return created

    def organization(self, name: str | None) -> int | None:
        if not name:
            return None
        key = name.casefold()
        if key not in self._organizations:
            if ORGS_KIND in self._all_read:
                self._organizations[key] = None  # the whole list was read: not there
                return None
            self.requests += 1
            document = self.client.get_json(
                "/api/v2/organizations/search.json",
                {"name": name},
                budget=self.budget,
                what="GET /api/v2/organizations/search.json (an organization by name)",
            )
            matches = [
                o.get("id")
                for o in document.get("organizations") or []
                if str(o.get("name")).casefold() == key and isinstance(o.get("id"), int)
            ]
            self._organizations[key] = matches[0] if matches else None
        return self._organizations[key]


def _user_body(person: Person, organization_id: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": person.name or person.email, "email": person.email}
    if organization_id is not None:
        body["organization_id"] = organization_id
    return body


def _email(user: Mapping[str, Any]) -> str | None:
    email = user.get("email")
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def _user(user: Mapping[str, Any]) -> DestinationUser:
    user_id = user.get("id")
    if not isinstance(user_id, int):
        raise ZendeskError(f"Zendesk sent a user without an id: {dict(user)!r:.200}")
    organizations = {o for o in user.get("organization_ids") or [] if isinstance(o, int)}
    if isinstance(user.get("organization_id"), int):
        organizations.add(user["organization_id"])
    return DestinationUser(
        user_id,
        _email(user),
        str(user.get("role") or "end-user"),
        bool(user.get("suspended")),
        organizations,
    )
