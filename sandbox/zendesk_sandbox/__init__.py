"""A local fake of a Zendesk account: its people, structure and conversations, the exports
that read them, and imports and updates as strict as Zendesk's.

Start one with ``zendesk-sandbox`` (see ``cli.py``) or in process::

    from zendesk_sandbox import Sandbox, SandboxConfig, pair_configs

    with Sandbox(SandboxConfig(tickets=1000)) as sandbox:
        print(sandbox.base_url)

    source_config, destination_config = pair_configs(tickets=1000, overlap=0.8)

docs/sandbox.md describes the endpoints, credentials, admin API and faults.
"""

from zendesk_sandbox.config import Credentials, SandboxConfig
from zendesk_sandbox.http.server import Sandbox
from zendesk_sandbox.pair import pair_configs

__all__ = ["Credentials", "Sandbox", "SandboxConfig", "pair_configs"]
