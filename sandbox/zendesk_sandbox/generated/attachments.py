"""Generated attachments: what each one is (size, flags) and its bytes, from its id alone.

A conversation decides which comments carry files and what they are called
(``conversations.py``); everything else about a file comes from its id, through a random
stream of its own, so that adding these traits changed none of the conversations' other
draws. Sizes run from a few bytes to several MB with a heavy tail; a few files are flagged
as malware (some of those overridden by an admin), redacted (an empty ``redacted.txt``) or
deleted. The bytes are a 64 KiB block drawn from the id, repeated: the same file always has
the same bytes, and serving a large one costs no memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

BLOCK = 64 * 1024
#: Kinds of size, with their share and range in bytes: mostly small, a heavy tail.
SIZES = (
    (0.355, 5, 20_000),
    (0.58, 20_000, 300_000),
    (0.06, 300_000, 2_000_000),
    (0.005, 2_000_000, 6_000_000),
)
IMAGE_SIZES = (10_000, 600_000)
MALWARE_SHARE, OVERRIDDEN_SHARE = 0.02, 1 / 3
REDACTED_SHARE, DELETED_SHARE = 0.015, 0.01
REDACTED_NAME = "redacted.txt"
#: A comment's inline image, when it has one (``html_body`` refers to it).
INLINE_IMAGES = (("pasted-image.png", "image/png"), ("screenshot-inline.jpg", "image/jpeg"))
INLINE_SHARE = 0.05


@dataclass(frozen=True)
class Traits:
    size: int
    malware_scan_result: str
    malware_access_override: bool
    redacted: bool
    deleted: bool


def _stream(attachment_id: int) -> random.Random:
    return random.Random(attachment_id * 7_919 + 17)


def traits(attachment_id: int, *, image: bool = False) -> Traits:
    """What the file with this id is: its size and the flags Zendesk would show."""
    rng = _stream(attachment_id)
    roll = rng.random()
    low, high = IMAGE_SIZES
    for share, start, end in SIZES:
        if roll < share:
            low, high = start, end
            break
        roll -= share
    if image:
        low, high = IMAGE_SIZES
    size = int(low * (high / low) ** rng.random())  # log-uniform within its kind
    flag = rng.random()
    malware = flag < MALWARE_SHARE
    redacted = not malware and flag < MALWARE_SHARE + REDACTED_SHARE
    deleted = not (malware or redacted) and flag < MALWARE_SHARE + REDACTED_SHARE + DELETED_SHARE
    if malware:
        scan = "malware_found"
    else:
        scan = "not_scanned" if rng.random() < 0.03 else "malware_not_found"
    return Traits(
        size=0 if redacted else size,
        malware_scan_result=scan,
        malware_access_override=malware and rng.random() < OVERRIDDEN_SHARE,
        redacted=redacted,
        deleted=deleted,
    )


def has_inline_image(rng: random.Random) -> bool:
    """Whether the next comment (of a ticket's inline-image stream) shows an image inline."""
    return rng.random() < INLINE_SHARE


def content(attachment_id: int, size: int, chunk: int = BLOCK) -> Iterator[bytes]:
    """The file's bytes, ``chunk`` at a time."""
    block = random.Random(attachment_id).randbytes(BLOCK)
    sent = 0
    while sent < size:
        start = sent % BLOCK
        part = block[start : start + min(chunk, size - sent, BLOCK - start)]
        sent += len(part)
        yield part
