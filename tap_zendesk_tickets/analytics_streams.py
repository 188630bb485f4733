"""The streams read on their own (not fed by the tickets stream): the account's tags and
SLA policies (read whole, once a run), satisfaction ratings, the ticket metric events and
the field history (each incremental on its own bookmark).

* ``tags``: ``GET /api/v2/tags``, every page; FULL_TABLE, keyed by ``name``
  (``list_streams.py``).
* ``sla_policies``: ``GET /api/v2/slas/policies``; FULL_TABLE.
* ``satisfaction_ratings``: ``GET /api/v2/satisfaction_ratings`` by time windows on
  ``created_at`` (``rating_windows.py``, ``ratings_stream.py``); INCREMENTAL, STATE after
  every page.
* ``ticket_metric_events``: the time-based ``GET /api/v2/incremental/ticket_metric_events``
  (``time_export.py``); INCREMENTAL on ``time``, STATE after every page. A breach Zendesk
  withdrew (``deleted: true``) gets ``_sdc_deleted_at``.
* ``ticket_field_history``: the time-based ``GET /api/v2/incremental/ticket_events``, one
  row per field change (``field_history.py``); INCREMENTAL on ``updated_at``
  (``export_streams.py``).

Tags, SLA policies and ratings are read before ``tickets`` (the SDK syncs streams by name).
The two time-based exports are read while ``tickets`` syncs, when it does
(``export_feeds.py``): they share the ticket export's 10-a-minute bucket and
``pollingPeriod`` (``RunLimits.exports``) while the tickets' own reads use the account's
budget, so neither bucket waits for the other. Each of these streams costs requests, so
each is selected only when asked for.
"""

from __future__ import annotations

from tap_zendesk_tickets.export_streams import TicketFieldHistoryStream, TicketMetricEventsStream
from tap_zendesk_tickets.incremental_streams import OwnIncrementalStream
from tap_zendesk_tickets.list_streams import AccountListStream, SlaPoliciesStream, TagsStream
from tap_zendesk_tickets.ratings_stream import SatisfactionRatingsStream

#: The SDK syncs them in the order of their names: ``satisfaction_ratings``,
#: ``sla_policies`` and ``tags`` before ``tickets``, and ``ticket_field_history`` and
#: ``ticket_metric_events`` just before it, which leave their exports to it.
ANALYTICS_STREAMS: tuple[type[AccountListStream] | type[OwnIncrementalStream], ...] = (
    TagsStream,
    SlaPoliciesStream,
    SatisfactionRatingsStream,
    TicketMetricEventsStream,
    TicketFieldHistoryStream,
)
