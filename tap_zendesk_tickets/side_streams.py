"""The streams the tickets stream feeds: what tickets refer to (people, structure), and
what Zendesk keeps about each ticket (its metrics, comments and side conversations).

Child streams of ``tickets``: the tickets stream's sync feeds them (``related.py``), so that
each record goes out before the first ticket that refers to it, and each ticket's own
records just before it. None keeps a bookmark: a run resumes from the tickets stream's
STATE, which covers them too.

* ``users``, ``groups``, ``organizations``: the export's side-loads (``include=``), no
  extra request; each record once a run, again when it changed.
* ``ticket_fields``, ``ticket_forms``, ``brands``, ``custom_statuses``: the account's
  lists, read once a run.
* ``group_memberships``, ``organization_memberships``, ``user_fields``,
  ``organization_fields``, ``custom_roles``: the account's lists a copy with
  ``createMissing`` needs, read once a run before the first ticket (asked for only).
* ``ticket_incidents``: ``GET /api/v2/tickets/{id}/incidents`` for each problem ticket with
  incidents, just before it (asked for only).
* ``ticket_metrics``: the export's ``metric_sets`` side-load, no extra request.
* ``ticket_comments``: ``GET /api/v2/tickets/{id}/comments``, one request per ticket (more
  past 100 comments): every comment, plus ``ticket_id``.
* ``side_conversations``: ``GET /api/v2/tickets/{id}/side_conversations``, one request per
  ticket, where the account has them.

Streams that cost requests of their own are only selected when asked for (the three lists
that were there first excepted).
"""

from __future__ import annotations

from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_zendesk_tickets.references import (
    BRANDS,
    COMMENTS,
    CUSTOM_ROLES,
    CUSTOM_STATUSES,
    GROUP_MEMBERSHIPS,
    GROUPS,
    ORGANIZATION_FIELD_DEFINITIONS,
    ORGANIZATION_MEMBERSHIPS,
    ORGANIZATIONS,
    SIDE_CONVERSATIONS,
    TICKET_FIELDS,
    TICKET_FORMS,
    TICKET_INCIDENTS,
    TICKET_METRICS,
    USER_FIELD_DEFINITIONS,
    USERS,
)
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import FedStream
from tap_zendesk_tickets.streams import TicketsStream


class SideStream(FedStream):
    """One kind of record that tickets refer to, keyed by Zendesk's ``id``."""

    parent_stream_type = TicketsStream
    primary_keys: tuple[str, ...] = ("id",)
    # Records go out exactly as Zendesk sent them, like tickets.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, load_schema(self.name))


class UsersStream(SideStream):
    """People tickets and comments refer to: requesters, submitters, assignees, CCs,
    followers, comment authors."""

    name = USERS


class GroupsStream(SideStream):
    """Groups of the exported tickets."""

    name = GROUPS


class OrganizationsStream(SideStream):
    """Organizations of the exported tickets."""

    name = ORGANIZATIONS


class TicketFieldsStream(SideStream):
    """Every ticket field of the account, system and custom, with drop-down options."""

    name = TICKET_FIELDS


class TicketFormsStream(SideStream):
    """Every ticket form of the account."""

    name = TICKET_FORMS


class BrandsStream(SideStream):
    """Every brand of the account."""

    name = BRANDS


class TicketCommentsStream(SideStream):
    """Every comment of each exported ticket (deleted tickets aside), oldest first: the
    Zendesk comment object plus ``ticket_id``. One request per ticket (or more, past 100
    comments): selected only when asked for."""

    name = COMMENTS
    selected_by_default = False


class CustomStatusesStream(SideStream):
    """Every custom ticket status of the account (tickets refer to them by
    ``custom_status_id``). One request a run: selected only when asked for."""

    name = CUSTOM_STATUSES
    selected_by_default = False


class AccountListStream(SideStream):
    """One of the account's lists that a copy with ``createMissing`` needs to create the
    source's structure elsewhere: read once a run, before the first ticket. Selected only
    when asked for (a copy selects every stream)."""

    selected_by_default = False


class GroupMembershipsStream(AccountListStream):
    """Which agents belong to which groups."""

    name = GROUP_MEMBERSHIPS


class OrganizationMembershipsStream(AccountListStream):
    """Which people belong to which organizations."""

    name = ORGANIZATION_MEMBERSHIPS


class UserFieldsStream(AccountListStream):
    """The definitions of the account's user fields (people's ``user_fields`` values)."""

    name = USER_FIELD_DEFINITIONS


class OrganizationFieldsStream(AccountListStream):
    """The definitions of the account's organization fields."""

    name = ORGANIZATION_FIELD_DEFINITIONS


class CustomRolesStream(AccountListStream):
    """The account's custom agent roles (Enterprise plans; none elsewhere, said once)."""

    name = CUSTOM_ROLES


class TicketIncidentsStream(SideStream):
    """A problem ticket's incidents, just before the problem: ``problem_id`` and
    ``incident_id``. One request per problem ticket that has incidents; selected only when
    asked for (a copy selects it, to link incidents copied before their problem)."""

    name = TICKET_INCIDENTS
    primary_keys = ("problem_id", "incident_id")
    selected_by_default = False


class PerTicketStream(SideStream):
    """What Zendesk keeps about one ticket, sent again whenever the ticket changes.

    INCREMENTAL: a run sends those of the tickets changed since the tickets stream's
    STATE (the bookmark is that stream's; ``updated_at`` is said for targets)."""

    replication_key = "updated_at"

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap)
        self.forced_replication_method = "INCREMENTAL"


class TicketMetricsStream(PerTicketStream):
    """Each exported ticket's metric set, keyed by ``ticket_id`` (one per ticket); a deleted
    ticket's row is marked deleted. From the export's own side-load: no request of its own,
    so selected by default."""

    name = TICKET_METRICS
    primary_keys = ("ticket_id",)


class SideConversationsStream(PerTicketStream):
    """Each exported ticket's side conversations (deleted tickets aside), where the account
    has the Collaboration add-on. One request per ticket: selected only when asked for."""

    name = SIDE_CONVERSATIONS
    selected_by_default = False


SIDE_STREAMS: tuple[type[SideStream], ...] = (
    UsersStream,
    GroupsStream,
    OrganizationsStream,
    TicketFieldsStream,
    TicketFormsStream,
    BrandsStream,
    CustomStatusesStream,
    GroupMembershipsStream,
    OrganizationMembershipsStream,
    UserFieldsStream,
    OrganizationFieldsStream,
    CustomRolesStream,
    TicketIncidentsStream,
    TicketMetricsStream,
    TicketCommentsStream,
    SideConversationsStream,
)
