"""Where an account's ids lie, and which of its people and structure another account shares.

Zendesk ids are large numbers, unique across all accounts: a user, group or field of one
account never has the id of anything in another. The sandbox gives every kind of object its
own range and every account (``SandboxConfig.account``, 0..99) its own slice of it::

    id = KIND_BASE[kind] + account * ACCOUNT_STRIDE + number

so the ids of two accounts never coincide, and no two objects of one universe share an id.
Ticket ids are the exception, as on Zendesk: they count from 1 in each account.

Each account fills numbered *slots* of each kind (end user 0, 1, ...; group 0, 1, ...). A
slot is *shared* when ``is_shared(universe, kind, slot, overlap)`` holds: then its e-mail
or name comes from the universe, so every account of that universe has it. Otherwise the
account invents its own. The test is a per-slot low-discrepancy sequence, so the shared
share is close to ``overlap`` even for three brands, and it does not depend on how many
slots an account has (accounts of different sizes agree on the slots they both have).
"""

from __future__ import annotations

import functools
import random

MAX_ACCOUNTS = 100
ACCOUNT_STRIDE = 10_000_000_000
KINDS = (
    "user",
    "group",
    "organization",
    "brand",
    "ticket_form",
    "ticket_field",
    "field_option",
    "comment",
    "audit",
    "attachment",
    "group_membership",
    "organization_membership",
    "child_event",
)
# Kinds of slots: the people's roles have slots of their own.
SLOT_KINDS = (*KINDS, "end_user", "agent", "admin")
# Kinds with ids but no slots, added after SLOT_KINDS was fixed (their order seeds people).
UNSLOTTED_KINDS = ("ticket_metric", "metric_event", "custom_status")
# 21_000_000_000_000 and up: 14 digits, shaped like the ids of recent Zendesk accounts.
KIND_BASE = {
    kind: (21 + position) * 1_000_000_000_000
    for position, kind in enumerate((*KINDS, *UNSLOTTED_KINDS))
}
GOLDEN = 0.618_033_988_749_895

# Labels that make an account's own names differ from every other account's.
REGIONS = ("EMEA", "APAC", "AMER", "LATAM", "Nordics", "DACH")


def object_id(kind: str, account: int, number: int) -> int:
    """The id of object ``number`` (0-based) of ``kind`` in ``account``."""
    if not 0 <= account < MAX_ACCOUNTS:
        raise ValueError(f"account must be 0..{MAX_ACCOUNTS - 1}; got {account}")
    if not 0 <= number < ACCOUNT_STRIDE:
        raise ValueError(f"object number out of range: {number}")
    return KIND_BASE[kind] + account * ACCOUNT_STRIDE + number


def id_kind(object_id_: int) -> tuple[str, int, int] | None:
    """``(kind, account, number)`` of an id made by ``object_id``, or None."""
    for kind, base in KIND_BASE.items():
        offset = object_id_ - base
        if 0 <= offset < MAX_ACCOUNTS * ACCOUNT_STRIDE:
            account, number = divmod(offset, ACCOUNT_STRIDE)
            return kind, account, number
    return None


def is_shared(universe: int, kind: str, slot: int, overlap: float) -> bool:
    """Whether slot ``slot`` of ``kind`` exists in every account of ``universe``."""
    if overlap <= 0:
        return False
    if overlap >= 1:
        return True
    return (_start(universe, kind) + slot * GOLDEN) % 1.0 < overlap


@functools.cache
def _start(universe: int, kind: str) -> float:
    return random.Random(f"{universe}:{kind}").random()


def region(account: int) -> str:
    """A label unique to ``account`` among 0..99: ``EMEA``, ``APAC``, ..., ``EMEA 2``."""
    label = REGIONS[account % len(REGIONS)]
    return label if account < len(REGIONS) else f"{label} {account // len(REGIONS) + 1}"


def slot_rng(universe: int, account: int, kind: str, slot: int, shared: bool) -> random.Random:
    """The random stream a slot's identity comes from: the universe's or the account's own."""
    # An integer seed: much cheaper than a string one, and people are made by the thousand.
    owner = SLOT_KINDS.index(kind)
    number = (universe * 1_000 + (0 if shared else account + 1)) * 100 + owner
    return random.Random(number * 100_000_000 + slot)


def child_event_id(audit_id: int, position: int) -> int:
    """The id of the ``position``-th child event of an audit (up to 32 per audit)."""
    account, number = divmod(audit_id - KIND_BASE["audit"], ACCOUNT_STRIDE)
    return object_id("child_event", account, number * 32 + min(position, 31))
