"""The settings of copies between accounts: when references are mapped, and the rules for
what cannot be (docs/copy.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from target_zendesk_tickets.mapper import CREATE, DEFAULT, OMIT, STOP, MappingRules

AUTO, ON, OFF = "auto", "on", "off"

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


def read_copy_settings(config: Mapping[str, Any]) -> CopySettings:
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
        ),
        dry_run=bool(config.get("dryRun", False)),
    )
