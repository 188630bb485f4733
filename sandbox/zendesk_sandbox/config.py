"""Settings of one sandbox account, and its fixed credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Bucket names as Zendesk's headers spell them (the update buckets have no header; see
# http/ratelimit.py).
EXPORT_BUCKET = "incremental-exports"
ACCOUNT_BUCKET = "account"
USER_EXPORT_BUCKET = "incremental-exports-cursor"
UPDATE_BUCKET = "ticket-updates"
TICKET_UPDATE_BUCKET = "ticket-updates-per-ticket"
USER_UPSERT_BUCKET = "users-create-or-update"
ATTACHMENT_DOWNLOAD_BUCKET = "attachment-downloads"
KNOWN_BUCKETS = (
    EXPORT_BUCKET,
    ACCOUNT_BUCKET,
    USER_EXPORT_BUCKET,
    UPDATE_BUCKET,
    TICKET_UPDATE_BUCKET,
    USER_UPSERT_BUCKET,
    ATTACHMENT_DOWNLOAD_BUCKET,
)


def default_rate_limits() -> dict[str, tuple[int, float]]:
    """Zendesk's standard limits (Enterprise plan, no High Volume add-on).

    700 requests a minute per account, 10 a minute for the incremental exports, 20 for the
    user cursor export, 100 ticket updates a minute, 30 updates of one ticket per 10 minutes,
    one ``users/create_or_update`` a second, 2,500 attachment downloads a minute.
    """
    return {
        EXPORT_BUCKET: (10, 60.0),
        ACCOUNT_BUCKET: (700, 60.0),
        USER_EXPORT_BUCKET: (20, 60.0),
        UPDATE_BUCKET: (100, 60.0),
        TICKET_UPDATE_BUCKET: (30, 600.0),
        USER_UPSERT_BUCKET: (1, 1.0),
        ATTACHMENT_DOWNLOAD_BUCKET: (2500, 60.0),
    }


@dataclass(frozen=True)
class Credentials:
    """Who can sign in to the sandbox account.

    These are made-up secrets of a local fake, hence the ``noqa: S105`` marks.
    The defaults double as class attributes, so ``Credentials.admin_token`` works without
    an instance. Pass a changed instance as ``SandboxConfig(credentials=...)`` to override.
    """

    admin_email: str = "admin@example.com"
    # The admin's API token (basic auth as "{email}/token:{token}").
    admin_token: str = "sandbox-api-token"  # noqa: S105
    # An OAuth bearer token with the read and write scopes.
    oauth_token: str = "sandbox-oauth-token"  # noqa: S105
    # A non-admin agent: 403 on export and import, allowed on job statuses and ticket reads.
    agent_email: str = "agent@example.com"
    agent_token: str = "sandbox-agent-token"  # noqa: S105
    # An OAuth bearer token with only the read scope: export works, import is a 403.
    readonly_oauth_token: str = "sandbox-readonly-oauth-token"  # noqa: S105
    # A confidential OAuth client made by the admin, allowed the read and write scopes:
    # client credentials, and refresh tokens from Sandbox.issue_oauth_tokens().
    oauth_client_id: str = "sandbox-oauth-client"
    oauth_client_secret: str = "sandbox-oauth-client-secret"  # noqa: S105

    @property
    def admin_basic(self) -> tuple[str, str]:
        """``(username, password)`` of the admin's API token, ready for ``requests``' ``auth=``."""
        return (f"{self.admin_email}/token", self.admin_token)

    @property
    def agent_basic(self) -> tuple[str, str]:
        """``(username, password)`` of the agent's API token."""
        return (f"{self.agent_email}/token", self.agent_token)


@dataclass(frozen=True)
class FileRules:
    """How the account keeps and serves files (docs/sandbox.md, "Files").

    ``private_attachments``: Zendesk's secure downloads: ``content_url`` needs the account's
    credentials and answers 302 to a signed URL on another host (a second loopback port),
    which refuses a request carrying ``Authorization`` and expires after
    ``signed_url_lifetime`` seconds of the sandbox clock. Upload tokens live
    ``upload_token_lifetime`` seconds (Zendesk: 60 minutes); a file over
    ``max_upload_size`` bytes, or whose extension is not in ``allowed_file_types`` (None:
    every type), is refused. ``upload_dir`` keeps uploaded bytes (default: the state
    directory's ``uploads/``, else a temporary directory removed when the sandbox stops).
    """

    private_attachments: bool = False
    signed_url_lifetime: float = 60.0
    upload_token_lifetime: float = 3600.0
    max_upload_size: int = 50 * 1024 * 1024
    allowed_file_types: tuple[str, ...] | None = None
    upload_dir: str | Path | None = None


