"""Nothing of the source account's numbering reaches the destination: every reference mapped.

People by e-mail; groups, brands and ticket forms by name; organizations by name (and only
when they are the requester's in the destination); custom fields by title and type, with
drop-down values kept only where the destination's field has that option; comments with
their authors mapped, in order. What cannot be mapped follows the rules (docs/copy.md):

* ``onUnmapped`` for structure and assignees: ``omit`` (leave it out), ``default`` (the
  configured default, else left out), or ``stop`` (the run stops before importing it);
* ``unknownPeople`` for requesters, submitters, comment authors and CCs the destination
  does not have: ``create`` (an end user with their name and e-mail), ``default`` (the
  default agent), or ``stop``.

Every decision is counted in the :class:`MappingReport`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from target_zendesk_tickets.copying.creation import CREATABLE_FIELD_TYPES, StructureCreator
from target_zendesk_tickets.copying.destination import AGENT_ROLES, Destination, DestinationUser
from target_zendesk_tickets.copying.mapping_report import (
    CREATED,
    DEFAULTED,
    LEFT_OUT,
    MAPPED,
    MappingReport,
)
from target_zendesk_tickets.copying.references import (
    BRANDS,
    CUSTOM_STATUSES,
    GROUPS,
    OPTION_TYPES,
    ORGANIZATIONS,
    TICKET_FIELDS,
    TICKET_FORMS,
    Person,
    SourceReferences,
)
from target_zendesk_tickets.errors import TargetError

logger = logging.getLogger(__name__)

OMIT, DEFAULT, STOP, CREATE = "omit", "default", "stop", "create"
#: Ids of the source account that have no counterpart to map them to, by what they name.
UNMAPPABLE_IDS = {
    "problem_id": "problem ticket",
    "sharing_agreement_ids": "sharing agreement",
}
#: Fields of a comment that an import takes.
COMMENT_FIELDS = ("created_at", "public")


@dataclass
class LeftOut:
    """What the mapping left out of one ticket that a copy may hold: an update clears it.

    An import simply leaves these out (Zendesk's defaults apply); a copy made earlier may
    still hold an old value there, and the copy must read as its source does now.
    """

    #: Reference fields that can be empty: ``assignee_id``, ``group_id``, ``organization_id``.
    fields: set[str] = field(default_factory=set)
    #: The destination's custom fields that cannot hold the source's value (an option it
    #: lacks, another type under the same title).
    custom_fields: set[int] = field(default_factory=set)


#: Left-out references an update clears (a brand, a form and a requester cannot be empty).
CLEARABLE = ("assignee_id", "group_id", "organization_id")


class UnmappableError(TargetError):
    """A reference that the ``stop`` rule does not let through."""


@dataclass(frozen=True)
class MappingRules:
    on_unmapped: str = OMIT
    unknown_people: str = CREATE
    default_agent: str | None = None  # an e-mail
    default_group: str | None = None  # names
    default_brand: str | None = None
    default_ticket_form: str | None = None
    create_missing: bool = False  # createMissing: structure the destination lacks is made
    create_agents: bool = False  # createAgents: missing assignees and followers are made
    #: nameMap: kind -> {source name, case-folded -> destination name}.
    name_map: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def renamed(self, kind: str, name: str | None) -> str | None:
        """The destination's name for a source name of ``kind`` (``nameMap``, else itself)."""
        if not name:
            return name
        return self.name_map.get(kind, {}).get(name.casefold(), name)

    def default_name(self, kind: str) -> str | None:
        return {
            GROUPS: self.default_group,
            BRANDS: self.default_brand,
            TICKET_FORMS: self.default_ticket_form,
        }.get(kind)


KIND_LABELS = {GROUPS: "group", BRANDS: "brand", TICKET_FORMS: "ticket form"}
#: References that may be empty in the source (and are then sent empty).
EMPTIABLE = (
    "assignee_id",
    "group_id",
    "organization_id",
    "brand_id",
    "ticket_form_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
)
#: Custom field types whose values are ids of the source account (not mapped).
ID_VALUED_TYPES = frozenset({"lookup"})
ID_FIELDS = {GROUPS: "group_id", BRANDS: "brand_id", TICKET_FORMS: "ticket_form_id"}


class TicketMapper:
    def __init__(
        self,
        source: SourceReferences,
        destination: Destination,
        rules: MappingRules,
        report: MappingReport,
        creator: StructureCreator | None = None,
    ) -> None:
        """``creator`` creates what the destination lacks (``createMissing``,
        ``createAgents``); without one, what is missing follows ``onUnmapped``."""
        self.source = source
        self.destination = destination
        self.rules = rules
        self.report = report
        self.creator = creator
        self.tickets = 0  # mapped so far
        self._defaults_checked = False

    def map(
        self,
        body: Mapping[str, Any],
        comments: list[dict[str, Any]],
        who: str,
        left_out: LeftOut | None = None,
    ) -> dict[str, Any]:
        """The import body with every reference mapped; ``who`` names the ticket in errors.

        ``left_out`` is filled with what a copy must have cleared (see :class:`LeftOut`).
        """
        self.tickets += 1
        if not self._defaults_checked:
            self._check_defaults()
        ticket = _Ticket(self, dict(body), who, left_out if left_out is not None else LeftOut())
        # What the source has empty stays empty in the copy (an update clears it); what
        # the mapping leaves out is simply not sent.
        empty = {name: body[name] for name in EMPTIABLE if name in body and not body[name]}
        organization = ticket.organization()
        requester = ticket.requester(organization)
        ticket.check_organization(organization, requester)
        ticket.person_field("submitter_id", "submitter")
        for kind in (GROUPS, BRANDS, TICKET_FORMS):
            ticket.named(kind)
        ticket.assignee()
        ticket.people_list("collaborator_ids", "CC")
        ticket.people_list("email_cc_ids", "CC")
        ticket.followers()
        ticket.custom_fields()
        ticket.custom_status()
        ticket.comments(comments, requester)
        for name, kind in UNMAPPABLE_IDS.items():
            if ticket.body.pop(name, None) not in (None, []):
                self.report.count(kind, LEFT_OUT, who)
        ticket.body.update(empty)
        ticket.left_out.fields.difference_update(ticket.body)  # sent after all (a default)
        return ticket.body

    def prepare(self, tickets: list[tuple[Mapping[str, Any], list[dict[str, Any]]]]) -> None:
        """Before a batch is mapped: ask the destination, in bulk, for everyone and every
        organization its tickets (and their comments) refer to, and create in bulk the
        people the ``create`` rule will want, so that mapping each ticket asks nothing."""
        people: dict[str, Person] = {}
        organizations: set[str] = set()
        requesters: dict[str, str | None] = {}  # e-mail -> the ticket's organization name
        for body, comments in tickets:
            org_name = self.source.name_of(ORGANIZATIONS, body.get("organization_id"))
            if org_name:
                organizations.add(org_name)
            ids = [body.get("requester_id"), body.get("submitter_id")]
            for name in ("collaborator_ids", "email_cc_ids"):
                ids += list(body.get(name) or [])
            ids += [comment.get("author_id") for comment in comments]
            for source_id in ids:
                person = self.source.people.get(source_id) if isinstance(source_id, int) else None
                if person is not None and person.email:
                    people[person.email] = person
                    own = self.source.name_of(ORGANIZATIONS, person.organization_id)
                    if own:
                        organizations.add(own)
            requester = self.source.people.get(body.get("requester_id"))  # type: ignore[arg-type]
            if requester is not None and requester.email:
                requesters.setdefault(requester.email, org_name)
        self.destination.find_users(sorted(people))
        self.destination.find_organizations(sorted(organizations))
        if self.rules.unknown_people != CREATE:
            return
        missing = [
            person for person in people.values() if self.destination.user(person.email) is None
        ]
        if self.rules.create_agents and self.creator is not None:
            # The source's agents are made agents at once (not end users first).
            for person in [p for p in missing if p.role in AGENT_ROLES]:
                self.creator.agent(person)
            missing = [p for p in missing if p.role not in AGENT_ROLES]
        self.destination.create_users(
            [
                (person, self._new_person_organization(person, requesters.get(person.email or "")))
                for person in missing
            ]
        )

    def _new_person_organization(self, person: Person, ticket_org: str | None) -> int | None:
        """A person created keeps their own organization; a requester without one gets the
        ticket's, so that the ticket keeps it (Zendesk takes only the requester's)."""
        own = self.destination.organization(
            self.source.name_of(ORGANIZATIONS, person.organization_id)
        )
        return own or self.destination.organization(ticket_org)

    def _check_defaults(self) -> None:
        """Say once if a configured default is not in the destination (it is not used)."""
        self._defaults_checked = True
        agent = self.destination.agent(self.rules.default_agent)
        if self.rules.default_agent and (agent is None or agent.suspended):
            logger.warning(
                "defaultAgent %s is not an active agent of the destination: it is not used",
                self.rules.default_agent,
            )
        for kind, setting in (
            (GROUPS, "defaultGroup"),
            (BRANDS, "defaultBrand"),
            (TICKET_FORMS, "defaultTicketForm"),
        ):
            name = self.rules.default_name(kind)
            if name and self.destination.named(kind, name) is None:
                logger.warning("%s %r is not in the destination: it is not used", setting, name)


class _Ticket:
    """One ticket being mapped."""

    def __init__(
        self, mapper: TicketMapper, body: dict[str, Any], who: str, left_out: LeftOut
    ) -> None:
        self.mapper = mapper
        self.body = body
        self.who = who
        self.left_out = left_out
        self.source = mapper.source
        self.destination = mapper.destination
        self.rules = mapper.rules
        self.report = mapper.report
        self.creator = mapper.creator if mapper.rules.create_missing else None
        self.agent_creator = mapper.creator if mapper.rules.create_agents else None

    def _stop(self, kind: str, what: str) -> UnmappableError:
        return UnmappableError(
            f"Cannot map the {kind} of {self.who}: {what}, and the rule for it is 'stop'. "
            "Nothing of this ticket was imported; create it in the destination account, set a "
            "default (or change onUnmapped / unknownPeople), and run again from the last STATE"
        )

    # People -------------------------------------------------------------------------

    def person(self, source_id: Any, kind: str, organization: int | None = None) -> int | None:
        """The destination's id for a source person (created when the rule says so)."""
        person = self.source.people.get(source_id) if isinstance(source_id, int) else None
        if person is None or not person.email:
            what = f"user {source_id} " + ("has no e-mail" if person else "is not in the input")
            return self._unusable_person(kind, what)
        found = self.destination.user(person.email)
        if found is not None and not found.suspended:
            if self.destination.take_created(person.email):  # created for this batch
                self.report.count(kind, CREATED, person.email)
            else:
                self.report.count(kind, MAPPED)
            return found.id
        if found is not None:
            return self._unusable_person(kind, f"{person.email} is suspended in the destination")
        if self.rules.unknown_people == CREATE:
            own = self.destination.organization(
                self.source.name_of(ORGANIZATIONS, person.organization_id)
            )
            created = self.destination.create_user(person, own or organization)
            self.report.count(kind, CREATED, person.email)
            return created.id
        return self._unusable_person(kind, f"the destination has no user {person.email}")

    def _unusable_person(self, kind: str, what: str) -> int | None:
        if self.rules.unknown_people == STOP:
            raise self._stop(kind, what)
        agent = self.destination.agent(self.rules.default_agent)
        if self.rules.unknown_people == DEFAULT and agent is not None and not agent.suspended:
            self.report.count(kind, DEFAULTED, what)
            return agent.id
        self.report.count(kind, LEFT_OUT, what)
        return None

    def requester(self, organization: int | None) -> Any:
        """Map the requester; the destination user, for the organization check (or None)."""
        source_id = self.body.pop("requester_id", None)
        mapped = self.person(source_id, "requester", organization)
        if mapped is None:
            return None  # Zendesk makes the importing user the requester
        self.body["requester_id"] = mapped
        person = self.source.people.get(source_id) if isinstance(source_id, int) else None
        user = self.destination.user(person.email) if person and person.email else None
        if user is None or user.id != mapped:  # defaulted: the default agent
            user = self.destination.agent(self.rules.default_agent)
        return user if user is not None and user.id == mapped else _UserById(mapped)

    def person_field(self, name: str, kind: str) -> None:
        if self.body.get(name) is None:
            return
        mapped = self.person(self.body.pop(name), kind)
        if mapped is not None:
            self.body[name] = mapped

    def people_list(self, name: str, kind: str) -> None:
        if not self.body.get(name):
            self.body.pop(name, None)
            return
        mapped = [self.person(person, kind) for person in self.body.pop(name)]
        people = sorted({person for person in mapped if person is not None})
        if people:
            self.body[name] = people

    def followers(self) -> None:
        followers = self.body.pop("follower_ids", None) or []
        mapped = {a for a in (self._agent(f, "follower") for f in followers) if a is not None}
        if mapped:
            self.body["follower_ids"] = sorted(mapped)

    def _agent(self, source_id: Any, kind: str, group: int | None = None) -> int | None:
        """The destination's agent for a source agent (a member of ``group`` when given)."""
        person = self.source.people.get(source_id) if isinstance(source_id, int) else None
        agent = self.destination.agent(person.email) if person else None
        who = person.email if person else f"user {source_id}"
        created = False
        if agent is None and person is not None and self.agent_creator is not None:
            agent = self.agent_creator.agent(person)
            created = agent is not None
        if agent is None or agent.suspended:
            return self._unmapped_agent(kind, f"{who} is not an active agent there", group)
        maker = self.creator or self.agent_creator
        if (
            group is not None
            and not self.destination.is_member(agent.id, group)
            and not (
                maker is not None
                # Assigned there in the source: Zendesk had them in the group, so there too.
                and maker.group_membership(agent.id, group, who or str(source_id))
            )
        ):
            # Zendesk refuses an assignee outside the ticket's group: the group wins.
            return self._unmapped_agent(kind, f"{who} is not in the ticket's group there", group)
        self.report.count(kind, CREATED if created else MAPPED, who if created else None)
        return agent.id

    def _unmapped_agent(self, kind: str, what: str, group: int | None) -> int | None:
        if self.rules.on_unmapped == STOP:
            raise self._stop(kind, what)
        agent = self.destination.agent(self.rules.default_agent)
        usable = agent is not None and not agent.suspended
        if usable and group is not None and agent is not None:
            usable = self.destination.is_member(agent.id, group)
        if self.rules.on_unmapped == DEFAULT and usable and agent is not None:
            self.report.count(kind, DEFAULTED, what)
            return agent.id
        self.report.count(kind, LEFT_OUT, what)
        return None

    def assignee(self) -> None:
        source_id = self.body.pop("assignee_id", None)
        if source_id is not None:
            assignee = self._agent(source_id, "assignee", self.body.get("group_id"))
            if assignee is not None:
                self.body["assignee_id"] = assignee
            else:
                self.left_out.fields.add("assignee_id")

    # Structure ------------------------------------------------------------------------

    def named(self, kind: str) -> None:
        name_field = ID_FIELDS[kind]
        source_id = self.body.pop(name_field, None)
        if source_id is None:
            return
        label = KIND_LABELS[kind]
        name = self.rules.renamed(kind, self.source.name_of(kind, source_id))
        mapped = self.destination.named(kind, name)
        outcome = MAPPED
        if mapped is None:
            mapped, outcome = self._create_named(kind, source_id, name), CREATED
        if mapped is not None:
            self.report.count(label, outcome, name if outcome == CREATED else None)
            self.body[name_field] = mapped
            return
        what = f"'{name}' is not in the destination" if name else f"{source_id} is not in the input"
        if self.rules.on_unmapped == STOP:
            raise self._stop(label, f"{label} {what}")
        default = self.destination.named(kind, self.rules.default_name(kind))
        if self.rules.on_unmapped == DEFAULT and default is not None:
            self.report.count(label, DEFAULTED, what)
            self.body[name_field] = default
        else:
            self.report.count(label, LEFT_OUT, what)
            if name_field in CLEARABLE:
                self.left_out.fields.add(name_field)

    def _create_named(self, kind: str, source_id: Any, name: str | None) -> int | None:
        """A group or ticket form the destination lacks, created (``createMissing``)."""
        if self.creator is None or not name:
            return None
        if kind == GROUPS:
            return self.creator.group(source_id, name)
        if kind == TICKET_FORMS:
            form = self.source.record(TICKET_FORMS, source_id) or {}
            fields = [
                field_id
                for field_id in (
                    self._form_field(source_field)
                    for source_field in form.get("ticket_field_ids") or []
                )
                if field_id is not None
            ]
            return self.creator.ticket_form(source_id, name, fields)
        return None  # brands are not created: a brand needs its own subdomain

    def _form_field(self, source_field_id: Any) -> int | None:
        """The destination's id of a field of a source form (created if it is custom)."""
        record = self.source.record(TICKET_FIELDS, source_field_id)
        if record is None or self.creator is None:
            return None
        title = self.rules.renamed(TICKET_FIELDS, str(record.get("title") or "")) or ""
        found = self.destination.field_record(title, str(record.get("type")))
        if found is None and record.get("type") in CREATABLE_FIELD_TYPES:
            found = self.creator.ticket_field({**record, "title": title})
        return int(found["id"]) if found is not None else None

    def organization(self) -> int | None:
        source_id = self.body.pop("organization_id", None)
        if source_id is None:
            return None
        name = self.rules.renamed(ORGANIZATIONS, self.source.name_of(ORGANIZATIONS, source_id))
        mapped = self.destination.organization(name)
        if mapped is None and self.creator is not None:
            mapped = self.creator.organization(source_id, name)
            if mapped is not None:
                self.report.count("organization", CREATED, name)
        if mapped is None:
            what = (
                f"'{name}' is not in the destination"
                if name
                else f"{source_id} is not in the input"
            )
            if self.rules.on_unmapped == STOP:
                raise self._stop("organization", f"organization {what}")
            self.report.count("organization", LEFT_OUT, what)
            self.left_out.fields.add("organization_id")
        return mapped

    def check_organization(self, organization: int | None, requester: Any) -> None:
        if organization is None:
            return
        if (
            isinstance(requester, DestinationUser)
            and organization not in requester.organization_ids
        ):
            self.destination.read_memberships(requester)  # not their default: a member still?
        organizations = getattr(requester, "organization_ids", None)
        if (
            self.creator is not None
            and isinstance(requester, DestinationUser)
            and organization not in requester.organization_ids
            and self.creator.organization_membership(
                requester.id, organization, requester.email or str(requester.id)
            )
        ):
            requester.organization_ids.add(organization)  # a member now, as in the source
            organizations = requester.organization_ids
        if requester is None or (organizations is not None and organization not in organizations):
            # Zendesk only takes an organization the requester belongs to.
            self.report.count("organization", LEFT_OUT, f"not the requester's, {self.who}")
            self.left_out.fields.add("organization_id")
            return
        self.report.count("organization", MAPPED)
        self.body["organization_id"] = organization

    def custom_fields(self) -> None:
        values = self.body.pop("custom_fields", None) or []
        mapped = [m for m in map(self._custom_field, values) if m is not None]
        if mapped:
            self.body["custom_fields"] = mapped

    def _custom_field(self, entry: Any) -> dict[str, Any] | None:
        """One custom field value, mapped (None: left out, counted)."""
        if not isinstance(entry, Mapping):
            return None
        source_field = self.source.fields.get(entry.get("id"))  # type: ignore[arg-type]
        empty = entry.get("value") in (None, "", [])
        if source_field is not None and source_field.type in ID_VALUED_TYPES:
            if not empty:  # its values are ids of the source account
                self.report.count("custom field", LEFT_OUT, f"'{source_field.title}' (lookup)")
            return None
        title = (
            self.rules.renamed(TICKET_FIELDS, source_field.title) or source_field.title
            if source_field
            else ""
        )
        field = self.destination.field(title, source_field.type) if source_field else None
        if field is None and source_field is not None and not empty:
            field = self._create_field(source_field, title)
        if source_field is None or field is None:
            if not empty:
                self._field_left_out(entry, source_field, title)
            return None
        if empty:
            return {"id": field.id, "value": None}  # empty in the source too
        value = self._field_value(source_field, field, entry["value"])
        if value is None:  # none of its options is there
            self.left_out.custom_fields.add(field.id)
            return None
        self.report.count("custom field", MAPPED)
        return {"id": field.id, "value": value}

    def _field_left_out(self, entry: Mapping[str, Any], source_field: Any, title: str) -> None:
        what = (
            f"'{source_field.title}' ({source_field.type}) is not in the destination"
            if source_field
            else f"field {entry.get('id')} is not in the input"
        )
        if self.rules.on_unmapped == STOP:
            raise self._stop("custom field", what)
        self.report.count("custom field", LEFT_OUT, what)
        if source_field is not None:  # a field of another type there: not its value
            self.left_out.custom_fields.update(self.destination.fields_titled(title))

    def _create_field(self, source_field: Any, title: str) -> Any:
        """A custom field the destination lacks, created (``createMissing``), as a Field."""
        record = self.source.record(TICKET_FIELDS, source_field.id)
        if self.creator is None or record is None:
            return None
        if self.creator.ticket_field({**record, "title": title}) is None:
            return None
        self.report.count("custom field", CREATED, f"'{title}' ({source_field.type})")
        return self.destination.field(title, source_field.type)

    def _field_value(self, source_field: Any, field: Any, value: Any) -> Any:
        if source_field.type not in OPTION_TYPES:
            return value
        by_name = {name.casefold(): tag for tag, name in field.options.items()}
        kept = []
        for option in value if isinstance(value, list) else [value]:
            tag = str(option)
            if tag not in field.options:  # the same option under another tag?
                name = source_field.options.get(tag)
                tag = by_name.get(name.casefold(), "") if name else ""
                if not tag and name and self._create_option(field, name, str(option)):
                    tag = str(option)
            if tag:
                kept.append(tag)
                continue
            what = f"option '{option}' of '{field.title}' is not in the destination"
            if self.rules.on_unmapped == STOP:
                raise self._stop("custom field option", what)
            self.report.count("custom field option", LEFT_OUT, what)
        if not kept:
            return None
        return kept if isinstance(value, list) else kept[0]

    def _create_option(self, field: Any, name: str, value: str) -> bool:
        """An option the destination's field lacks, added to it (``createMissing``)."""
        if self.creator is None:
            return False
        record = self.destination.field_record(field.title, field.type)
        if record is None or self.creator.field_option(record, name, value) is None:
            return False
        field.options[value] = name  # this ticket's mapping sees it at once
        self.report.count("custom field option", CREATED, f"'{name}' of '{field.title}'")
        return True

    def custom_status(self) -> None:
        """The destination's custom status of the same category and agent label (``nameMap``
        first), created with ``createMissing``; else left out (Zendesk then gives the
        ticket its status's default)."""
        source_id = self.body.pop("custom_status_id", None)
        if source_id is None:
            return
        record = self.source.record(CUSTOM_STATUSES, source_id)
        if record is None:
            self.report.count("custom status", LEFT_OUT, f"{source_id} is not in the input")
            return
        category = str(record.get("status_category") or "")
        label = self.rules.renamed(CUSTOM_STATUSES, str(record.get("agent_label") or "")) or ""
        mapped = self.destination.custom_status(category, label)
        outcome = MAPPED
        if mapped is None and self.creator is not None and label:
            mapped, outcome = self.creator.custom_status(record, label), CREATED
        if mapped is None:
            what = f"'{label}' ({category}) is not in the destination"
            if self.rules.on_unmapped == STOP:
                raise self._stop("custom status", what)
            self.report.count("custom status", LEFT_OUT, what)
            return
        self.report.count("custom status", outcome, label if outcome == CREATED else None)
        self.body["custom_status_id"] = mapped

    # Comments -------------------------------------------------------------------------

    def comments(self, comments: list[dict[str, Any]], requester: Any) -> None:
        if not comments:
            return
        imported = []
        for comment in comments:
            entry: dict[str, Any] = {
                name: comment[name] for name in COMMENT_FIELDS if comment.get(name) is not None
            }
            html = comment.get("html_body")
            entry["html_body" if html else "value"] = html or comment.get("body") or ""
            author = self.person(comment.get("author_id"), "comment author")
            if author is not None:
                entry["author_id"] = author
            imported.append(entry)
        self.body["comments"] = imported
        self.body.pop("description", None)  # the first comment is the description


@dataclass(frozen=True)
class _UserById:
    """A requester known only by id (its organizations unknown)."""

    id: int
    organization_ids: None = None


__all__ = ["CLEARABLE", "LeftOut", "MappingRules", "Person", "TicketMapper", "UnmappableError"]
