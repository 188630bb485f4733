"""Where downloaded attachments wait for the target: the spool directory on this machine.

Tap and target run on one machine (a pipe, ``meltano run``), so a file travels through a
directory both agree on: ``<fileSpool>/<source host>/<attachment id>``, ``fileSpool``
being ``<system temp>/zendesk-tickets-files`` unless set. The comment record says where
each file is; target-zendesk-tickets uploads it from there and removes it once its comment
is safely in the destination.

A file is written as ``<id>.<pid>.part`` and renamed when complete, so a reader never sees
half a file, and a run killed mid-download leaves only a ``.part`` behind. A file that is
there already with the size Zendesk gives is used as it is: a run resumed after a crash
finds what the crashed one fetched. Nothing is left to pile up: at the start of a run,
``.part`` files (one tap per account runs at a time) and files untouched for
:data:`KEEP_FOR` (their comment was never copied: the run that fetched them died, or the
records went to another target) are removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

#: The spool both plugins use unless ``fileSpool`` says otherwise.
DEFAULT_ROOT = Path(tempfile.gettempdir()) / "zendesk-tickets-files"
#: Files untouched for this long belong to no run that can still need them.
KEEP_FOR = 24 * 3600.0
PART = ".part"


class SpoolError(Exception):
    """The spool directory cannot be written (``str()`` names it and the setting)."""


def host_directory(root: Path, base_url: str) -> Path:
    """``<root>/<host>``: the account's own directory (``acme.zendesk.com``,
    ``127.0.0.1_8123``)."""
    host = urlsplit(base_url).netloc.lower() or "zendesk"
    return root / re.sub(r"[^a-z0-9.-]", "_", host)


class SpoolFile:
    """A file being written into the spool: a disk that fails says so as a SpoolError (any
    other error, such as a download cut short, passes as it is)."""

    def __init__(self, out: IO[bytes], error: Callable[[OSError], SpoolError]) -> None:
        self._out = out
        self._error = error

    def write(self, chunk: bytes) -> None:
        try:
            self._out.write(chunk)
        except OSError as exc:
            raise self._error(exc) from None


class FileSpool:
    """One source account's spool directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._ready = False

    def path(self, attachment_id: int) -> Path:
        return self.directory / str(attachment_id)

    def found(self, attachment_id: int, size: int | None) -> tuple[Path, int] | None:
        """The file and its size, when a run fetched it already (complete: the size Zendesk
        gives)."""
        self._prepare()
        path = self.path(attachment_id)
        try:
            there = path.stat().st_size
        except OSError:
            return None
        if size is not None and there != size:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # in use again: not swept as stale
        return path, there

    @contextlib.contextmanager
    def writing(self, attachment_id: int) -> Iterator[SpoolFile]:
        """A file to write the download into; it becomes the spooled file only when the
        block ends without error (a failed download leaves nothing behind)."""
        self._prepare()
        final = self.path(attachment_id)
        part = final.with_name(f"{final.name}.{os.getpid()}{PART}")
        try:
            out = part.open("wb")
        except OSError as exc:
            raise self._error(attachment_id, exc) from None
        try:
            with out:
                yield SpoolFile(out, lambda exc: self._error(attachment_id, exc))
            try:
                part.replace(final)
            except OSError as exc:
                raise self._error(attachment_id, exc) from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise

    def _error(self, attachment_id: int, exc: OSError) -> SpoolError:
        return SpoolError(
            f"Could not write attachment {attachment_id} into the file spool "
            f"{self.directory}: {exc.strerror or exc}. Free some space or set fileSpool to "
            "another directory (the same for tap and target), then run again"
        )

    def _prepare(self) -> None:
        """Make the directory, and sweep what earlier runs left (once a run)."""
        if self._ready:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise SpoolError(
                f"Could not create the file spool {self.directory}: {exc.strerror or exc}. "
                "Set fileSpool to a directory this user may write (the same for tap and target)"
            ) from None
        self._ready = True
        self.sweep()

    def sweep(self, now: float | None = None) -> int:
        """Remove ``.part`` files and files untouched for ``KEEP_FOR``; how many."""
        now = time.time() if now is None else now
        removed = 0
        for entry in self.directory.iterdir():
            try:
                stale = entry.name.endswith(PART) or now - entry.stat().st_mtime > KEEP_FOR
                if entry.is_file() and stale:
                    entry.unlink()
                    removed += 1
            except OSError:
                continue  # gone meanwhile, or not ours to remove
        if removed:
            logger.info("Removed %d files earlier runs left in %s", removed, self.directory)
        return removed
