"""What scripts and inspects one sandbox account: the in-process twin of the admin API.

``SandboxControls`` owns the account and the parts the HTTP layer adds to it (OAuth server,
rate limiter, fault queue, request log). The admin API (admin.py) and the app (app.py) are
handed one; ``Sandbox`` (server.py) is one that also serves it over HTTP.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading

from zendesk_sandbox.account import Account
from zendesk_sandbox.config import SandboxConfig
from zendesk_sandbox.generated import attachments as generated
from zendesk_sandbox.generated.directory import Directory
from zendesk_sandbox.http.faults import Fault, FaultQueue
from zendesk_sandbox.http.file_host import FileHost
from zendesk_sandbox.http.oauth import OAuthServer
from zendesk_sandbox.http.ratelimit import RateLimiter
from zendesk_sandbox.http.requestlog import RequestLog
from zendesk_sandbox.http.views import comment_json


class SandboxControls:
    """One sandbox account, its HTTP-side parts, and the methods that script them."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        # A private copy: set_job_delay() and friends must not change the caller's object.
        config = dataclasses.replace(config or SandboxConfig())
        config.rate_limits = dict(config.rate_limits)
        self.config = config
        self.account = Account(config)
        self.oauth = OAuthServer(config, clock=self.account.now)
        self.limiter = RateLimiter(config.rate_limits)
        self.faults = FaultQueue()
        self.requests = RequestLog()
        self.stopping = threading.Event()  # wakes "slow" faults when the server stops
        self.file_host = FileHost(
            self.account, config
        )  # private attachments' signed URLs, served elsewhere
        self._base_url: str | None = None  # set by Sandbox.start()
        if config.foreign_jobs:
            self.start_foreign_jobs(config.foreign_jobs, config.foreign_job_time)

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._base_url is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        return self._base_url

    # -- tickets and clock ---------------------------------------------------------------

    def update_tickets(self, ids: list[int], changes: dict | None = None) -> list[int]:
        """Change tickets now (bumps updated_at and generated_timestamp); returns the ids."""
        return self.account.update_tickets(ids, changes)

    def delete_tickets(self, ids: list[int]) -> list[int]:
        """Soft-delete tickets (status ``deleted``, timestamps bumped); returns the ids."""
        return self.account.delete_tickets(ids)

    def add_tickets(self, count: int) -> list[int]:
        """Create ``count`` tickets now; returns their ids."""
        return self.account.add_tickets(count)

    def comments(self, ticket_id: int, *, inline_images: bool = False) -> list[dict]:
        """A ticket's comments as ``GET /api/v2/tickets/{id}/comments`` shows them (with
        ``include_inline_images=true`` when ``inline_images``)."""
        return [
            comment_json(comment, audit_id, self.account.base_url, inline_images=inline_images)
            for comment, audit_id in self.account.comments(ticket_id)
        ]

    @property
    def directory(self) -> Directory:
        """The account's people and structure (empty with ``people=False``)."""
        return self.account.directory

    def exported_ticket(self, ticket_id: int) -> dict:
        """A ticket as the export shows it now; KeyError if unknown."""
        return self.account.exported_ticket(ticket_id)

    def visible_ticket_ids(
        self, exclude_deleted: bool = False, support_type_scope: str = "all"
    ) -> list[int]:
        """Ids a full export from start_time=0 would return now, in export order."""
        return self.account.visible_ticket_ids(exclude_deleted, support_type_scope)

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward (or back); returns the new now (epoch seconds)."""
        return self.account.advance_clock(seconds)

    def now(self) -> float:
        """The sandbox clock (epoch seconds): real time plus every advance_clock()."""
        return self.account.now()

    # -- files ---------------------------------------------------------------------------

    def set_file_rules(self, **changes: object) -> None:
        """Change the account's file rules (``FileRules``: ``private_attachments``,
        ``signed_url_lifetime``, ``upload_token_lifetime``, ``max_upload_size``,
        ``allowed_file_types``) from now on."""
        rules = dataclasses.replace(self.config.files, **changes)  # type: ignore[arg-type]
        if rules.allowed_file_types is not None:
            rules = dataclasses.replace(
                rules,
                allowed_file_types=tuple(t.lower().lstrip(".") for t in rules.allowed_file_types),
            )
        self.config.files = rules

    def files_stats(self) -> dict:
        """Uploads waiting, files kept, bytes uploaded, dead upload tokens named by imports
        and updates, and what the private attachments' host served and refused."""
        return {**self.account.files_stats(), "file_host": self.file_host.stats()}

    def attachment_digest(self, attachment_id: int) -> tuple[int, str]:
        """``(size, SHA-256)`` of the bytes behind one of the account's files."""
        found = self.account.attachment(attachment_id)
        if found is None:
            raise KeyError(f"no such attachment: {attachment_id}")
        if "sha256" in found:
            return int(found["size"]), str(found["sha256"])
        digest = hashlib.sha256()
        for chunk in generated.content(found["id"], int(found["size"])):
            digest.update(chunk)
        return int(found["size"]), digest.hexdigest()

    # -- faults --------------------------------------------------------------------------

    def add_fault(
        self,
        kind: str,
        route: str = "any",
        count: int = 1,
        *,
        retry_after: str | None = None,
        status: int | None = None,
        body: object = None,
        content_type: str | None = None,
        delay: float = 0.0,
        after: bool = False,
    ) -> None:
        """Queue a scripted fault (see docs/sandbox.md for the kinds); ValueError if invalid."""
        self.faults.add(
            Fault(
                kind=kind,
                route=route,
                count=count,
                retry_after=retry_after,
                status=status,
                body=body,
                content_type=content_type,
                delay=delay,
                after=after,
            )
        )

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self.faults.clear()

    def pending_faults(self) -> list[dict]:
        """The faults still queued, first in line first."""
        return self.faults.pending()

    # -- imports, jobs, requests ---------------------------------------------------------

    def imported_tickets(self) -> list[dict]:
        """Imported tickets as stored, plus ``archived`` and ``solved_at``."""
        return self.account.imported_tickets()

    def import_requests(self) -> list[dict]:
        """Each accepted bulk import: query, archive_immediately, the raw tickets, job_id."""
        return self.account.import_requests()

    def jobs(self) -> list[dict]:
        """Every job_status of the last day, most recent first."""
        return self.account.jobs()

    def start_foreign_jobs(self, count: int, seconds: float = 3.0) -> list[str]:
        """``count`` jobs of another client, holding job slots and done one after another
        within ``seconds`` (bulk user jobs: they change no ticket); their ids."""
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValueError("count must be an integer")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("seconds must be a number")
        return self.account.start_foreign_jobs(count, float(seconds))

    def request_log(self) -> list[dict]:
        """API requests answered so far: method, path, query, route, status, auth, fault, time."""
        return self.requests.entries()

    def clear_request_log(self) -> None:
        self.requests.clear()

    # -- OAuth ---------------------------------------------------------------------------

    def add_oauth_client(
        self, identifier: str, secret: str, scopes: str = "read write", role: str = "admin"
    ) -> dict:
        """Create an OAuth client whose tokens act as a user of ``role``; returns it, no secret."""
        return self.oauth.add_client(identifier, secret, scopes, role)

    def issue_oauth_tokens(self, client_id: str | None = None, scopes: str | None = None) -> dict:
        """A token pair as the authorization-code flow would give it (the default client)."""
        return self.oauth.issue(client_id, scopes)

    def revoke_oauth_tokens(
        self, client_id: str | None = None, *, refresh_tokens: bool = False
    ) -> int:
        """Revoke live access tokens (and refresh tokens) of one client or all; the count."""
        return self.oauth.revoke(client_id, refresh_tokens=refresh_tokens)

    def oauth_stats(self) -> dict:
        """Grants answered by type, refusals by error, and live tokens."""
        return self.oauth.stats()

    # -- settings ------------------------------------------------------------------------

    def set_job_delay(self, seconds: float) -> None:
        """How long jobs created from now on take from queued to done."""
        if seconds < 0:
            raise ValueError("job_delay must not be negative")
        self.config.job_delay = float(seconds)

    def set_rate_limit(self, bucket: str, limit: int, window: float = 60.0) -> None:
        """Set ``bucket`` to ``limit`` requests per ``window`` seconds; 0 = unlimited."""
        self.limiter.set_limit(bucket, limit, window)
        self.config.rate_limits = self.limiter.limits()

    def configure(
        self,
        *,
        job_delay: float | None = None,
        rate_limits: dict | None = None,
        exclusion_window: float | None = None,
        max_jobs: int | None = None,
        search_delay: float | None = None,
        access_token_lifetime: float | None = None,
        refresh_token_lifetime: float | None = None,
        access_token_lifetime_range: list[float] | tuple[float, float] | None = None,
        refresh_token_lifetime_range: list[float] | tuple[float, float] | None = None,
        rate_limit_headers: bool | None = None,
        too_many_jobs_retry_after: bool | None = None,
        job_types: bool | None = None,
        job_queue_time: float | None = None,
        failing_job_lookups: bool | None = None,
    ) -> None:
        """Change several settings at once (what ``POST /_sandbox/config`` does).

        ``rate_limits`` maps a bucket to ``[limit, window]`` or ``{"limit": n, "window": s}``,
        or to 0/null for unlimited.
        """
        if job_delay is not None:
            self.set_job_delay(job_delay)
        for bucket, value in (rate_limits or {}).items():
            self.set_rate_limit(bucket, *_limit_pair(value))
        if exclusion_window is not None:
            if exclusion_window < 0:
                raise ValueError("exclusion_window must not be negative")
            self.config.exclusion_window = float(exclusion_window)
        if max_jobs is not None:
            if max_jobs < 0:
                raise ValueError("max_jobs must not be negative")
            self.config.max_jobs = int(max_jobs)
        if search_delay is not None:
            if search_delay < 0:
                raise ValueError("search_delay must not be negative")
            self.config.search_delay = float(search_delay)
        for name, lifetime in (
            ("access_token_lifetime", access_token_lifetime),
            ("refresh_token_lifetime", refresh_token_lifetime),
        ):
            if lifetime is not None:  # applies to tokens issued from now on
                if (
                    isinstance(lifetime, bool)
                    or not isinstance(lifetime, int | float)
                    or lifetime <= 0
                ):
                    raise ValueError(f"{name} must be a number of seconds above 0")
                setattr(self.config, name, float(lifetime))
        self._configure_variations(
            access_token_lifetime_range=access_token_lifetime_range,
            refresh_token_lifetime_range=refresh_token_lifetime_range,
            switches={
                "rate_limit_headers": rate_limit_headers,
                "too_many_jobs_retry_after": too_many_jobs_retry_after,
                "job_types": job_types,
                "failing_job_lookups": failing_job_lookups,
            },
            job_queue_time=job_queue_time,
        )

    def _configure_variations(
        self,
        *,
        access_token_lifetime_range: list[float] | tuple[float, float] | None,
        refresh_token_lifetime_range: list[float] | tuple[float, float] | None,
        switches: dict[str, bool | None],
        job_queue_time: float | None,
    ) -> None:
        """The token bounds and the switches of ``configure``."""
        for name, bounds in (
            ("access_token_lifetime_range", access_token_lifetime_range),
            ("refresh_token_lifetime_range", refresh_token_lifetime_range),
        ):
            if bounds is not None:
                setattr(self.config, name, _bounds(name, bounds))
        for name, switch in switches.items():
            if switch is not None:
                if not isinstance(switch, bool):
                    raise ValueError(f"{name} must be true or false")
                setattr(self.config, name, switch)
        if job_queue_time is not None:  # applies to jobs started from now on
            if job_queue_time < 0:
                raise ValueError("job_queue_time must not be negative")
            self.config.job_queue_time = float(job_queue_time)

    def settings(self) -> dict:
        """The current settings, without credentials."""
        config = self.config
        return {
            "tickets": config.tickets,
            "seed": config.seed,
            "job_delay": config.job_delay,
            "exclusion_window": config.exclusion_window,
            "rate_limits": {name: list(limit) for name, limit in self.limiter.limits().items()},
            "max_jobs": config.max_jobs,
            "page_limit": config.page_limit,
            "people": config.people,
            "account": config.account,
            "universe": config.universe,
            "overlap": config.overlap,
            "search_delay": config.search_delay,
            "state_dir": None if config.state_dir is None else str(config.state_dir),
            "access_token_lifetime": config.access_token_lifetime,
            "refresh_token_lifetime": config.refresh_token_lifetime,
            "access_token_lifetime_range": list(config.access_token_lifetime_range),
            "refresh_token_lifetime_range": list(config.refresh_token_lifetime_range),
            "rate_limit_headers": config.rate_limit_headers,
            "too_many_jobs_retry_after": config.too_many_jobs_retry_after,
            "job_types": config.job_types,
            "job_queue_time": config.job_queue_time,
            "failing_job_lookups": config.failing_job_lookups,
            "foreign_jobs": config.foreign_jobs,
            "foreign_job_time": config.foreign_job_time,
        }

    def stats(self) -> dict:
        """Counts of tickets, jobs, imports, requests and queued faults."""
        return {
            **self.account.stats(),
            "requests": len(self.requests.entries()),
            "faults_pending": len(self.faults.pending()),
        }


def _bounds(name: str, value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not 0 < value[0] <= value[1]
    ):
        raise ValueError(f"{name} is [shortest, longest] in seconds, shortest above 0")
    return float(value[0]), float(value[1])


def _limit_pair(value: object) -> tuple[int, float]:
    if not value:
        return 0, 60.0
    if isinstance(value, dict):
        return int(value.get("limit", 0)), float(value.get("window", 60.0))
    if isinstance(value, list | tuple) and len(value) == 2:
        return int(value[0]), float(value[1])
    raise ValueError(f"a rate limit is [limit, window] or {{limit, window}}; got {value!r}")
