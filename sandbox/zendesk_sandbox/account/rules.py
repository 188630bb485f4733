"""What the realistic account accepts in an import or an update, and what it makes of it.

Every problem goes into Zendesk's ``RecordInvalid`` details (``{field: [{description,
error}]}``); one problem fails the whole ticket. docs/sandbox.md lists each rule with its
source: Zendesk's documentation, what others observed, or the sandbox's (stricter) guess.

``people=False`` (the idealised account) checks only what ``imports.ticket_errors`` checks
and takes every id as given; comments are kept either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zendesk_sandbox.account.fieldvalues import clean_custom_fields, merged_custom_fields
from zendesk_sandbox.account.imports import PRIORITIES, STATUSES, TYPES, ticket_errors
from zendesk_sandbox.generated.conversations import html_bodies, plain_bodies
from zendesk_sandbox.generated.directory import Directory, DirectoryError
from zendesk_sandbox.generated.people import User
from zendesk_sandbox.timefmt import parse_iso

CLOSED = "Status: closed prevents ticket update"
USER_LISTS = (
    ("collaborator_ids", "collaborators", "Collaborators"),
    ("email_cc_ids", "email_ccs", "Email CCs"),
    ("follower_ids", "followers", "Followers"),
)
UPDATABLE = frozenset(
    {
        "subject",
        "raw_subject",
        "status",
        "priority",
        "type",
        "tags",
        "additional_tags",
        "remove_tags",
        "assignee_id",
        "group_id",
        "organization_id",
        "requester_id",
        "submitter_id",
        "collaborator_ids",
        "follower_ids",
        "email_cc_ids",
        "brand_id",
        "ticket_form_id",
        "custom_fields",
        "fields",
        "due_at",
        "external_id",
        "problem_id",
        "comment",
        "safe_update",
        "updated_stamp",
        "custom_status_id",
        "recipient",
        "sharing_agreement_ids",
        "id",
        "metadata",
        "via_id",
    }
)


class Problems:
    """RecordInvalid details, collected field by field."""

    def __init__(self) -> None:
        self.details: dict[str, list[dict]] = {}

    def add(self, field_name: str, description: str, error: str = "InvalidValue", **extra) -> None:
        self.details.setdefault(field_name, []).append(
            {"description": description, "error": error, **extra}
        )

    def merge(self, details: dict[str, list[dict]]) -> None:
        for field_name, entries in details.items():
            self.details.setdefault(field_name, []).extend(entries)

    def __bool__(self) -> bool:
        return bool(self.details)

    def text(self) -> str:
        """One line, the way a bulk job's ``details`` carries it."""
        return self.text_of(self.details)

    @staticmethod
    def text_of(details: dict) -> str:
        return "; ".join(d["description"] for ds in details.values() for d in ds)


@dataclass
class Plan:
    """A ticket that passed the checks: the values to store."""

    values: dict = field(default_factory=dict)  # reference fields and custom_fields
    comments: list[dict] = field(default_factory=list)
    new_requester: dict | None = None  # a requester object whose user is still to be made


def basic_problems(raw: dict, problems: Problems) -> None:
    """The checks both accounts make (``imports.ticket_errors``), as RecordInvalid details."""
    for message in ticket_errors(raw):
        label = message.split(":", 1)[0].lower().replace(" ", "_")
        if label == "base" and "needs a subject" in message:
            continue  # the realistic account asks for a description instead (below)
        problems.add(label, message)


