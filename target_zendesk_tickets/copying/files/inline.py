"""A copied comment's ``html_body`` shows the destination's own files, never the source's.

An inline image is an ``<img>`` whose ``src`` is the file's ``content_url`` (or its
``mapped_content_url``). Each address of a copied file becomes the address of its upload in
the destination, which also makes Zendesk count the file as inline there. An inline image
that could not be copied is replaced by a short note in brackets, so the copy neither points
back at the source account nor shows a broken image; so is an image of a Zendesk file
elsewhere that the input brought no file for (a tap that did not ask for inline images).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

#: An ``<img>`` showing a file of a Zendesk account (``/attachments/token/...``).
ZENDESK_IMAGE = re.compile(
    r"<img\b[^>]*\bsrc=([\"'])(https?://[^\"'/]+)/attachments/token/[^\"']*\1[^>]*>",
    re.IGNORECASE,
)
STRAY_NOTE = "image not copied: the input brought no file for it"


def rewrite(
    markup: str,
    copied: Iterable[tuple[tuple[str, ...], str]],
    missing: Iterable[tuple[tuple[str, ...], str]],
    own_origin: str | None = None,
) -> str:
    """``markup`` with each source address of the ``copied`` files replaced by its address
    in the destination, and every ``<img>`` of a ``missing`` file replaced by its note; with
    ``own_origin`` (the destination's ``scheme://host``), any other image of a Zendesk file
    left is replaced by a note too."""
    for sources, address in copied:
        for source in sources:
            markup = markup.replace(source.replace("&", "&amp;"), html.escape(address))
            markup = markup.replace(source, address)
    for sources, note in missing:
        shown = f"<span>[{html.escape(note)}]</span>"
        for source in sources:
            for form in {source, source.replace("&", "&amp;")}:
                pattern = re.compile(
                    r"<img\b[^>]*\bsrc=([\"'])" + re.escape(form) + r"\1[^>]*>", re.IGNORECASE
                )
                markup = pattern.sub(_replacement(shown), markup)
    if own_origin is not None:
        stray = f"<span>[{html.escape(STRAY_NOTE)}]</span>"
        markup = ZENDESK_IMAGE.sub(
            lambda match: match.group(0) if match.group(2).lower() == own_origin.lower() else stray,
            markup,
        )
    return markup


def _replacement(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement taken as it is (``re.sub`` would read backslashes in a string)."""
    return lambda _match: text
