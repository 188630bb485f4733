"""Two accounts that overlap like two real ones: the source and destination of a copy.

``pair_configs`` gives their settings: account numbers 0 and 1 (so no id of one is an id
of the other), one universe (so ``overlap`` of their people and structure exist in both),
and seeds of their own (so their tickets differ).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from zendesk_sandbox.config import SandboxConfig


def pair_configs(
    *,
    tickets: int = 300,
    destination_tickets: int = 0,
    universe: int = 0,
    overlap: float = 0.8,
    state_dir: str | Path | None = None,
    **common: object,
) -> tuple[SandboxConfig, SandboxConfig]:
    """``(source, destination)``; ``common`` settings (rate limits, ...) apply to both.

    With ``state_dir``, the two keep their state in its ``source`` and ``destination``
    subdirectories.
    """
    base = SandboxConfig(universe=universe, overlap=overlap, **common)  # type: ignore[arg-type]
    root = None if state_dir is None else Path(state_dir)
    source = dataclasses.replace(
        base,
        tickets=tickets,
        account=0,
        seed=base.seed,
        state_dir=None if root is None else root / "source",
    )
    destination = dataclasses.replace(
        base,
        tickets=destination_tickets,
        account=1,
        seed=base.seed + 1,
        state_dir=None if root is None else root / "destination",
    )
    return source, destination
