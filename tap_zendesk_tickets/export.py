"""Reading Zendesk's cursor-based incremental ticket export, one pass at a time.

Every request goes through the one request path of both plugins,
:class:`zendesk_api.http.ZendeskClient`, retried by its shared
:class:`~zendesk_api.retry.RetryPolicy` within the tap's :class:`~zendesk_api.retry.RetryBudget`
(``maxErrorRetries``, ``maxRateLimitWait``). The :class:`~tap_zendesk_tickets.pacing.Pacer`
waits before each try and reads the rate-limit headers of every answer through a response
hook. Nothing here knows about Singer: the stream turns pages into messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tap_zendesk_tickets import output
from tap_zendesk_tickets.bookmarks import ResumePoint, format_timestamp
from tap_zendesk_tickets.pacing import AccountBudget, Pacer
from tap_zendesk_tickets.settings import TapSettings
from zendesk_api.advice import with_advice
from zendesk_api.errors import (
    ZendeskClientError,
    ZendeskError,
    ZendeskHTTPError,
    ZendeskResponseError,
)
from zendesk_api.export_cursor import ExportCursor
from zendesk_api.http import ZendeskClient
from zendesk_api.retry import RetryPolicy

COMPONENT = "tap-zendesk-tickets"
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
WHAT = f"GET {EXPORT_PATH}"
MIN_PAGE_SIZE = 10
PAGES_BEFORE_GROWING = 3

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    """The clock and sleep every wait of the tap uses; tests pass a fake one."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = field(default=time.sleep)


@dataclass(frozen=True)
class ExportPage:
    tickets: list[dict[str, Any]]
    #: Where the next request continues: ``after_cursor``, else the cursor asked with.
    cursor: str | None
    #: How this pass started (its ``skip_through`` filters the page's tickets).
    resume: ResumePoint
    #: The records the page's tickets refer to, by side-load (``users``, ``groups``...).
    side_loads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class PageSize:
    """``per_page``: halved after an HTTP 504 (Zendesk's advice for big pages that time
    out), grown back after a few good pages (growing at once would meet the same 504)."""

    def __init__(self, configured: int) -> None:
        self.configured = configured
        self.value = configured
        self._good_pages = 0  # in a row since the size was last halved

    def after_error(self, error: ZendeskError) -> None:
        timed_out = isinstance(error, ZendeskHTTPError) and error.status == 504
        if timed_out and self.value > MIN_PAGE_SIZE:
            self.value = max(MIN_PAGE_SIZE, self.value // 2)
            self._good_pages = 0
            logger.warning("Asking for %d tickets per page after HTTP 504", self.value)

    def after_page(self) -> None:
        if self.value >= self.configured:
            return
        self._good_pages += 1
        if self._good_pages >= PAGES_BEFORE_GROWING:
            self.value = min(self.configured, self.value * 2)
            self._good_pages = 0


class TicketExport:
    """Passes through the export, each up to ``end_of_stream``, page by page."""

    def __init__(
        self,
        settings: TapSettings,
        timing: Timing | None = None,
        *,
        includes: Sequence[str] = (),
        account: AccountBudget | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        """``includes`` are the side-loads to ask for; ``account`` is the account-wide
        rate-limit budget the run's other requests share; ``pacer`` the run's pacer of
        every incremental export (``RunLimits.exports``), else one of its own."""
        timing = timing or Timing()
        self.settings = settings
        self.includes = list(includes)
        self.pacer = pacer or Pacer(
            settings.polling_period,
            default_reset=settings.connection.default_retry_after,
            clock=timing.clock,
            sleep=timing.sleep,
            account=account,
        )
        self.client = ZendeskClient(
            settings.connection,
            COMPONENT,
            policy=RetryPolicy(
                backoff=settings.connection.retry_backoff,
                default_retry_after=settings.connection.default_retry_after,
                clock=timing.clock,
                sleep=timing.sleep,
            ),
            loads=output.loads,
        )
        self.client.response_hooks.append(self.pacer.after_response)
        self.page_size = PageSize(settings.page_size)

    def pages(self, resume: ResumePoint, *, first_pass: bool) -> Iterator[ExportPage]:
        """One pass, from ``resume`` to ``end_of_stream``.

        On the first request of a run, a stored cursor that Zendesk rejects (HTTP 400)
        gives way to ``resume.fallback``, with a warning; anywhere else it is fatal.
        """
        cursor = ExportCursor(resume.cursor)
        while not cursor.finished:
            asked_with = cursor.current
            try:
                body = self._get_page(asked_with, resume.start_time)
            except ZendeskClientError as exc:
                if not (first_pass and cursor.count == 0 and resume.fallback):
                    raise
                _warn_cursor_rejected(exc, resume.fallback)
                resume = resume.fallback
                cursor = ExportCursor(None)
                continue
            logger.info(
                "Export page %d: %d tickets, end_of_stream=%s",
                cursor.count + 1,
                len(body["tickets"]),
                body.get("end_of_stream"),
            )
            # Check the page's cursor before any of its tickets goes out: a page that
            # cannot be continued from must not be emitted or checkpointed.
            cursor.advance(body)
            # A start_time request that finds nothing has no cursor yet; keep asking
            # from the same start_time then.
            yield ExportPage(
                body["tickets"],
                body.get("after_cursor") or asked_with,
                resume,
                {key: _records(body, key) for key in self.includes},
            )

    def _get_page(self, cursor: str | None, start_time: int) -> dict[str, Any]:
        """GET one page: paced, and retried by the shared policy within the tap's budget."""

        def attempt() -> dict[str, Any]:
            self.pacer.before_request()
            # Built on every try: a 504 shrinks the page for the next one.
            page = self.client.fetch("GET", EXPORT_PATH, params=self._params(cursor, start_time))
            if not isinstance(page, dict) or not isinstance(page.get("tickets"), list):
                raise ZendeskResponseError(
                    f"Zendesk answered {WHAT} with JSON that has no 'tickets' list"
                )
            return page

        try:
            page = self.client.policy.call(
                attempt, what=WHAT, budget=self.settings.retry, on_retry=self.page_size.after_error
            )
        except ZendeskHTTPError as exc:
            raise with_advice(
                exc,
                self.settings.connection,
                operation="read the incremental ticket export",
                scope="read",
            ) from None
        self.page_size.after_page()
        return page

    def _params(self, cursor: str | None, start_time: int) -> dict[str, Any]:
        params: dict[str, Any] = {"cursor": cursor} if cursor else {"start_time": start_time}
        params["per_page"] = self.page_size.value
        # Zendesk's default scope ("agent") leaves out tickets handled by AI agents.
        params["support_type_scope"] = "all"
        if self.settings.exclude_deleted:
            params["exclude_deleted"] = "true"
        if self.includes:
            params["include"] = ",".join(self.includes)
        return params


def _records(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A side-load array of the page (an absent or malformed one holds nothing)."""
    items = body.get(key)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _warn_cursor_rejected(error: ZendeskError, fallback: ResumePoint) -> None:
    if fallback.skip_through is not None:
        logger.warning(
            "Zendesk rejected the cursor stored in STATE (%s); resuming from the stored "
            "position instead (start_time=%d, skipping tickets up to ticket %s at %s): "
            "no ticket is missed",
            error,
            fallback.start_time,
            fallback.skip_through.id,
            format_timestamp(fallback.skip_through.timestamp),
        )
    else:
        logger.warning(
            "Zendesk rejected the cursor stored in STATE (%s), and the STATE holds no "
            "position: restarting from startTime (start_time=%d), so tickets exported "
            "before may come again",
            error,
            fallback.start_time,
        )
