"""Conversations: the audits of a ticket, each with at most one comment.

A generated ticket's conversation is derived on demand from ``(seed, ticket id)`` and the
ticket itself, so a 50,000-ticket account costs nothing until someone reads comments:

- ``plan`` (a cheap stream of its own) gives the number of comments, 1 to 30 with a heavy
  tail, and their times: the first at the ticket's creation, the last at its last update
  (a ticket never updated has only its description);
- ``generated_audits`` adds authors, bodies and attachments: the first comment is the
  description by the submitter; later ones come from the requester, the CCs (other end
  users) and the agents on the ticket (assignee, followers); agents write private notes
  now and then; a ticket whose first comment is private (``is_public: false``) has only
  private comments by agents. Some comments are HTML, some carry attachments, and a few
  show an image inline (``html_body`` refers to it; ``attachments.py`` says what each
  file is);
- ``status_path.add_changes`` writes the field changes the ticket went through (status,
  group, assignee) into those audits.

Tickets that were imported, updated or otherwise changed keep their audits in full
(``Conversations.stored``). An audit is stored as a small dict::

    {"id", "ticket_id", "at", "author_id", "channel", "create": bool,
     "changes": [[field, value, previous], ...], "comment": {...} | None}

and rendered as Zendesk's comment or ticket-event JSON by ``http/views.py``.
"""

from __future__ import annotations

import html
import random
import re
from html.parser import HTMLParser

from zendesk_sandbox.generated import attachments as files
from zendesk_sandbox.generated.status_path import add_changes
from zendesk_sandbox.generated.statuses import default_status_ids
from zendesk_sandbox.generated.universe import object_id

MAX_GENERATED = 30
PER_TICKET = 32  # audit/comment numbers of generated ticket N are N*32 .. N*32+29
# Numbers of audits and comments made through the API; generated tickets stay below (ids
# up to 7.8 million), and child events (32 per audit) stay inside the account's range.
IMPORTED_FROM = 250_000_000
CUSTOMER_LINES = (
    "Any update on this?",
    "I tried that but it still does not work.",
    "Thanks, that fixed it!",
    "Here is the screenshot you asked for.",
    "Can someone call me back? My number is in my profile.",
    "Das Problem besteht weiterhin.",
    "C'est toujours pareil de mon côté 😕",
    "Still waiting for a reply…",
)
AGENT_LINES = (
    "Thanks for reaching out. Could you tell us which version you are on?",
    "I have passed this on to our billing team.",
    "We have issued a refund; it can take 5-7 business days to show.",
    "Could you try clearing the cache and signing in again?",
    "Closing this for now; just reply to reopen it.",
    "Internal: customer is on the legacy plan, check with finance.",
)
#: Stands for an inline image's ``content_url`` in a stored ``html_body`` (the address
#: depends on where the sandbox is served: ``http/views.py`` fills it in).
INLINE_MARK = "{{sandbox-inline:%d}}"
INLINE_INDEX = 3  # attachment numbers of a comment are 4n .. 4n+3; an inline image is 4n+3
STEPS = ("Sign out and back in", "Clear the browser cache", "Update the app", "Restart the device")
ATTACHMENTS = (
    ("screenshot.png", "image/png", True),
    ("photo.jpg", "image/jpeg", True),
    ("invoice.pdf", "application/pdf", False),
    ("console.log", "text/plain", False),
)


def _stream(seed: int, ticket_id: int, salt: int) -> random.Random:
    return random.Random(((seed * 1_000_003 + salt) << 36) + ticket_id)


def plan(seed: int, ticket_id: int, created: int, updated: int) -> list[int]:
    """The times of a generated ticket's comments (its first at ``created``)."""
    rng = _stream(seed, ticket_id, 1)
    count = min(MAX_GENERATED, int(rng.paretovariate(1.1)))
    if count == 1 or updated <= created:
        return [created]  # a ticket never updated has its description only
    middle = sorted(rng.randint(created, updated) for _ in range(count - 2))
    return [created, *middle, updated]


def generated_audit_id(account: int, ticket_id: int, index: int) -> int:
    return object_id("audit", account, ticket_id * PER_TICKET + index)


def generated_audits(
    seed: int, account: int, ticket: dict, created: int, updated: int
) -> list[dict]:
    """The conversation of a generated ticket (see the module docstring)."""
    ticket_id = ticket["id"]
    times = plan(seed, ticket_id, created, updated)
    rng = _stream(seed, ticket_id, 2)
    inline_images = _stream(seed, ticket_id, 3)  # a stream of its own: the others stay as they were
    r = rng.random
    requester, submitter = ticket["requester_id"], ticket["submitter_id"]
    agents = [a for a in [ticket["assignee_id"], *ticket["follower_ids"]] if a is not None]
    if not agents and submitter != requester:
        agents = [submitter]
    ccs = list(ticket["email_cc_ids"])
    private_ticket = not ticket["is_public"]
    channel = ticket["via"]["channel"]
    audits = []
    for index, at in enumerate(times):
        number = ticket_id * PER_TICKET + index
        if index == 0:
            author, public, text = submitter, not private_ticket, ticket["description"]
            comment_channel = channel
            is_agent = author != requester and author not in ccs
        else:
            roll = r()
            if private_ticket or (agents and roll < 0.5):
                author = agents[int(r() * len(agents))] if agents else submitter
                public = not private_ticket and r() >= 0.25
                is_agent = True
            else:
                author = ccs[int(r() * len(ccs))] if ccs and roll < 0.6 else requester
                public, is_agent = True, False
            comment_channel = "web" if is_agent or channel != "email" else "email"
            lines = AGENT_LINES if is_agent else CUSTOMER_LINES
            text = lines[int(r() * len(lines))]
        rich = is_agent and index > 0 and r() < 0.3
        comment = {
            "id": object_id("comment", account, number),
            "author_id": author,
            "public": public,
            "channel": comment_channel,
            "created_at": at,
            "attachments": _attachments(rng, account, number) if r() < 0.12 else [],
            **(_rich_bodies(text, rng) if rich else plain_bodies(text)),
        }
        if files.has_inline_image(inline_images):
            _show_inline_image(comment, object_id("attachment", account, number * 4 + INLINE_INDEX))
        audits.append(
            {
                "id": generated_audit_id(account, ticket_id, index),
                "ticket_id": ticket_id,
                "at": at,
                "author_id": author,
                "channel": comment_channel,
                "create": index == 0,
                "changes": [],
                "comment": comment,
            }
        )
    customers = {requester, *ccs}
    add_changes(
        audits,
        ticket,
        is_agent=lambda author: author not in customers,
        custom_status_of=default_status_ids(account).get,
    )
    return audits


