"""Keep the README's settings tables equal to what ``--about --format=markdown`` prints.

``python scripts/readme_settings.py`` rewrites the tables between the markers
``<!-- settings:<plugin>:start -->`` and ``<!-- settings:<plugin>:end -->``;
``--check`` only reports a difference (exit 1), which ``tests/test_readme.py`` relies on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PLUGINS = ("tap-zendesk-tickets", "target-zendesk-tickets")


def settings_table(plugin: str) -> str:
    """The settings table of ``<plugin> --about --format=markdown``."""
    executable = Path(sys.executable).parent / plugin
    about = subprocess.run(
        [str(executable), "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line for line in about.splitlines() if line.startswith("|")]
    return "\n".join(rows)


def render(readme: str) -> str:
    for plugin in PLUGINS:
        pattern = re.compile(
            rf"(<!-- settings:{plugin}:start -->\n).*?(<!-- settings:{plugin}:end -->)",
            re.DOTALL,
        )
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no settings markers for {plugin}")
        table = settings_table(plugin)
        readme = pattern.sub(lambda match, table=table: f"{match[1]}{table}\n{match[2]}", readme)
    return readme


def main() -> int:
    current = README.read_text()
    wanted = render(current)
    if "--check" in sys.argv:
        if wanted != current:
            print("README.md settings tables differ from --about; run: make readme")
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
