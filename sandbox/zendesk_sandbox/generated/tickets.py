"""Deterministic ticket data for the sandbox account.

Everything here derives from ``(seed, count)`` only, never from the current time, so two
sandboxes with the same seed serve the same tickets.

Generation is split in two so that 200,000 tickets start in well under a second:

- ``TicketKeys`` computes, for every ticket, only what ordering and filtering need
  (created/updated/generated times and the deleted flag). This is one pass over a single
  random stream and also plants the same-second clusters.
- ``TicketFactory.build`` turns one id into a complete ticket object on demand, from a random
  stream seeded by ``(seed, id)``, so a ticket's content does not depend on which other
  tickets were built before it.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zendesk_sandbox.generated.references import assign_references
from zendesk_sandbox.generated.statuses import default_status_ids
from zendesk_sandbox.timefmt import iso

if TYPE_CHECKING:
    from zendesk_sandbox.generated.directory import Directory

# Fixed time range of the generated history (UTC): 2023-01-01T00:00:00Z .. 2025-06-30T23:59:59Z.
RANGE_START = 1_672_531_200
RANGE_END = 1_751_327_999

# A bulk system update touching more than one export page of tickets in one second is the
# case that breaks time-based exports; cursor clients must get through it.
BIG_CLUSTER_SIZE = 1_100
BIG_CLUSTER_MIN_TICKETS = 1_500
BIG_CLUSTER_POSITION = 0.92  # where in the time range the bulk update happens

DELETED_SHARE = 0.03
REFERENCES_SALT = 1 << 50  # keeps the references' stream apart from the ticket's own
SYSTEM_UPDATE_SHARE = 0.15

SUBDOMAIN_HOST = "sandbox.zendesk.com"
SUPPORT_ADDRESS = f"support@{SUBDOMAIN_HOST}"

# Ids of the account's other objects, shaped like real Zendesk ids.
REQUESTER_BASE = 381_000_000_000
AGENT_BASE = 372_200_000_000
ORGANIZATION_BASE = 360_088_000_000
GROUP_BASE = 360_012_000_000
BRAND_IDS = (360_000_987_654, 360_000_987_655)
TICKET_FORM_IDS = (360_000_654_321, 360_000_654_322, 360_000_654_323)
SHARING_AGREEMENT_ID = 360_000_111_222
TRIGGER_ID = 360_000_555_001

# (field id, kind). The kinds cover every JSON type a custom field value can take.
CUSTOM_FIELDS = (
    (360_001_000_001, "text"),
    (360_001_000_002, "dropdown"),
    (360_001_000_003, "integer"),
    (360_001_000_004, "decimal"),
    (360_001_000_005, "checkbox"),
    (360_001_000_006, "multiselect"),
    (360_001_000_007, "date"),
    (360_001_000_008, "rare_text"),
)

FIRST_NAMES = ("Jane", "Omar", "Li", "Priya", "Lukas", "Chloé", "Mateo", "Aiko", "Sam", "Zoë")
LAST_NAMES = ("Doe", "Haddad", "Wei", "Sharma", "Müller", "Dubois", "García", "Tanaka", "Lee")
TOPICS = (
    "Cannot reset my password",
    "Invoice shows the wrong amount",
    "App crashes on start",
    "Refund request",
    "Shipping delay",
    "API returns 500",
    "Change of billing address",
    "Two-factor code never arrives",
    "Export to CSV is empty",
    "Feature request: dark mode",
    "Commande non reçue",
    "注文がまだ届きません",
)
SENTENCES = (
    "The reset link in the email has expired twice already.",
    "I was charged twice for the same order.",
    "Since the last update the app closes right after the splash screen.",
    "Could you please look into this as soon as possible?",
    'The error says "unexpected token" and nothing else.',
    "Le paiement a échoué mais la commande apparaît quand même.",
    "It worked fine yesterday 🙂 but not today.",
    "Attached is a screenshot of the page.",
    "We have about 40 users affected.",
)
TAGS = ("billing", "password", "web_login", "mobile", "vip", "refund", "shipping", "api", "bug")
TEXT_VALUES = ("Order #A-1042", "see attached", "callback requested", "ünïcödé value")
DROPDOWN_VALUES = ("tier_1", "tier_2", "tier_3")
MULTISELECT_VALUES = ("billing", "mobile", "web", "api", "enterprise")
ENCODED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
EXTERNAL_PREFIXES = ("legacy", "crm", "SF")
EXTERNAL_OFFSET = 100_000
CHANNEL_WEIGHTS = (
    ("email", 45),
    ("web", 30),
    ("api", 10),
    ("native_messaging", 8),
    ("rule", 4),
    ("voice", 3),
)
CHANNELS = tuple(name for name, _ in CHANNEL_WEIGHTS)
CHANNEL_CUMULATIVE = tuple(
    sum(weight for _, weight in CHANNEL_WEIGHTS[: i + 1]) for i in range(len(CHANNEL_WEIGHTS))
)


@dataclass
class TicketKeys:
    """Per-ticket times and flags, indexed by ticket id (index 0 is unused)."""

    count: int
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    generated: list[int] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    big_cluster: tuple[int, list[int]] | None = None  # (second, ids)
    small_clusters: list[tuple[int, list[int]]] = field(default_factory=list)

    @classmethod
    def generate(cls, seed: int, count: int) -> TicketKeys:
        """Plan the times of ``count`` tickets from ``seed``."""
        keys = cls(count=count)
        rng = random.Random(seed)
        keys._plan_times(rng)
        keys._plant_big_cluster(rng)
        keys._plant_small_clusters(rng)
        keys.deleted = {i for i in range(1, count + 1) if rng.random() < DELETED_SHARE}
        return keys

    def _plan_times(self, rng: random.Random) -> None:
        # created_at grows with the id: each ticket gets its own slot of the range.
        count = self.count
        step = (RANGE_END - RANGE_START) / max(count, 1)
        created = [0] * (count + 1)
        updated = [0] * (count + 1)
        generated = [0] * (count + 1)
        mean_reply = 3 * 86_400.0
        for i in range(1, count + 1):
            c = RANGE_START + int((i - 1 + rng.random()) * step)
            u = c if rng.random() < 0.2 else c + int(rng.expovariate(1 / mean_reply))
            u = min(u, RANGE_END)
            g = u
            if rng.random() < SYSTEM_UPDATE_SHARE:
                # A system update (SLA, automation) bumps generated_timestamp but not updated_at.
                g = min(RANGE_END, u + rng.randint(60, 30 * 86_400))
            created[i], updated[i], generated[i] = c, u, g
        self.created, self.updated, self.generated = created, updated, generated

    def _plant_big_cluster(self, rng: random.Random) -> None:
        count = self.count
        if count >= BIG_CLUSTER_MIN_TICKETS:
            size = BIG_CLUSTER_SIZE
        elif count >= 10:
            size = count // 5  # still bigger than a few pages at small page sizes
        else:
            return
        second = RANGE_START + int(BIG_CLUSTER_POSITION * (RANGE_END - RANGE_START))
        updated = self.updated
        candidates = [i for i in range(1, count + 1) if updated[i] <= second]
        members = sorted(rng.sample(candidates, min(size, len(candidates))))
        for i in members:
            self.generated[i] = second
        self.big_cluster = (second, members)

    def _plant_small_clusters(self, rng: random.Random) -> None:
        count = self.count
        if count < 4:
            return
        in_big = set(self.big_cluster[1]) if self.big_cluster else set()
        max_size = min(50, max(2, count // 20))
        for _ in range(min(40, 6 + count // 5_000)):
            anchor = rng.randint(1, count)
            if anchor in in_big:
                continue
            second = self.generated[anchor]
            # Only tickets created by then can share the second (created_at is sorted by id).
            last_candidate = bisect.bisect_right(self.created, second, 1) - 1
            wanted = rng.randint(2, max_size)
            members = {anchor}
            for _attempt in range(wanted * 5):
                if len(members) >= wanted:
                    break
                j = rng.randint(1, last_candidate)
                if j not in in_big and self.updated[j] <= second:
                    members.add(j)
            if len(members) < 2:
                continue
            for j in members:
                self.generated[j] = second
            in_big.update(members)  # keep clusters disjoint so their sizes stay as planned
            self.small_clusters.append((second, sorted(members)))


#: How far back an incident's problem is looked for among earlier tickets.
PROBLEM_SEARCH = 40


class TicketFactory:
    """Builds complete ticket objects for one seed.

    With a ``directory`` (the realistic account), every reference is then pointed at its
    people and structure (``references.py``), from a stream of its own.
    """

    def __init__(self, seed: int, directory: Directory | None = None) -> None:
        self.seed = seed
        self.directory = directory if directory is not None and directory.people.users else None
        self._status_ids = default_status_ids(directory.account if directory is not None else 0)

    def kind_of(self, ticket_id: int) -> str | None:
        """The type ticket ``ticket_id`` is generated with (its first draw, replayed)."""
        draw = random.Random(self.seed * 10_000_019 + ticket_id).random()
        return _weighted(draw, (("question", 45), ("incident", 25), ("problem", 5), ("task", 10)))

    def _problem_before(self, ticket_id: int, start: int) -> int | None:
        """A problem ticket generated before ``ticket_id``, near ``start`` (Zendesk takes
        only a problem ticket as an incident's problem_id), or None."""
        for candidate in range(start, max(0, start - PROBLEM_SEARCH), -1):
            if candidate < ticket_id and self.kind_of(candidate) == "problem":
                return candidate
        return None

    def build(
        self,
        ticket_id: int,
        *,
        created: int,
        updated: int,
        generated: int,
        deleted: bool,
        base_url: str,
        recent: bool = False,
    ) -> dict:
        """Return ticket ``ticket_id`` with every field of Zendesk's ticket object.

        ``recent`` picks the status mix of a young ticket (mostly new/open) instead of
        an old one (mostly solved/closed).
        """
        rng = random.Random(self.seed * 10_000_019 + ticket_id)
        r = rng.random

        def pick(options: tuple) -> Any:
            # Much cheaper than rng.choice; building pages of 1,000 tickets is the hot path.
            return options[int(r() * len(options))]

        def below(n: int) -> int:
            return int(r() * n)

        kind = _weighted(r(), (("question", 45), ("incident", 25), ("problem", 5), ("task", 10)))
        status = _pick_status(r(), recent or _is_recent(created))
        requester_id = REQUESTER_BASE + below(5_000)
        agent_ids = [AGENT_BASE + below(25) for _ in range(3)]
        assignee_id = None if status == "new" and r() < 0.6 else agent_ids[0]
        first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
        channel = CHANNELS[bisect.bisect_right(CHANNEL_CUMULATIVE, r() * CHANNEL_CUMULATIVE[-1])]
        subject = pick(TOPICS)
        description = " ".join(rng.sample(SENTENCES, 1 + below(3)))
        if r() < 0.2:
            description = f"Hi,\n\n{description}\n\nThanks,\n{first}"
        custom_fields = _custom_field_values(r, pick)

        ticket = {
            "url": f"{base_url}/api/v2/tickets/{ticket_id}.json",
            "id": ticket_id,
            "external_id": generated_external_id(self.seed, ticket_id),
            "via": _via(channel, f"{first} {last}", _email(first, last, requester_id)),
            "created_at": iso(created),
            "updated_at": iso(updated),
            "generated_timestamp": generated,
            "type": kind,
            "subject": subject,
            # Dynamic content keeps its placeholder in raw_subject.
            "raw_subject": "{{dc.order_question}}" if r() < 0.03 else subject,
            "description": description,
            "priority": _weighted(r(), (("urgent", 5), ("high", 15), ("normal", 50), ("low", 15))),
            "status": "deleted" if deleted else status,
            "custom_status_id": self._status_ids[status],
            "recipient": SUPPORT_ADDRESS if channel == "email" else None,
            "requester_id": requester_id,
            "submitter_id": requester_id if r() < 0.8 else agent_ids[1],
            "assignee_id": assignee_id,
            "organization_id": None if r() < 0.3 else ORGANIZATION_BASE + below(50),
            "group_id": None if assignee_id is None else GROUP_BASE + below(6),
            "collaborator_ids": [REQUESTER_BASE + below(5_000) for _ in range(below(3))],
            "follower_ids": [agent_ids[2]] if r() < 0.3 else [],
            "email_cc_ids": [REQUESTER_BASE + below(5_000) for _ in range(below(3))],
            "forum_topic_id": None,
            "problem_id": (
                self._problem_before(ticket_id, 1 + below(ticket_id - 1))
                if kind == "incident" and ticket_id > 1 and r() < 0.3
                else None
            ),
            "has_incidents": kind == "problem" and r() < 0.4,
            "is_public": r() < 0.95,
            "due_at": iso(created + (1 + below(14)) * 86_400) if kind == "task" else None,
            "tags": sorted(rng.sample(TAGS, below(5))),
            "custom_fields": custom_fields,
            "satisfaction_rating": _satisfaction(r(), below(1_000_000), status),
            "sharing_agreement_ids": [SHARING_AGREEMENT_ID] if r() < 0.05 else [],
            # The same values as custom_fields, without sharing any list between the two.
            "fields": [
                {"id": item["id"], "value": _copied(item["value"])} for item in custom_fields
            ],
            "followup_ids": (
                [ticket_id + 1 + below(50)] if status == "closed" and r() < 0.05 else []
            ),
            "ticket_form_id": pick(TICKET_FORM_IDS),
            "brand_id": BRAND_IDS[0] if r() < 0.85 else BRAND_IDS[1],
            "allow_channelback": channel == "native_messaging",
            "allow_attachments": True,
            "from_messaging_channel": channel == "native_messaging",
            "encoded_id": _encoded_id(rng.getrandbits(55)),
            "support_type": "ai_agent" if is_ai_agent(ticket_id) else "agent",
        }
        if self.directory is not None:
            refs = random.Random(self.seed * 10_000_019 + ticket_id + REFERENCES_SALT)
            assign_references(ticket, refs, self.directory)
        return ticket


#: Every so many generated tickets was handled by a Zendesk AI agent. The export leaves
#: them out unless asked for ``support_type_scope=all`` (or ``ai_agent``).
AI_AGENT_EVERY = 37


def is_ai_agent(ticket_id: int) -> bool:
    """Whether a generated ticket has ``support_type: "ai_agent"`` (a pure function of the id)."""
    return ticket_id % AI_AGENT_EVERY == 0


def generated_external_id(seed: int, ticket_id: int) -> str | None:
    """The external_id of a generated ticket: null for about 40%, unique otherwise.

    A cheap pure function of the id (not of the ticket's random stream), so looking tickets
    up by external_id never has to build them: ``ticket_from_external_id`` inverts it.
    """
    mix = (ticket_id * 2_654_435_761 + seed * 40_503) % 1_000
    if mix < 400:
        return None
    return f"{EXTERNAL_PREFIXES[mix % len(EXTERNAL_PREFIXES)]}-{ticket_id + EXTERNAL_OFFSET}"


def ticket_from_external_id(seed: int, external_id: str) -> int | None:
    """The generated ticket that ``generated_external_id`` gave ``external_id``, if any."""
    prefix, _, number = external_id.partition("-")
    if prefix not in EXTERNAL_PREFIXES or not number.isdigit():
        return None
    ticket_id = int(number) - EXTERNAL_OFFSET
    if ticket_id < 1 or generated_external_id(seed, ticket_id) != external_id:
        return None
    return ticket_id


def _copied(value: object) -> object:
    return list(value) if isinstance(value, list) else value


def _weighted(roll: float, options: tuple[tuple[str, int], ...]) -> str | None:
    """Pick by weight; weights summing to less than 100 leave the rest to None."""
    point = roll * 100
    for value, weight in options:
        if point < weight:
            return value
        point -= weight
    return None


def _is_recent(created: int) -> bool:
    return created > RANGE_START + 0.85 * (RANGE_END - RANGE_START)


def _pick_status(roll: float, recent: bool) -> str:
    mix: tuple[tuple[str, int], ...]
    if recent:
        mix = (("new", 15), ("open", 35), ("pending", 20), ("hold", 10), ("solved", 15))
    else:
        mix = (("closed", 70), ("solved", 25), ("open", 3), ("pending", 2))
    return _weighted(roll, mix) or "closed"


def _email(first: str, last: str, user_id: int) -> str:
    ascii_last = last.encode("ascii", "ignore").decode().lower() or "user"
    return f"{first[0].lower()}.{ascii_last}{user_id % 1000}@example.org"


def _via(channel: str, name: str, address: str) -> dict:
    source: dict = {"from": {}, "to": {}, "rel": None}
    if channel == "email":
        source["from"] = {"address": address, "name": name}
        source["to"] = {"name": "Sandbox Support", "address": SUPPORT_ADDRESS}
    elif channel == "native_messaging":
        source["from"] = {"name": name}
        source["rel"] = "messaging"
    elif channel == "rule":
        source["from"] = {"id": TRIGGER_ID, "title": "Follow-up for closed tickets"}
        source["rel"] = "follow_up"
    elif channel == "voice":
        source["from"] = {"phone": "+1 555 0142", "name": name}
        source["to"] = {"phone": "+1 555 0100", "name": "Sandbox Support"}
        source["rel"] = "voicemail"
    return {"channel": channel, "source": source}


def _custom_field_values(r: Callable[[], float], pick: Callable[[tuple], object]) -> list:
    values = []
    for field_id, kind in CUSTOM_FIELDS:
        value: object
        if kind == "text":
            value = None if r() < 0.3 else pick(TEXT_VALUES)
        elif kind == "dropdown":
            value = None if r() < 0.2 else pick(DROPDOWN_VALUES)
        elif kind == "integer":
            value = None if r() < 0.25 else int(r() * 5_000)
        elif kind == "decimal":
            value = None if r() < 0.25 else round(0.01 + r() * 2_000, 2)
        elif kind == "checkbox":
            value = r() < 0.5
        elif kind == "multiselect":
            value = [option for option in MULTISELECT_VALUES if r() < 0.3]
        elif kind == "date":
            value = None if r() < 0.5 else iso(RANGE_START + int(r() * 900) * 86_400)[:10]
        else:
            value = "rarely set" if r() < 0.05 else None
        values.append({"id": field_id, "value": value})
    return values


def _satisfaction(roll: float, rating_number: int, status: str) -> dict | None:
    if status not in ("solved", "closed"):
        return {"score": "unoffered"} if roll < 0.3 else None
    if roll < 0.3:
        return None
    if roll < 0.8:
        return {"score": "offered"}
    score = "good" if roll < 0.95 else "bad"
    return {
        "id": 360_020_000_000 + rating_number,
        "score": score,
        "comment": "Quick and helpful." if score == "good" else "Took too long.",
    }


def _encoded_id(bits: int) -> str:
    # 11 characters of 5 bits each, shaped like the short codes seen in live payloads.
    letters = "".join(ENCODED_ALPHABET[(bits >> (5 * i)) & 31] for i in range(11))
    return f"{letters[:6]}-{letters[6:]}"
