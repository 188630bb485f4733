"""``tap-zendesk-tickets | target-zendesk-tickets`` through a real pipe, as a shell runs it."""

from __future__ import annotations

import subprocess
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


def run_pipeline(tap_config: Path, target_config: Path, *, timeout: float = 120) -> PipelineRun:
    """Run the tap into the target until both exit."""
    env = clean_env()
    errors = tap_config.with_name("tap-stderr.txt")
    with errors.open("w") as tap_stderr:
        tap = subprocess.Popen(
            [TAP, "--config", str(tap_config)], stdout=subprocess.PIPE, stderr=tap_stderr, env=env
        )
        try:
            target = subprocess.run(
                [TARGET, "--config", str(target_config)],
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
        tap.returncode, target.returncode, errors.read_text(), target.stdout, target.stderr
    )