def plain_bodies(text: str) -> dict:
    """``body``, ``plain_body`` and ``html_body`` of a plain-text comment."""
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part] or [""]
    inner = "".join(
        f'<p dir="auto">{html.escape(part).replace(chr(10), "<br>")}</p>' for part in paragraphs
    )
    return {
        "body": text,
        "plain_body": text,
        "html_body": f'<div class="zd-comment" dir="auto">{inner}</div>',
    }


def html_bodies(markup: str) -> dict:
    """The bodies of a comment sent as ``html_body``: plain text is the markup's text."""
    text = html_to_text(markup)
    return {"body": text, "plain_body": text, "html_body": markup}


def _rich_bodies(text: str, rng: random.Random) -> dict:
    steps = rng.sample(STEPS, 2)
    markup = (
        '<div class="zd-comment" dir="auto">'
        f'<p dir="auto">{html.escape(text)}</p>'
        f'<ul dir="auto"><li>{steps[0]}</li><li>{steps[1]}</li></ul>'
        '<p dir="auto">More in <a href="https://help.example.com/hc/articles/360001" '
        'rel="noreferrer"><strong>this article</strong></a>.</p></div>'
    )
    return html_bodies(markup)


def _attachments(rng: random.Random, account: int, number: int) -> list[dict]:
    result = []
    for index in range(1 + int(rng.random() < 0.3)):
        name, content_type, image = ATTACHMENTS[int(rng.random() * len(ATTACHMENTS))]
        rng.randint(2_000, 900_000)  # drawn as before, so that later draws stay the same
        attachment_id = object_id("attachment", account, number * 4 + index)
        result.append(_file(attachment_id, name, content_type, image=image, inline=False))
    return result


def _file(attachment_id: int, name: str, content_type: str, *, image: bool, inline: bool) -> dict:
    """A generated attachment as stored: its traits come from its id (``attachments.py``)."""
    found = files.traits(attachment_id, image=image)
    return {
        "id": attachment_id,
        "file_name": files.REDACTED_NAME if found.redacted else name,
        "content_type": "text/plain" if found.redacted else content_type,
        "size": found.size,
        "width": 1280 if image and not found.redacted else None,
        "height": 720 if image and not found.redacted else None,
        "inline": inline,
        "malware_scan_result": found.malware_scan_result,
        "malware_access_override": found.malware_access_override,
        "deleted": found.deleted,
    }


def _show_inline_image(comment: dict, attachment_id: int) -> None:
    """Put an image inline in the comment: in its ``html_body``, and among its files."""
    pick = random.Random(attachment_id).randrange(len(files.INLINE_IMAGES))
    name, content_type = files.INLINE_IMAGES[pick]
    image = _file(attachment_id, name, content_type, image=True, inline=True)
    comment["attachments"] = [*comment["attachments"], image]
    tag = (
        f'<p dir="auto"><img src="{INLINE_MARK % attachment_id}" alt="{name}" '
        'width="1280" height="720"></p>'
    )
    markup = comment["html_body"]
    cut = markup.rfind("</div>")
    comment["html_body"] = markup[:cut] + tag + markup[cut:] if cut >= 0 else markup + tag


class _TextOf(HTMLParser):
    BLOCKS = ("p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


class Conversations:
    """The audits of every ticket: generated on demand, stored once a ticket changed."""

    def __init__(self, seed: int, account: int) -> None:
        self.seed = seed
        self.account = account
        self.stored: dict[int, list[dict]] = {}
        self._numbers = 0  # audits and comments made through the API so far

    def new_id(self, kind: str) -> int:
        self._numbers += 1
        return object_id(kind, self.account, IMPORTED_FROM + self._numbers)

    def note_ids(self, audits: list[dict]) -> None:
        """Keep ``new_id`` ahead of ids that came back from the state directory."""
        for audit in audits:
            number = audit["id"] - object_id("audit", self.account, 0)
            if number > IMPORTED_FROM:
                self._numbers = max(self._numbers, number - IMPORTED_FROM)
            comment = audit.get("comment")
            if comment:
                number = comment["id"] - object_id("comment", self.account, 0)
                if number > IMPORTED_FROM:
                    self._numbers = max(self._numbers, number - IMPORTED_FROM)
