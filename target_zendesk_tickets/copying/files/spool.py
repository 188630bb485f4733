"""The spool the tap leaves files in: paths checked to lie inside it, files removed from it.

A record names a file by its path. The target reads only files inside its ``fileSpool``
(symbolic links resolved): a path elsewhere is either a ``fileSpool`` that differs from the
tap's or input that is not to be trusted, and stops the run rather than upload an arbitrary
file of this machine to Zendesk.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from target_zendesk_tickets.errors import TargetError

logger = logging.getLogger(__name__)


class OutsideSpoolError(TargetError):
    """A record names a file outside ``fileSpool``."""


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved = root.resolve()
        self.removed = 0

    def resolve(self, path: str, who: str) -> Path:
        """The file ``path`` names, once it is known to lie in the spool."""
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self._resolved):
            raise OutsideSpoolError(
                f"The comment record of {who} puts a file at {path}, outside fileSpool "
                f"({self.root}): the target reads files from its fileSpool only. Give "
                "tap-zendesk-tickets and target-zendesk-tickets the same fileSpool, then run "
                "again from the last STATE"
            )
        return resolved

    def holds(self, path: str) -> bool:
        """Whether ``path`` lies inside the spool."""
        return Path(path).resolve().is_relative_to(self._resolved)

    def remove(self, path: Path) -> None:
        """Remove a file whose comment needs it no more (gone already is fine)."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            self.removed += 1
