"""Plugin config files pointing at a sandbox account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.processes import write_json
from zendesk_sandbox import Credentials


def api_token_settings(base_url: str) -> dict[str, Any]:
    return {
        "domain": base_url,
        "userName": Credentials.admin_email,
        "apiToken": Credentials.admin_token,
    }


def tap_config(tmp_path: Path, base_url: str, *, name: str = "tap.json", **overrides: Any) -> Path:
    """Fast settings for tests: no pacing, millisecond backoff; override anything."""
    config: dict[str, Any] = {
        "zendesk": api_token_settings(base_url),
        "pollingPeriod": "0s",
        "retryBackoff": "5ms",
        "defaultRetryAfter": "20ms",
        "requestTimeout": "10s",
        # Downloaded attachments wait here, inside the test's own directory, and the
        # target's config points at the same place (harness.target_config).
        "fileSpool": str(tmp_path / "spool"),
    }
    config.update(overrides)
    return write_json(tmp_path / name, config)


def oauth_client_settings(base_url: str, **extra: Any) -> dict[str, Any]:
    """The sandbox's default OAuth client: the client-credentials grant."""
    return {
        "domain": base_url,
        "oauthClientId": Credentials.oauth_client_id,
        "oauthClientSecret": Credentials.oauth_client_secret,
        **extra,
    }


def refresh_token_settings(base_url: str, refresh_token: str, token_file: Path) -> dict[str, Any]:
    """The refresh-token grant of the sandbox's default client, keeping tokens in ``token_file``."""
    return oauth_client_settings(
        base_url, oauthRefreshToken=refresh_token, oauthTokenFile=str(token_file)
    )