def check_import(
    raw: object, directory: Directory, importer_id: int | None, now: float, *, strict: bool
) -> tuple[Plan | None, Problems]:
    """Check one imported ticket; the plan is None when there are problems."""
    problems = Problems()
    if not isinstance(raw, dict):
        problems.add("base", "Ticket: must be a JSON object")
        return None, problems
    if not strict:
        for message in ticket_errors(raw):
            problems.add("base", message)
        plan = Plan(comments=_comments(raw, raw.get("requester_id"), None, directory, problems))
        return (None if problems else plan), problems
    basic_problems(raw, problems)
    plan = Plan()
    requester = _requester(
        raw, directory, importer_id=importer_id, now=now, problems=problems, plan=plan
    )
    values = plan.values
    values["requester_id"] = requester.id if requester else None
    _references(raw, directory, problems, values, requester=requester, current=None)
    comments = _comments(
        raw,
        values["requester_id"],
        now,
        directory,
        problems,
        strict=True,
        # No requester yet: one to be made, or one already reported as a problem.
        new_requester=values["requester_id"] is None,
    )
    if not comments and not _text(raw.get("description")):
        problems.add("description", "Description: cannot be blank", "BlankValue")
    submitter = raw.get("submitter_id")
    if submitter is not None:
        if directory.user(submitter) is None:
            problems.add("submitter", "Submitter: is invalid")
        values["submitter_id"] = submitter
    plan.comments = comments
    _custom_status(raw, directory, problems)
    cleaned = clean_custom_fields(raw.get("custom_fields", raw.get("fields")), directory.structure)
    for entry in cleaned.errors:
        problems.add("base", **entry)
    values["custom_fields"] = merged_custom_fields(directory.structure, None, cleaned.values)
    return (None if problems else plan), problems


def check_update(
    ticket: dict,
    changes: object,
    directory: Directory,
    *,
    author_id: int | None,
    now: float,
    strict: bool,
) -> tuple[dict | None, dict | None, Problems]:
    """Check an update of ``ticket``; returns the new field values and the new comment."""
    problems = Problems()
    if ticket.get("status") == "closed":
        problems.add("status", CLOSED, "ClosedTicket")
        return None, None, problems
    if not isinstance(changes, dict):
        problems.add("base", "Ticket: must be a JSON object")
        return None, None, problems
    values = {key: value for key, value in changes.items() if key in UPDATABLE}
    for name, allowed in (("status", STATUSES), ("priority", PRIORITIES), ("type", TYPES)):
        if name in values and values[name] is not None and values[name] not in allowed:
            problems.add(name, f"{name.capitalize()}: {values[name]} is not valid")
    if values.get("status") is None and "status" in values:
        problems.add("status", "Status: cannot be blank", "BlankValue")
    tags = list(values.pop("tags", ticket.get("tags") or []))
    tags += [t for t in values.pop("additional_tags", None) or [] if t not in tags]
    removed = set(values.pop("remove_tags", None) or [])
    values["tags"] = [tag for tag in tags if tag not in removed]
    comment_spec = values.pop("comment", None)
    for key in ("safe_update", "updated_stamp", "id", "metadata", "via_id"):
        values.pop(key, None)
    _keep_status_in_step(ticket, values, directory)
    if strict:
        _strict_update(ticket, values, directory, problems)
    elif "fields" in values and "custom_fields" not in values:
        values["custom_fields"] = values.pop("fields")
    comment = None
    if comment_spec is not None:
        spec = comment_spec if isinstance(comment_spec, dict) else {"body": comment_spec}
        spec = {"author_id": author_id, **spec, "created_at": None}
        found = _comments({"comments": [spec]}, author_id, now, directory, problems, strict=strict)
        comment = found[0] if found else None
    return (None if problems else values), comment, problems


def _custom_status(values: dict, directory: Directory, problems: Problems) -> None:
    """A ``custom_status_id`` must be one of the account's, of the ticket's status category
    (a closed ticket's is solved's) [GUESS: Zendesk's message]."""
    status_id = values.get("custom_status_id")
    if status_id is None:
        return
    category = directory.status_category(status_id)
    if category is None:
        problems.add("custom_status_id", "Custom status: is invalid")
        return
    status = values.get("status")
    if status is not None and category != _category(status):
        problems.add(
            "custom_status_id",
            f"Custom status: belongs to {category}, not to the ticket's status {status}",
        )


