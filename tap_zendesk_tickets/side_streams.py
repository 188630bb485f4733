"""The streams of what tickets refer to: people, structure, and each ticket's comments.

Child streams of ``tickets``: the tickets stream's sync feeds them (``related.py``), so that
each record goes out before the first ticket that refers to it. None keeps a bookmark: a
run resumes from the tickets stream's STATE, which covers them too.

* ``users``, ``groups``, ``organizations``: the export's side-loads (``include=``), no
  extra request; each record once a run, again when it changed.
* ``ticket_fields``, ``ticket_forms``, ``brands``: the account's lists, read once a run.
* ``ticket_comments``: ``GET /api/v2/tickets/{id}/comments``, one request per ticket (more
  past 100 comments): every comment, plus ``ticket_id``.

``ticket_comments`` costs requests, so it is only selected when asked for.
"""

from __future__ import annotations

from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_zendesk_tickets.references import (
    BRANDS,
    COMMENTS,
    GROUPS,
    ORGANIZATIONS,
    TICKET_FIELDS,
    TICKET_FORMS,
    USERS,
)
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import FedStream
from tap_zendesk_tickets.streams import TicketsStream


class SideStream(FedStream):
    """One kind of record that tickets refer to, keyed by Zendesk's ``id``."""

    parent_stream_type = TicketsStream
    primary_keys = ("id",)
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


SIDE_STREAMS: tuple[type[SideStream], ...] = (
    UsersStream,
    GroupsStream,
    OrganizationsStream,
    TicketFieldsStream,
    TicketFormsStream,
    BrandsStream,
    TicketCommentsStream,
)
