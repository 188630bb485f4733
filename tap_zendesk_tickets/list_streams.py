"""The account's lists read whole once a run: ``tags`` (``GET /api/v2/tags``, every page;
keyed by ``name``) and ``sla_policies`` (``GET /api/v2/slas/policies``). FULL_TABLE: each
run sends the whole list."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from singer_sdk import Tap
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_zendesk_tickets.run_parts import RunParts
from tap_zendesk_tickets.schemas import load_schema
from tap_zendesk_tickets.sdk_hooks import TapStream

logger = logging.getLogger(__name__)


class AccountListStream(TapStream):
    """One of the account's lists, read whole once a run (FULL_TABLE)."""

    path = ""
    selected_by_default = False
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, parts: RunParts) -> None:
        super().__init__(tap, schema=load_schema(self.name))
        self._parts = parts

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        reader = self._parts.reader()
        records = reader.list_all(self.path, self.name)
        logger.info(
            "%s: %d records in %d requests", self.name, len(records), reader.requests[self.name]
        )
        return records


class TagsStream(AccountListStream):
    """The account's tags with how many tickets carry each (Zendesk lists the most used)."""

    name = "tags"
    primary_keys = ("name",)
    path = "/api/v2/tags.json"


class SlaPoliciesStream(AccountListStream):
    """The account's SLA policies (metric events name them in ``sla.policy``)."""

    name = "sla_policies"
    primary_keys = ("id",)
    path = "/api/v2/slas/policies.json"
