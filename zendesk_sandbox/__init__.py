"""A local fake of one Zendesk account: cursor ticket export, bulk ticket import, job statuses.

Start one with ``zendesk-sandbox`` (see ``cli.py``) or in process::

    from zendesk_sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(tickets=1000)) as sandbox:
        print(sandbox.base_url)

docs/sandbox.md describes the endpoints, credentials, admin API and faults.
"""

from zendesk_sandbox.config import Credentials, SandboxConfig
from zendesk_sandbox.server import Sandbox

__all__ = ["Credentials", "Sandbox", "SandboxConfig"]