def _keep_status_in_step(ticket: dict, values: dict, directory: Directory) -> None:
    """A status and its custom status change together [INF: Zendesk's custom ticket
    statuses]: a new status alone takes its category's default custom status (unless the
    ticket's is already of that category); a custom status alone moves the ticket to its
    category."""
    status, custom = values.get("status"), values.get("custom_status_id")
    current = ticket.get("status")
    if custom is not None and status is None:
        category = directory.status_category(custom)
        if category is not None and category != _category(current):
            values["status"] = category
    elif (
        status is not None
        and "custom_status_id" not in values
        and directory.status_category(ticket.get("custom_status_id")) != _category(status)
    ):
        default = directory.default_status_id(_category(status))
        if default is not None:
            values["custom_status_id"] = default


def _category(status: object) -> object:
    """The custom status category of a ticket status (closed keeps solved's)."""
    return "solved" if status == "closed" else status


def _strict_update(ticket: dict, values: dict, directory: Directory, problems: Problems) -> None:
    """The realistic account's checks of an update's references and custom fields."""
    requester = directory.user(values.get("requester_id", ticket.get("requester_id")))
    if "requester_id" in values:
        if requester is None:
            problems.add("requester", "Requester: is invalid")
        elif requester.suspended:
            problems.add("requester", f"Requester: {requester.name} is suspended.", "UserSuspended")
        elif "organization_id" not in values:
            values["organization_id"] = requester.organization_id
    _references(values, directory, problems, values, requester=requester, current=ticket)
    if "custom_status_id" in values:
        _custom_status({"status": ticket.get("status"), **values}, directory, problems)
    if "submitter_id" in values and directory.user(values["submitter_id"]) is None:
        problems.add("submitter", "Submitter: is invalid")
    raw_fields = values.pop("custom_fields", values.pop("fields", None))
    if raw_fields is not None:
        cleaned = clean_custom_fields(raw_fields, directory.structure)
        for entry in cleaned.errors:
            problems.add("base", **entry)
        values["custom_fields"] = merged_custom_fields(
            directory.structure, ticket.get("custom_fields"), cleaned.values
        )


def _requester(
    raw: dict,
    directory: Directory,
    *,
    importer_id: int | None,
    now: float,
    problems: Problems,
    plan: Plan,
) -> User | None:
    """Who the ticket's requester is: requester_id, a requester object, or the importer."""
    if raw.get("requester_id") is not None:
        user = directory.user(raw["requester_id"])
        if user is None:
            problems.add("requester", "Requester: is invalid")
            return None
    elif isinstance(raw.get("requester"), dict):
        try:
            user, new = directory.find_or_create_end_user(raw["requester"], now, create=False)
        except DirectoryError as error:
            problems.merge(error.details)
            return None
        if new:
            plan.new_requester = raw["requester"]
            return None
    else:
        # No requester named: the importer becomes the requester (observed).
        user = directory.user(importer_id)
    if user is not None and user.suspended:
        problems.add("requester", f"Requester: {user.name} is suspended.", "UserSuspended")
    return user


def _references(
    spec: dict,
    directory: Directory,
    problems: Problems,
    values: dict,
    *,
    requester: User | None,
    current: dict | None,
) -> None:
    """Check assignee, group, organization, brand, form and the user lists of ``spec``.

    ``current`` is the ticket before an update (None on import): its values stand in for
    the ones ``spec`` does not change. Defaults an import gets go into ``values``.
    """
    _assignee_and_group(spec, directory, problems, values, current or {})
    if current is None or "organization_id" in spec:
        _organization(spec, directory, problems, values, requester, importing=current is None)
    structure = directory.structure
    for name, label, table, default in (
        ("brand_id", "Brand", structure.brand_by_id, structure.default_brand),
        ("ticket_form_id", "Ticket form", structure.form_by_id, structure.default_form),
    ):
        given = spec.get(name)
        if given is None and current is None:
            values[name] = default.id if default else None
        elif given is not None and given not in table:
            problems.add(name.removesuffix("_id"), f"{label}: is invalid")
    for name, key, label in USER_LISTS:
        if name not in spec:
            continue
        ids = spec[name]
        users = [directory.user(i) for i in ids] if isinstance(ids, list) else [None]
        if any(user is None for user in users):
            problems.add(key, f"{label}: is invalid")
        elif name == "follower_ids" and not all(u is not None and u.is_agent for u in users):
            problems.add("followers", "Followers: is invalid")  # followers are agents


