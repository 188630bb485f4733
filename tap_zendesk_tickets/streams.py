"""The ``tickets`` stream: Zendesk's cursor-based incremental ticket export, page by page."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import requests
from singer_sdk import RESTStream, SchemaDirectory, StreamSchema
from singer_sdk.helpers import types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams.rest import PageContext

from tap_zendesk_tickets import schemas
from tap_zendesk_tickets.bookmarks import (
    InvalidBookmarkError,
    ResumePoint,
    bookmark_for,
    format_timestamp,
    position_from_bookmark,
    position_of,
    resume_point,
)
from tap_zendesk_tickets.checkpoint import write_checkpoint
from tap_zendesk_tickets.pacing import Pacer
from tap_zendesk_tickets.pagination import ExportCursorPaginator
from tap_zendesk_tickets.retry import call_with_retries
from zendesk_api.advice import with_advice
from zendesk_api.errors import (
    ZendeskClientError,
    ZendeskError,
    ZendeskResponseError,
    error_from_response,
)
from zendesk_api.http import decode_json, new_session, transport_error, user_agent

if TYPE_CHECKING:
    from tap_zendesk_tickets.settings import TapSettings

COMPONENT = "tap-zendesk-tickets"
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
_MIN_PAGE_SIZE = 10
_PAGES_BEFORE_GROWING = 3


@dataclass(frozen=True)
class ExportPage:
    tickets: list[dict[str, Any]]
    #: Where the next request continues: ``after_cursor``, else the cursor asked with.
    cursor: str | None
    #: How this pass started (its ``skip_through`` filters the page's tickets).
    resume: ResumePoint


class TicketsStream(RESTStream[str | None]):
    """Every ticket of the account, in the export's order (``generated_timestamp``, ``id``)."""

    name = "tickets"
    path = EXPORT_PATH
    primary_keys = ("id",)
    # The bookmark is the tap's own (see bookmarks.py), not an SDK replication key, so
    # the catalog says FULL_TABLE; runs still resume from STATE.
    replication_key = None
    schema = StreamSchema(SchemaDirectory(schemas))
    # STATE goes out after every page instead (checkpoint.py).
    STATE_MSG_FREQUENCY = 10**12
    # Tickets go out exactly as Zendesk sent them; the SDK's recursive type conformance
    # would only cost time (a third of the tap's CPU) and could alter values.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._per_page = self.settings.page_size
        self._good_pages = 0  # in a row since the page size was last halved
        self._start_time = 0

    @property
    def settings(self) -> TapSettings:
        return self._tap.settings  # type: ignore[attr-defined]

    @property
    def url_base(self) -> str:
        return self.settings.connection.base_url

    @property
    def authenticator(self) -> requests.auth.AuthBase:
        return self.settings.connection.auth

    @cached_property
    def requests_session(self) -> requests.Session:
        return new_session(COMPONENT)

    @cached_property
    def user_agent(self) -> str:
        return user_agent(COMPONENT)

    @property
    def timeout(self) -> tuple[float, float]:  # type: ignore[override]
        return self.settings.connection.timeout

    @cached_property
    def pacer(self) -> Pacer:
        return Pacer(
            self.settings.polling_period,
            default_reset=self.settings.connection.default_retry_after,
        )

    def get_new_paginator(self) -> ExportCursorPaginator:
        return ExportCursorPaginator()

    def get_url_params(
        self, context: types.Context | None, next_page_token: str | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if next_page_token:
            params["cursor"] = next_page_token
        else:
            params["start_time"] = self._start_time
        params["per_page"] = self._per_page
        # Zendesk's default scope ("agent") leaves out tickets handled by AI agents.
        params["support_type_scope"] = "all"
        if self.settings.exclude_deleted:
            params["exclude_deleted"] = "true"
        return params

    def validate_response(self, response: requests.Response) -> None:
        if response.status_code < 400:
            return
        error = error_from_response(response)
        raise with_advice(
            error,
            self.settings.connection,
            operation="read the incremental ticket export",
            scope="read",
        )

    def request_records(self, context: types.Context | None) -> Iterable[dict]:
        """Yield each ticket as it comes, and write STATE after each page's tickets."""
        bookmark = dict(self.get_context_state(context))
        try:
            resume = resume_point(bookmark, start_time=self.settings.start_time, now=time.time())
            last = position_from_bookmark(bookmark)
        except ValueError as exc:
            raise InvalidBookmarkError(
                f"The STATE bookmark of the tickets stream cannot be read ({exc}): "
                f"{bookmark}. Correct it, or start without it (from startTime)"
            ) from None
        self._log_start(resume)
        if self.settings.follow and not self.settings.polling_period:
            self.logger.warning(
                "follow is on with pollingPeriod 0s: the tap polls as often as the rate-limit "
                "headers allow; set pollingPeriod to poll less often"
            )
        first_pass = True
        while True:
            for page in self._pass(resume, first_pass=first_pass):
                skip_through = page.resume.skip_through
                for ticket in page.tickets:
                    position = position_of(ticket)
                    if skip_through and position and skip_through.covers(position):
                        continue
                    yield ticket
                    last = position or last
                # Every ticket of the page has been written by now: the SDK writes a
                # record before it asks this generator for the next one.
                write_checkpoint(self, context, bookmark_for(last, page.cursor))
                resume = replace(page.resume, cursor=page.cursor, fallback=None)
            if not self.settings.follow:
                return
            first_pass = False

    def _pass(self, resume: ResumePoint, *, first_pass: bool) -> Iterator[ExportPage]:
        """One pass through the export, up to ``end_of_stream``."""
        paginator = ExportCursorPaginator(resume.cursor)
        self._start_time = resume.start_time
        with self.get_http_request_counter() as request_counter:
            while not paginator.finished:
                request_cursor = paginator.current_value
                try:
                    body = self._fetch_page(request_cursor)
                except ZendeskClientError as exc:
                    if not (first_pass and paginator.count == 0 and resume.fallback):
                        raise
                    self._warn_cursor_rejected(exc, resume.fallback)
                    resume = resume.fallback
                    self._start_time = resume.start_time
                    paginator = ExportCursorPaginator(None)
                    continue
                request_counter.increment()
                self.logger.info(
                    "Export page %d: %d tickets, end_of_stream=%s",
                    paginator.count + 1,
                    len(body["tickets"]),
                    body.get("end_of_stream"),
                )
                # Check the page's cursor before any of its tickets goes out: a page that
                # cannot be continued from must not be emitted or checkpointed.
                paginator.advance(body)
                # A start_time request that finds nothing has no cursor yet; keep asking
                # from the same start_time then.
                yield ExportPage(
                    body["tickets"], body.get("after_cursor") or request_cursor, resume
                )

    def _fetch_page(self, cursor: str | None) -> dict[str, Any]:
        """GET one page, through pacing, rate limits and retries."""
        what = f"GET {EXPORT_PATH}"
        return call_with_retries(
            lambda: self._request_page(cursor),
            self.settings.retry,
            what=what,
            on_error=self._shrink_page_after_gateway_timeout,
        )

    def _request_page(self, cursor: str | None) -> dict[str, Any]:
        self.pacer.before_request()
        http_request = self.get_http_request(
            page=PageContext(stream_context=None, next_page_token=cursor)
        )
        prepared = self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )
        try:
            response = self.requests_session.send(prepared, timeout=self.timeout)
        except requests.RequestException as exc:
            raise transport_error(exc, "GET", prepared.url or self.path) from None
        self.pacer.after_response(response.headers)
        self.validate_response(response)
        page = decode_json(response)
        if not isinstance(page, dict) or not isinstance(page.get("tickets"), list):
            raise ZendeskResponseError(
                f"Zendesk answered GET {EXPORT_PATH} with JSON that has no 'tickets' list"
            )
        self._grow_page_back()
        return page

    def _shrink_page_after_gateway_timeout(self, error: ZendeskError) -> None:
        # Zendesk's advice for 504s on big pages: ask for fewer tickets at a time.
        if getattr(error, "status", None) == 504 and self._per_page > _MIN_PAGE_SIZE:
            self._per_page = max(_MIN_PAGE_SIZE, self._per_page // 2)
            self._good_pages = 0
            self.logger.warning("Asking for %d tickets per page after HTTP 504", self._per_page)

    def _grow_page_back(self) -> None:
        # Only after a few good pages: growing at once would meet the same 504 every page.
        if self._per_page >= self.settings.page_size:
            return
        self._good_pages += 1
        if self._good_pages >= _PAGES_BEFORE_GROWING:
            self._per_page = min(self.settings.page_size, self._per_page * 2)
            self._good_pages = 0

    def _warn_cursor_rejected(self, error: ZendeskError, fallback: ResumePoint) -> None:
        if fallback.skip_through is not None:
            self.logger.warning(
                "Zendesk rejected the cursor stored in STATE (%s); resuming from the stored "
                "position instead (start_time=%d, skipping tickets up to ticket %s at %s): "
                "no ticket is missed",
                error,
                fallback.start_time,
                fallback.skip_through.id,
                format_timestamp(fallback.skip_through.timestamp),
            )
        else:
            self.logger.warning(
                "Zendesk rejected the cursor stored in STATE (%s), and the STATE holds no "
                "position: restarting from startTime (start_time=%d), so tickets exported "
                "before may come again",
                error,
                fallback.start_time,
            )

    def _log_start(self, resume: ResumePoint) -> None:
        if resume.cursor:
            self.logger.info("Resuming the export from the cursor in STATE")
        elif resume.skip_through:
            self.logger.info(
                "Resuming the export at %s (start_time=%d), after ticket %s",
                format_timestamp(resume.skip_through.timestamp),
                resume.start_time,
                resume.skip_through.id,
            )
        else:
            self.logger.info(
                "Starting the export at %s (start_time=%d)",
                format_timestamp(resume.start_time),
                resume.start_time,
            )
            if resume.start_time < self.settings.start_time:
                self.logger.warning(
                    "startTime %s is in the future or less than two minutes ago, which "
                    "Zendesk refuses; starting from %s instead",
                    format_timestamp(self.settings.start_time),
                    format_timestamp(resume.start_time),
                )
