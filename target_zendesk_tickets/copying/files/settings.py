"""The settings of files: whether they are copied, where the tap leaves them, and what a file
that cannot be copied does to the run."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from singer_sdk import typing as th

SKIP, STOP = "skip", "stop"
#: The spool tap-zendesk-tickets writes to unless its fileSpool says otherwise.
DEFAULT_SPOOL = Path(tempfile.gettempdir()) / "zendesk-tickets-files"

FILE_PROPERTIES = (
    th.Property(
        "files",
        th.BooleanType,
        default=True,
        title="Files",
        description=(
            "Copy each comment's attachments (inline images too): tap-zendesk-tickets, on "
            "this machine, leaves them in `fileSpool` and says where in the comment record; "
            "each is uploaded to the destination just before the import or update that "
            "attaches it, and removed from the spool once its comment is in. `false`: "
            "comments are copied without their files (they are counted as not copied)."
        ),
    ),
    th.Property(
        "fileSpool",
        th.StringType,
        title="File spool",
        description=(
            "The directory tap-zendesk-tickets leaves files in (its own `fileSpool`); files "
            "are read from it and nowhere else. Default: `zendesk-tickets-files` in the "
            "system's temporary directory, as the tap's."
        ),
    ),
    th.Property(
        "onFileNotCopied",
        th.StringType(allowed_values=[SKIP, STOP]),
        default=SKIP,
        title="When a file cannot be copied",
        description=(
            "A file flagged as malware and not overridden, deleted, redacted, gone from the "
            "source or the spool, or refused by the destination's file type or size rules: "
            "`skip` copies its comment without it and names ticket, file and reason in the "
            "summary; `stop` stops the run before that ticket is sent."
        ),
    ),
)


@dataclass(frozen=True)
class FileSettings:
    enabled: bool = True
    spool: Path = DEFAULT_SPOOL
    on_not_copied: str = SKIP


def read_file_settings(config: Mapping[str, Any]) -> FileSettings:
    spool = config.get("fileSpool")
    return FileSettings(
        enabled=bool(config.get("files", True)),
        spool=Path(spool).expanduser()
        if isinstance(spool, str) and spool.strip()
        else DEFAULT_SPOOL,
        on_not_copied=str(config.get("onFileNotCopied") or SKIP),
    )