@dataclass
class SandboxConfig:
    """How the sandbox account behaves. Every field has a default that suits tests.

    ``rate_limits`` maps a bucket (see ``KNOWN_BUCKETS``) to
    ``(requests per window, window seconds)``; a missing bucket or a limit of 0 means
    unlimited, so ``rate_limits={}`` turns limiting off.

    ``people`` switches the realistic account on (the default): users, groups,
    organizations, brands, forms and fields behind every id, and imports and updates as
    strict as Zendesk's. ``people=False`` is the idealised account the tap and target
    suites were first written against: no people or structure, any positive id accepted.

    Two accounts overlap like two real ones when they share ``universe`` and have different
    ``account`` numbers: their ids never coincide, and about ``overlap`` of their people
    (by e-mail) and structure (by name or title) exist in both. ``pair_configs`` builds such
    a pair.

    ``empty`` makes a new account as Zendesk creates it (its admin, default group, brand
    and form, the system fields; see generated/new_account.py), with no tickets unless
    ``tickets`` says otherwise. ``agent_seats`` limits the agents and admins (None: five
    on a new account, the generated ones plus ten on another).
    """

    tickets: int = -1  # -1: 300, or 0 on an empty account (__post_init__)
    seed: int = 1
    job_delay: float = 0.5  # seconds from queued to done for a bulk-import job
    exclusion_window: float = 60.0  # the export leaves out this many most recent seconds
    rate_limits: dict[str, tuple[int, float]] = field(default_factory=default_rate_limits)
    host: str = "127.0.0.1"
    port: int = 0
    max_jobs: int = 30  # queued or working jobs at once before TooManyJobs; 0 = no cap
    page_limit: int = 1000  # the largest per_page the export honours
    credentials: Credentials = field(default_factory=Credentials)
    people: bool = True
    account: int = 0  # 0..99: where this account's ids lie; accounts of a pair differ
    universe: int = 0  # seed of what overlapping accounts share
    overlap: float = 0.8  # share of people and structure that exists in the other account
    search_delay: float = 60.0  # seconds before a ticket change shows in search
    state_dir: str | Path | None = None  # keep the account's changes here between runs
    # Seconds an OAuth token lives (Zendesk's defaults; tests set a second or two).
    access_token_lifetime: float = 1800.0
    refresh_token_lifetime: float = 2_592_000.0
    # Whether ticket lists and show_many honour include=comment_count. Zendesk documents
    # it as a ticket side-load, but recorded answers show it on the export only; False
    # leaves it out everywhere but the export (the export always honours it).
    comment_count_outside_export: bool = True
    # Whether the account has the Collaboration add-on: side conversations. Without it,
    # their endpoint is not on the plan (404 InvalidEndpoint).
    collaboration: bool = True
    # Bulk user imports (users/create_or_update_many): Zendesk answers 403 until its support
    # enables them for the account.
    bulk_user_import: bool = False
    # OAuth lifetimes a token request may ask for (expires_in, refresh_token_expires_in):
    # Zendesk's documented bounds; tests lower them to ask for a second or two.
    access_token_lifetime_range: tuple[float, float] = (300.0, 172_800.0)
    refresh_token_lifetime_range: tuple[float, float] = (604_800.0, 7_776_000.0)

    # Variations real accounts show (docs/sandbox.md, "Switches"). The defaults follow the
    # recorded answers of 2024; each switch turns one variation on.
    rate_limit_headers: bool = True  # False: no X-Rate-Limit*, ratelimit-*, zendesk-ratelimit-*
    too_many_jobs_retry_after: bool = True  # False: TooManyJobs comes without Retry-After
    job_types: bool = True  # False: job statuses without job_type (as recorded in 2023)
    job_queue_time: float = 0.0  # seconds a job stays queued before its job_delay starts
    failing_job_lookups: bool = False  # True: job_statuses/{id} and show_many find no job
    # Other clients' jobs: this many started with the account, the last done after
    # foreign_job_time seconds (they finish one after another), holding job slots meanwhile.
    foreign_jobs: int = 0
    foreign_job_time: float = 3.0

    # A new account as Zendesk creates it, to copy into (generated/new_account.py).
    empty: bool = False
    agent_seats: int | None = None  # None: the default of the account's kind

    # Attachment files: downloads, uploads, private attachments (see FileRules).
    files: FileRules = field(default_factory=FileRules)

    def __post_init__(self) -> None:
        if self.tickets == -1:
            self.tickets = 0 if self.empty else 300
