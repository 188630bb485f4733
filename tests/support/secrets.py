"""Every secret a run against sandbox accounts could leak, for tests that search its output."""

from __future__ import annotations

from zendesk_sandbox import Credentials, Sandbox

FIXED_SECRETS = (
    Credentials.admin_token,
    Credentials.oauth_token,
    Credentials.agent_token,
    Credentials.readonly_oauth_token,
    Credentials.oauth_client_secret,
)


def every_secret(*sandboxes: Sandbox) -> list[str]:
    """The fixed credentials and every access or refresh token the sandboxes handed out."""
    issued = [token for sandbox in sandboxes for token in sandbox.oauth.issued_tokens()]
    return [*FIXED_SECRETS, *issued]


def assert_no_secret(text: str, *sandboxes: Sandbox, extra: tuple[str, ...] = ()) -> None:
    for secret in (*every_secret(*sandboxes), *extra):
        assert secret not in text, "a secret is in the output"
