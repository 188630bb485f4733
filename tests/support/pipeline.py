"""``tap-zendesk-tickets | <a target>`` through a real pipe, as a shell runs it (our target
unless told otherwise)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import TAP, TARGET, clean_env


@dataclass
class PipelineRun:
    tap_returncode: int
    target_returncode: int
    tap_stderr: str
    target_stdout: str
    target_stderr: str


def run_pipeline(
    tap_config: Path,
    target_config: Path,
    *,
    timeout: float = 120,
    tap_args: Sequence[str] = (),
    target: str = TARGET,
    env: dict[str, str] | None = None,
) -> PipelineRun:
    """Run the tap (with ``tap_args`` after its config) into ``target`` until both exit."""
    env = env or clean_env()
    errors = tap_config.with_name(f"{tap_config.stem}-stderr.txt")
    with errors.open("w") as tap_stderr:
        tap = subprocess.Popen(
            [TAP, "--config", str(tap_config), *tap_args],
            stdout=subprocess.PIPE,
            stderr=tap_stderr,
            env=env,
        )
        try:
            loaded = subprocess.run(
                [target, "--config", str(target_config)],
                stdin=tap.stdout,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        finally:
            assert tap.stdout is not None
            tap.stdout.close()  # a target that stopped early makes the tap see a closed pipe
            tap.wait(timeout=timeout)
    return PipelineRun(
        tap.returncode, loaded.returncode, errors.read_text(), loaded.stdout, loaded.stderr
    )
