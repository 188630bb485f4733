"""Ids of what the API creates: each kind continues its own range after the generated
objects (see generated/universe.py), so created and generated ids never meet, in this
account or another."""

from __future__ import annotations

from collections.abc import Iterable

from zendesk_sandbox.generated.structure import CREATED_FIELD_NUMBER
from zendesk_sandbox.generated.universe import ACCOUNT_STRIDE, object_id

# Where created objects' numbers start, per kind (generated ones stay below).
GROUP_FROM = 1_000
ORGANIZATION_FROM = 1_000_000
FORM_FROM = 1_000
TICKET_FIELD_FROM = CREATED_FIELD_NUMBER
USER_FIELD_FROM = 1_000_000  # user and organization fields share the fields' range
ORGANIZATION_FIELD_FROM = 2_000_000
OPTION_FROM = 5_000_000_000
MEMBERSHIP_FROM = 9_000_000_000


def next_id(
    kind: str, account: int, taken: Iterable[int], start: int, end: int = ACCOUNT_STRIDE
) -> int:
    """The id after the highest of ``taken`` whose number lies in ``[start, end)``."""
    base = object_id(kind, account, 0)
    numbers = [i - base for i in taken if start <= i - base < end]
    return object_id(kind, account, max(numbers, default=start - 1) + 1)
