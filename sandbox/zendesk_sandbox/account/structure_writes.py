"""What the API creates in an account's structure: groups, organizations, memberships,
ticket fields (and their options), ticket forms, user and organization fields.

``Account`` calls it under its lock. The checks are in structure_rules.py, field_rules.py
and memberships.py; a request with problems is a 422 ``RecordInvalid`` naming each field.
Everything created is written to the journal (``{"t": "created", "kind", "record"}``) and
replayed on start, a changed ticket field as a new record of the same id.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zendesk_sandbox.account import new_ids
from zendesk_sandbox.account.field_rules import (
    OptionSpec,
    checkbox_tag,
    option_specs,
    record_field_problems,
    ticket_field_problems,
    wants_options,
)
from zendesk_sandbox.account.journal import Journal
from zendesk_sandbox.account.memberships import joined, membership_problems, new_membership
from zendesk_sandbox.account.rules import Problems
from zendesk_sandbox.account.structure_rules import (
    form_problems,
    group_problems,
    organization_problems,
)
from zendesk_sandbox.account.tickets import Tickets
from zendesk_sandbox.account.writes import NOT_FOUND, record_invalid
from zendesk_sandbox.errors import ApiError
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.generated.people import Membership, user_state
from zendesk_sandbox.generated.record_fields import (
    RecordField,
    clean_record_values,
    record_field_from_state,
    record_field_state,
)
from zendesk_sandbox.generated.statuses import CREATED_STATUS_FROM, CustomStatus
from zendesk_sandbox.generated.structure import (
    FieldOption,
    Group,
    Organization,
    TicketField,
    TicketForm,
)
from zendesk_sandbox.generated.universe import object_id

#: The categories a custom status belongs to (closed has none of its own).
STATUS_CATEGORIES = ("new", "open", "pending", "hold", "solved")


class StructureWrites:
    """Creates structure through the API and keeps it in the journal."""

    def __init__(
        self,
        directory: Directory,
        *,
        tickets: Tickets,
        journal: Journal,
        clock: Callable[[], float],
    ) -> None:
        self.directory = directory
        self.structure = directory.structure
        self.account = directory.account
        self._tickets = tickets
        self._journal = journal
        self._clock = clock
        # What each kind of create request makes: (record's JSON, its journal state).
        self._makers: dict[str, Callable[[dict, Problems, float], tuple[dict, dict]]] = {
            "group": self._make_group,
            "organization": self._make_organization,
            "group_membership": self._make_group_membership,
            "organization_membership": self._make_organization_membership,
            "ticket_field": self._make_ticket_field,
            "ticket_form": self._make_ticket_form,
            "user_field": self._make_user_field,
            "organization_field": self._make_organization_field,
            "custom_status": self._make_custom_status,
        }

    def create(self, kind: str, spec: object) -> dict:
        """Create one ``kind`` from its request object; its JSON, or the 422 ApiError."""
        problems = Problems()
        if not isinstance(spec, dict):
            problems.add(kind, f"{kind.replace('_', ' ').capitalize()}: must be an object")
            raise record_invalid(problems)
        record, state = self._makers[kind](spec, problems, self._clock())
        self._journal.record({"t": "created", "kind": kind, "record": state})
        return record

    # -- custom statuses ------------------------------------------------------------------

    def _make_custom_status(self, spec: dict, problems: Problems, now: float) -> tuple[dict, dict]:
        """A custom ticket status: in one of the five categories, with an agent label that
        no other status of the category has [GUESS: unique per category]."""
        category, label = spec.get("status_category"), spec.get("agent_label")
        if category not in STATUS_CATEGORIES:
            problems.add("status_category", f"Status category: {category} is not valid")
        if not isinstance(label, str) or not label.strip():
            problems.add("agent_label", "Agent label: cannot be blank", "BlankValue")
        elif any(
            s.category == category and s.agent_label.casefold() == label.strip().casefold()
            for s in self.directory.custom_statuses()
        ):
            problems.add(
                "agent_label", f"Agent label: {label} has already been taken", "DuplicateValue"
            )
        _refuse(problems)
        taken = {s.id for s in self.directory.custom_statuses()}
        number = len(self.directory.created_statuses)
        status_id = object_id("custom_status", self.account, CREATED_STATUS_FROM + number)
        while status_id in taken:
            number += 1
            status_id = object_id("custom_status", self.account, CREATED_STATUS_FROM + number)
        end_user = spec.get("end_user_label")
        status = CustomStatus(
            status_id,
            str(category),
            label.strip() if isinstance(label, str) else "",
            end_user if isinstance(end_user, str) and end_user.strip() else str(label),
            spec.get("active", True) is not False,
            False,
            int(now),
        )
        self.directory.created_statuses.append(status)
        return status.to_json(self._base), status.__dict__.copy()

    # -- groups, organizations, forms ----------------------------------------------------

    def _make_group(self, spec: dict, problems: Problems, now: float) -> tuple[dict, dict]:
        name = group_problems(spec, self.structure, problems)
        _refuse(problems)
        group_id = new_ids.next_id(
            "group", self.account, self.structure.group_by_id, new_ids.GROUP_FROM
        )
        group = Group(
            group_id,
            name,
            int(now),
            int(now),
            description=spec.get("description") or "",
            is_public=spec.get("is_public", True) is not False,
        )
        self.structure.add_group(group)
        return group.to_json(self._base), group.__dict__.copy()

    def _make_organization(self, spec: dict, problems: Problems, now: float) -> tuple[dict, dict]:
        name = organization_problems(spec, self.structure, problems)
        values, wrong = clean_record_values(
            self.directory.record_fields("organization"),
            spec.get("organization_fields"),
            "Organization fields",
        )
        for text in wrong:
            problems.add("organization_fields", text)
        _refuse(problems)
        org = Organization(
            new_ids.next_id(
                "organization",
                self.account,
                self.structure.organization_by_id,
                new_ids.ORGANIZATION_FROM,
            ),
            name,
            int(now),
            int(now),
            spec.get("external_id"),
            list(spec.get("domain_names") or []),
            list(spec.get("tags") or []),
            details=spec.get("details"),
            notes=spec.get("notes"),
            group_id=spec.get("group_id"),
            fields={key: value for key, value in values.items() if value is not None},
        )
        self.structure.add_organization(org)
        return org.to_json(self._base), copy.deepcopy(org.__dict__)

    def _make_ticket_form(self, spec: dict, problems: Problems, now: float) -> tuple[dict, dict]:
        field_ids = form_problems(spec, self.structure, problems)
        _refuse(problems)
        display = spec.get("display_name")
        form = TicketForm(
            new_ids.next_id(
                "ticket_form", self.account, self.structure.form_by_id, new_ids.FORM_FROM
            ),
            spec["name"].strip(),
            position=len(self.structure.forms),
            created_at=int(now),
            updated_at=int(now),
            default=False,  # the account's default form stays the default
            ticket_field_ids=field_ids,
            display_name=display if isinstance(display, str) else None,
            end_user_visible=spec.get("end_user_visible", True) is not False,
            active=spec.get("active", True) is not False,
            in_all_brands=spec.get("in_all_brands", True) is not False,
            restricted_brand_ids=list(spec.get("restricted_brand_ids") or []),
            agent_conditions=copy.deepcopy(spec.get("agent_conditions") or []),
            end_user_conditions=copy.deepcopy(spec.get("end_user_conditions") or []),
        )
        self.structure.add_form(form)
        return form.to_json(self._base), copy.deepcopy(form.__dict__)

    # -- memberships ---------------------------------------------------------------------

    def _make_group_membership(
        self, spec: dict, problems: Problems, now: float
    ) -> tuple[dict, dict]:
        return self._membership("group", spec, problems, now)

    def _make_organization_membership(
        self, spec: dict, problems: Problems, now: float
    ) -> tuple[dict, dict]:
        return self._membership("organization", spec, problems, now)

    def _membership(
        self, kind: str, spec: dict, problems: Problems, now: float
    ) -> tuple[dict, dict]:
        user, other_id = membership_problems(kind, spec, self.directory, problems)
        _refuse(problems)
        assert user is not None
        made = self.directory.created_memberships
        membership = new_membership(
            kind,
            new_ids.next_id(
                f"{kind}_membership",
                self.account,
                (m.id for m in made if m.kind == kind),
                new_ids.MEMBERSHIP_FROM,
            ),
            user,
            other_id,
            now,
        )
        member = joined(user, kind, other_id)
        made.append(membership)
        self.directory.people.add(member)
        self._journal.record({"t": "user", "user": user_state(member)})
        self._tickets.forget_encoded()  # side-loaded users show their organization
        shown = membership.to_json(self._base)
        if kind == "organization":  # as the list shows it, with the organization's name
            organization = self.structure.organization_by_id.get(membership.other_id)
            shown["organization_name"] = organization.name if organization else None
        return shown, membership.__dict__.copy()

    # -- fields --------------------------------------------------------------------------

    def _make_ticket_field(self, spec: dict, problems: Problems, now: float) -> tuple[dict, dict]:
        ticket_field_problems(spec, problems)
        kind = spec.get("type")
        tags = self.structure.option_tags
        options = (
            option_specs(spec.get("custom_field_options"), tags, problems)
            if wants_options(kind)
            else []
        )
        tag = checkbox_tag(spec.get("tag"), tags, problems) if kind == "checkbox" else None
        _refuse(problems)
        item = TicketField(
            id=new_ids.next_id(
                "ticket_field",
                self.account,
                self.structure.field_by_id,
                new_ids.TICKET_FIELD_FROM,
                new_ids.USER_FIELD_FROM,
            ),
            type=str(kind),
            title=spec["title"].strip(),
            position=len(self.structure.fields),
            created_at=int(now),
            updated_at=int(now),
            regexp=spec.get("regexp_for_validation") if kind == "regexp" else None,
            options=self._new_options(options),
            description=str(spec.get("description") or ""),
            required=bool(spec.get("required", False)),
            active=spec.get("active", True) is not False,
            tag=tag,
            relationship_target_type=spec.get("relationship_target_type")
            if kind == "lookup"
            else None,
        )
        self.structure.add_field(item)
        self._tickets.forget_encoded()  # generated tickets now show the new (empty) field
        return item.to_json(self._base), ticket_field_state(item)

    def _make_user_field(self, spec: dict, problems: Problems, now: float) -> tuple[dict, dict]:
        return self._record_field("user", spec, problems, now)

    def _make_organization_field(
        self, spec: dict, problems: Problems, now: float
    ) -> tuple[dict, dict]:
        return self._record_field("organization", spec, problems, now)

    def _record_field(
        self, owner: str, spec: dict, problems: Problems, now: float
    ) -> tuple[dict, dict]:
        table = (
            self.directory.user_fields if owner == "user" else self.directory.organization_fields
        )
        taken = {item.key.lower() for item in table.values()}
        record_field_problems(spec, owner, taken, problems)
        kind = spec.get("type", "text")
        own_tags: dict[str, int] = {}  # a user or organization field's tags are its own
        options = (
            option_specs(spec.get("custom_field_options"), own_tags, problems)
            if wants_options(kind)
            else []
        )
        _refuse(problems)
        start = new_ids.USER_FIELD_FROM if owner == "user" else new_ids.ORGANIZATION_FIELD_FROM
        item = RecordField(
            id=new_ids.next_id("ticket_field", self.account, table, start, start + 1_000_000),
            owner=owner,
            key=spec["key"],
            type=str(kind),
            title=spec["title"].strip(),
            position=len(table),
            created_at=int(now),
            updated_at=int(now),
            description=str(spec.get("description") or ""),
            regexp=spec.get("regexp_for_validation") if kind == "regexp" else None,
            options=self._new_options(options),
            active=spec.get("active", True) is not False,
            relationship_target_type=spec.get("relationship_target_type")
            if kind == "lookup"
            else None,
            tag=spec.get("tag")
            if kind == "checkbox" and isinstance(spec.get("tag"), str)
            else None,
        )
        table[item.id] = item
        return item.to_json(self._base), record_field_state(item)

    def _new_options(
        self, specs: list[OptionSpec], keep: list[FieldOption] | None = None
    ) -> list[FieldOption]:
        """Options for ``specs``: an existing one (by id, from ``keep``) keeps its id."""
        kept = {option.id: option for option in keep or []}
        options: list[FieldOption] = []
        for spec in specs:
            if spec.id in kept:
                options.append(FieldOption(spec.id, spec.name, spec.value, kept[spec.id].default))
                continue
            option_id = new_ids.next_id(
                "field_option",
                self.account,
                [o.id for o in self._all_options()] + [o.id for o in options],
                new_ids.OPTION_FROM,
            )
            options.append(FieldOption(option_id, spec.name, spec.value))
        return options

    def _all_options(self) -> list[FieldOption]:
        fields: list = [*self.structure.fields, *self.directory.user_fields.values()]
        fields += list(self.directory.organization_fields.values())
        return [option for item in fields for option in item.options]

    # -- changing a ticket field ---------------------------------------------------------

    def update_ticket_field(self, field_id: int, spec: object) -> dict:
        """``PUT /api/v2/ticket_fields/{id}``: title, description, required, active, and a
        drop-down's options. As Zendesk documents, ``custom_field_options`` is the whole
        new list: an option with an ``id`` keeps it, one without is new, one left out is
        removed."""
        item = self.structure.field_by_id.get(field_id)
        if item is None:
            raise ApiError(404, NOT_FOUND)
        problems = Problems()
        if not isinstance(spec, dict):
            problems.add("ticket_field", "Ticket field: must be an object")
            raise record_invalid(problems)
        if "type" in spec and spec["type"] != item.type:
            problems.add("type", "Type: cannot be changed")
        if "title" in spec and (not isinstance(spec["title"], str) or not spec["title"].strip()):
            problems.add("title", "Title: cannot be blank", "BlankValue")
        changed = copy.deepcopy(item)
        if "custom_field_options" in spec:
            if item.type not in ("tagger", "multiselect"):
                problems.add(
                    "custom_field_options",
                    "Field options: only drop-downs and multi-selects have options",
                )
            else:
                specs = option_specs(
                    spec["custom_field_options"],
                    self.structure.option_tags,
                    problems,
                    own_field=item.id,
                )
                known = {option.id for option in item.options}
                for option in specs:
                    if option.id is not None and option.id not in known:
                        problems.add(
                            "custom_field_options",
                            f"Field options: option {option.id} is not an option of this field",
                        )
                changed.options = self._new_options(specs, item.options)
        _refuse(problems)
        if isinstance(spec.get("title"), str):
            changed.title = spec["title"].strip()
        for key in ("description", "required", "active"):
            if key in spec:
                setattr(changed, key, spec[key] if key == "description" else bool(spec[key]))
        changed.updated_at = int(self._clock())
        self.structure.replace_field(changed)
        self._tickets.forget_encoded()
        self._journal.record(
            {"t": "created", "kind": "ticket_field", "record": ticket_field_state(changed)}
        )
        return changed.to_json(self._base)

    # -- the journal -----------------------------------------------------------------------

    def restore(self, kind: str, state: dict) -> None:
        """Apply one created (or changed) record read back from the journal."""
        structure = self.structure
        if kind == "group":
            structure.add_group(Group(**state))
        elif kind == "organization":
            structure.add_organization(Organization(**state))
        elif kind == "ticket_form":
            structure.add_form(TicketForm(**state))
        elif kind == "custom_status":
            self.directory.created_statuses.append(CustomStatus(**state))
        elif kind in ("group_membership", "organization_membership"):
            self.directory.created_memberships.append(Membership(**state))
        elif kind == "ticket_field":
            item = ticket_field_from_state(state)
            if item.id in structure.field_by_id:
                structure.replace_field(item)
            else:
                structure.add_field(item)
        else:
            field = record_field_from_state(state)
            table = (
                self.directory.user_fields
                if field.owner == "user"
                else self.directory.organization_fields
            )
            table[field.id] = field

    @property
    def _base(self) -> str:
        return self._tickets.base_url


def ticket_field_state(item: TicketField) -> dict:
    return {**item.__dict__, "options": [option.__dict__ for option in item.options]}


def ticket_field_from_state(state: dict) -> TicketField:
    return TicketField(**{**state, "options": [FieldOption(**o) for o in state["options"]]})


def _refuse(problems: Problems) -> None:
    if problems:
        raise record_invalid(problems)
