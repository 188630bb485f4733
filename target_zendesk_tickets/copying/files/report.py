"""What became of the files of the comments a run sent: copied, or not and why."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

#: Files not copied named one by one in the summary (each is logged when it happens too).
LISTED = 50


@dataclass
class FilesReport:
    copied: int = 0
    copied_bytes: int = 0
    inline: int = 0
    #: How many files the sent comments could not take.
    not_copied_count: int = 0
    #: ``(where, file, reason)`` of the first :data:`LISTED` of them (each is logged when
    #: it happens: keeping them all would grow with the run).
    not_copied: list[tuple[str, str, str]] = field(default_factory=list)
    _said: set[str] = field(default_factory=set)  # reasons chosen by a setting, logged once

    def copied_file(self, size: int, *, inline: bool) -> None:
        self.copied += 1
        self.copied_bytes += size
        self.inline += inline

    def not_copied_file(self, where: str, file: str, reason: str, *, chosen: bool = False) -> None:
        """A file its comment went without; ``chosen``: because a setting says so, which is
        said once (at INFO) rather than warned about for every file."""
        self.not_copied_count += 1
        if len(self.not_copied) < LISTED:
            self.not_copied.append((where, file, reason))
        if not chosen:
            logger.warning("%s: %s is not copied: %s", where, file, reason)
        elif reason not in self._said:
            self._said.add(reason)
            logger.info("Comments are copied without their files: %s", reason)
        else:
            logger.debug("%s: %s is not copied: %s", where, file, reason)

    def lines(self, uploads: int, removed: int) -> list[str]:
        """The summary's lines, or none when no sent comment had a file."""
        if not self.copied and not self.not_copied_count:
            return []
        head = (
            f"Files: {self.copied} copied ({self.copied_bytes / 1e6:.1f} MB, "
            f"{self.inline} of them inline images; {uploads} upload requests), "
            f"{self.not_copied_count} not copied; {removed} removed from the file spool"
        )
        lines = [head]
        for where, file, reason in self.not_copied:
            lines.append(f"  not copied: {where}: {file}: {reason}")
        if self.not_copied_count > len(self.not_copied):
            more = self.not_copied_count - len(self.not_copied)
            lines.append(f"  not copied: ... and {more} more (each logged as it happened)")
        return lines