def _assignee_and_group(
    spec: dict, directory: Directory, problems: Problems, values: dict, before: dict
) -> None:
    """An assignee must be an agent of the account and, given a group, a member of it."""
    assignee_id = spec.get("assignee_id", before.get("assignee_id"))
    group_id = spec.get("group_id", before.get("group_id"))
    known_group = group_id is None or group_id in directory.structure.group_by_id
    if "group_id" in spec and not known_group:
        problems.add("group", "Group: is invalid")
    if assignee_id is None or not ("assignee_id" in spec or "group_id" in spec):
        return
    assignee = directory.user(assignee_id)
    if assignee is None or not assignee.is_agent:
        problems.add("assignee", "Assignee: is invalid")
    elif group_id is None:
        values["group_id"] = assignee.default_group_id  # an agent's default group
    elif known_group and group_id not in assignee.group_ids:
        problems.add("assignee", "Assignee: is not a member of the group")


def _organization(
    spec: dict,
    directory: Directory,
    problems: Problems,
    values: dict,
    requester: User | None,
    *,
    importing: bool,
) -> None:
    """An organization must exist and be one of the requester's; an import without one
    gets the requester's."""
    org_id = spec.get("organization_id")
    if org_id is None:
        if importing:
            values["organization_id"] = requester.organization_id if requester else None
    elif org_id not in directory.structure.organization_by_id:
        problems.add("organization", "Organization: is invalid")
    elif requester is not None and org_id not in requester.organization_ids:
        problems.add("organization", "Organization: is not one of the requester's organizations")


def _comments(
    raw: dict,
    default_author: object,
    now: float | None,
    directory: Directory,
    problems: Problems,
    *,
    strict: bool = False,
    new_requester: bool = False,
) -> list[dict]:
    """The ``comments`` of ``raw``, normalised; in strict mode every author must exist.

    A comment keeps ``author_id`` (the requester when it names none, as observed),
    ``public`` (default true), ``created_at`` (pre-1970 times become 1970; ``now`` when it
    has none) and its bodies, and remembers its position in the request.
    """
    comments = raw.get("comments")
    if not isinstance(comments, list):
        return []
    result = []
    for position, comment in enumerate(comments):
        if not isinstance(comment, dict):
            problems.add("comments", "Comment: must be a JSON object")
            continue
        author = comment.get("author_id", default_author)
        # A comment of a requester still to be made is theirs (author filled in later).
        pending = new_requester and "author_id" not in comment
        if strict and not pending and directory.user(author) is None:
            # Zendesk fails the ticket with a generic error (observed); the text is a guess.
            problems.add("base", "Comment: Author is invalid")
        created = parse_iso(comment.get("created_at"))
        if comment.get("created_at") is not None and created is None:
            problems.add("comments", "Comment: Created at is not a date-time")
        if strict and created is not None and now is not None and created > now:
            problems.add("comments", "Comment: Created at cannot be in the future")
        markup = _text(comment.get("html_body"))
        text = _text(comment.get("body")) or _text(comment.get("value"))
        if not (markup or text):
            if strict:
                problems.add("comments", "Comment: Body cannot be blank", "BlankValue")
            continue
        bodies = html_bodies(markup) if markup and not text else plain_bodies(text or "")
        if markup and text:
            bodies["html_body"] = markup
        result.append(
            {
                "author_id": author,
                "public": comment.get("public", True) is not False,
                "created_at": None if created is None else int(max(0.0, created)),
                "position": position,
                "attachments": [],
                "uploads": comment.get("uploads"),  # tokens: the files it takes (files.py)
                **bodies,
            }
        )
    return result


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
