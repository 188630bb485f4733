"""Third-party tools installed by the tests themselves, each in its own virtualenv.

The virtualenvs are kept under ``.cache/tools`` so that a second run on the same machine
does not download again; a clean clone (CI) builds them from the package index.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "tools"


def tool_venv(name: str, *requirements: str) -> Path:
    """A virtualenv with ``requirements`` installed; returns its ``bin`` directory."""
    venv = CACHE / name
    marker = venv / ".installed"
    wanted = "\n".join(requirements)
    if not marker.exists() or marker.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements],
            check=True,
            timeout=900,
        )
        marker.write_text(wanted)
    return venv / "bin"
