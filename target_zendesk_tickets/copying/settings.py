"""The settings of copies between accounts: when references are mapped, and the rules for
what cannot be (docs/copy.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from target_zendesk_tickets.copying.mapper import CREATE, DEFAULT, OMIT, STOP, MappingRules

AUTO, ON, OFF = "auto", "on", "off"
#: The kinds of structure ``nameMap`` renames.
NAME_MAP_KINDS = (
    "groups",
    "organizations",
    "brands",
    "ticket_forms",
    "ticket_fields",
    "custom_statuses",
)

COPY_PROPERTIES = (
    th.Property(
        "mapReferences",
        th.StringType(allowed_values=[AUTO, ON, OFF]),
        default=AUTO,
        title="Map references",
        description=(
            "Map every id of the source account (people, groups, organizations, brands, "
            "forms, custom fields, comment authors) to the destination's, by e-mail and by "
            "name. `auto`: when the input carries the `users` stream (tap-zendesk-tickets "
            "sends it); `on`: always; `off`: ids pass through unchanged (another system's "
            "tap, or a restore into the same account)."
        ),
    ),
    th.Property(
        "onUnmapped",
        th.StringType(allowed_values=[OMIT, DEFAULT, STOP]),
        default=OMIT,
        title="When a reference cannot be mapped",
        description=(
            "For assignees, followers, groups, organizations, brands, ticket forms and "
            "custom fields the destination does not have: `omit` leaves the reference "
            "out, `default` uses `defaultAgent`, `defaultGroup`, `defaultBrand` or "
            "`defaultTicketForm` (left out where none is set), `stop` stops the run before "
            "importing the ticket, naming it."
        ),
    ),
    th.Property(
        "unknownPeople",
        th.StringType(allowed_values=[CREATE, DEFAULT, STOP]),
        default=CREATE,
        title="People the destination does not have",
        description=(
            "For requesters, submitters, comment authors and CCs with no user of that "
            "e-mail in the destination (or a suspended one): `create` makes an end user "
            "with their name and e-mail, `default` uses `defaultAgent`, `stop` stops the "
            "run before importing the ticket."
        ),
    ),
    th.Property(
        "defaultAgent",
        th.StringType,
        title="Default agent",
        description="E-mail of an agent of the destination, for the `default` rules.",
    ),
    th.Property(
        "defaultGroup",
        th.StringType,
        title="Default group",
        description=("Name of a group of the destination, for `onUnmapped: default`."),
    ),
    th.Property(
        "defaultBrand",
        th.StringType,
        title="Default brand",
        description=("Name of a brand of the destination, for `onUnmapped: default`."),
    ),
    th.Property(
        "defaultTicketForm",
        th.StringType,
        title="Default ticket form",
        description=("Name of a ticket form of the destination, for `onUnmapped: default`."),
    ),
    th.Property(
        "createMissing",
        th.BooleanType,
        default=False,
        title="Create what the destination lacks",
        description=(
            "Create in the destination the groups (with their agents' memberships), "
            "organizations (with their details and members), ticket fields and their "
            "options, ticket forms and custom statuses a ticket refers to and the "
            "destination lacks, before the ticket goes in; each keeps a link to its source, "
            "so no run creates one twice. Brands are not created (a brand needs its own "
            "subdomain). Off: what is missing is left out and counted (`onUnmapped`)."
        ),
    ),
    th.Property(
        "createAgents",
        th.BooleanType,
        default=False,
        title="Create missing agents",
        description=(
            "Create assignees and followers the destination lacks as agents (each takes a "
            "seat; when Zendesk refuses for lack of seats, `onUnmapped` applies and the "
            "summary counts it), in the ticket's group; custom roles by name, else the "
            "default agent role."
        ),
    ),
    th.Property(
        "nameMap",
        th.ObjectType(additional_properties=th.ObjectType(additional_properties=th.StringType)),
        title="Name map",
        description=(
            "Your own table for names that differ between the accounts, per kind "
            f"({', '.join(f'`{kind}`' for kind in NAME_MAP_KINDS)}): source name -> "
            "destination name, applied before matching or creating. Example: "
            '`{"groups": {"Billing": "Finance"}}`.'
        ),
    ),
    th.Property(
        "load_method",
        th.StringType(allowed_values=["upsert", "append-only"]),
        default="upsert",
        title="Load method",
        description=(
            "`upsert`: a ticket whose copy is already in the destination updates it (the "
            "fields that differ and the comments it lacks) and is never imported twice; "
            "the copy's `external_id` links it to its source (`zendesk:<host>:<id>`). "
            "`append-only`: every ticket is imported (a ticket that changed becomes "
            "another ticket) and nothing of the destination is read; after a crash, what "
            "went in after the last STATE goes in again. `overwrite` is not supported."
        ),
    ),
    th.Property(
        "closedCopies",
        th.StringType(allowed_values=["skip", "fail"]),
        default="skip",
        title="Closed copies",
        description=(
            "A copy closed in the destination cannot change: `skip` leaves it and lists it "
            "in the summary, `fail` stops the run."
        ),
    ),
    th.Property(
        "deletedTickets",
        th.StringType(allowed_values=["keep", "delete"]),
        default="keep",
        title="Deleted tickets",
        description=(
            "A ticket deleted in the source: `keep` leaves its copy (counted), `delete` "
            "deletes the copy (Zendesk keeps deleted tickets recoverable for 30 days)."
        ),
    ),
    th.Property(
        "sourceExternalIdField",
        th.StringType,
        default="Source external ID",
        title="Source external ID field",
        description=(
            "With `upsert`, the title of a text field of the destination that keeps a "
            "source ticket's own `external_id` (the copy's `external_id` holds the link "
            "to its source); created when missing. Empty: not kept."
        ),
    ),
    th.Property(
        "destinationExportLag",
        th.StringType,
        default="61s",
        title="Destination export lag",
        description=(
            "How much of its recent past the destination's export leaves out (Zendesk's: "
            "the last minute). With `upsert`, copies changed in that time are found "
            "without waiting (the count of tickets, the job list, the tickets updated "
            "since); only when something there is left unexplained does the target wait "
            "this long and read the export's end again, and it says why (a Go duration)."
        ),
    ),
    th.Property(
        "dryRun",
        th.BooleanType,
        default=False,
        title="Dry run",
        description=(
            "Resolve every reference and print the mapping summary without writing "
            "anything to the destination: no ticket imported, no user created, no STATE "
            "written."
        ),
    ),
)


@dataclass(frozen=True)
class CopySettings:
    map_references: str
    rules: MappingRules
    dry_run: bool
    load_method: str = "upsert"
    closed_copies: str = "skip"
    deleted_tickets: str = "keep"
    source_external_id_field: str | None = "Source external ID"
    export_lag: float = 61.0


def read_copy_settings(config: Mapping[str, Any], export_lag: float = 61.0) -> CopySettings:
    """The copy settings; ``export_lag`` is read (and checked) by the settings reader."""

    def text(name: str) -> str | None:
        value = config.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    default_agent = text("defaultAgent")
    return CopySettings(
        map_references=text("mapReferences") or AUTO,
        rules=MappingRules(
            on_unmapped=text("onUnmapped") or OMIT,
            unknown_people=text("unknownPeople") or CREATE,
            default_agent=default_agent.lower() if default_agent else None,
            default_group=text("defaultGroup"),
            default_brand=text("defaultBrand"),
            default_ticket_form=text("defaultTicketForm"),
            create_missing=bool(config.get("createMissing", False)),
            create_agents=bool(config.get("createAgents", False)),
            name_map=_name_map(config.get("nameMap")),
        ),
        dry_run=bool(config.get("dryRun", False)),
        load_method=text("load_method") or "upsert",
        closed_copies=text("closedCopies") or "skip",
        deleted_tickets=text("deletedTickets") or "keep",
        source_external_id_field=(
            text("sourceExternalIdField")
            if config.get("sourceExternalIdField") is not None
            else "Source external ID"
        ),
        export_lag=export_lag,
    )


class NameMapError(ValueError):
    """A ``nameMap`` kind the target does not know."""


def _name_map(value: Any) -> dict[str, dict[str, str]]:
    """``nameMap`` as kind -> {source name (case-folded) -> destination name}."""
    if not isinstance(value, Mapping):
        return {}
    unknown = sorted(set(value) - set(NAME_MAP_KINDS))
    if unknown:
        raise NameMapError(
            f"nameMap has {', '.join(map(repr, unknown))}, which the target does not know: "
            f"its kinds are {', '.join(NAME_MAP_KINDS)}"
        )
    return {
        kind: {
            str(source).casefold(): str(destination)
            for source, destination in names.items()
            if isinstance(destination, str) and destination.strip()
        }
        for kind, names in value.items()
        if kind in NAME_MAP_KINDS and isinstance(names, Mapping)
    }
