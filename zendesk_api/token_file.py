"""The token file of the refresh-token grant (``zendesk.oauthTokenFile``).

Each refresh hands out a new refresh token and invalidates the one before, so the newest
pair must outlive the run that got it. The file is JSON, mode 0600, and only ever replaced
whole (a temporary file beside it, fsync, ``os.replace``), so a crash leaves the old pair or
the new one, never half of each. The replacement is made ready before the refresh is asked
for: a folder that cannot be written to stops the run before the old pair is spent.

``descends_from`` is a SHA-256 fingerprint of the configured ``zendesk.oauthRefreshToken``
the pair was refreshed from: while the configuration still names that token, the file holds
its newest descendant and wins; a different configured token (a new authorization) wins
over the file. Nothing here is ever logged but the path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from zendesk_api.redaction import register_secret
from zendesk_api.token_endpoint import OAuthError

logger = logging.getLogger(__name__)

FORMAT = "zendesk-oauth-tokens"
VERSION = 1


def fingerprint(refresh_token: str) -> str:
    """Names a refresh token without revealing it (tokens are long random strings)."""
    return "sha256:" + hashlib.sha256(refresh_token.encode()).hexdigest()


@dataclass(frozen=True)
class StoredTokens:
    """One token pair as kept on disk; times are Unix seconds, ``None`` when unknown."""

    client_id: str
    descends_from: str
    issued_at: float
    refresh_token: str
    refresh_token_expires_at: float | None
    access_token: str | None
    access_token_expires_at: float | None
    scope: str | None

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any) -> StoredTokens:
        """Raises ValueError naming what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f'not a JSON object with "format": "{FORMAT}"')
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, this plugin writes {VERSION}")
        texts = ("client_id", "descends_from", "refresh_token")
        if not all(isinstance(data.get(name), str) and data[name] for name in texts):
            raise ValueError(f"one of {', '.join(texts)} is missing")
        return cls(
            client_id=data["client_id"],
            descends_from=data["descends_from"],
            issued_at=_number(data.get("issued_at")) or 0.0,
            refresh_token=data["refresh_token"],
            refresh_token_expires_at=_number(data.get("refresh_token_expires_at")),
            access_token=_text(data.get("access_token")),
            access_token_expires_at=_number(data.get("access_token_expires_at")),
            scope=_text(data.get("scope")),
        )


class TokenFile:
    """Reads and replaces the token file at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> StoredTokens | None:
        """The pair in the file, or None when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise OAuthError(
                f"Cannot read the token file {self.path} (zendesk.oauthTokenFile): "
                f"{exc.strerror or exc}"
            ) from None
        try:
            stored = StoredTokens.from_json(json.loads(text))
        except ValueError as exc:  # also JSONDecodeError; its message quotes no content
            raise OAuthError(
                f"The token file {self.path} (zendesk.oauthTokenFile) is not one this plugin "
                f"wrote: {_reason(exc)}. Remove it to start again from zendesk.oauthRefreshToken"
            ) from None
        register_secret(stored.refresh_token)
        register_secret(stored.access_token)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logger.warning(
                "The token file %s can be read by other users; it is replaced with mode 0600 "
                "at the next refresh",
                self.path,
            )
        return stored

    def reserve(self) -> PendingWrite:
        """A replacement made ready now, before the refresh that will fill it."""
        try:
            handle, temp = tempfile.mkstemp(  # mode 0600
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
        except OSError as exc:
            raise OAuthError(
                f"Cannot write beside the token file {self.path} (zendesk.oauthTokenFile): "
                f"{exc.strerror or exc}. Nothing was refreshed: the refresh token is still "
                "valid; make its folder writable, or choose another zendesk.oauthTokenFile"
            ) from None
        return PendingWrite(self.path, Path(temp), handle)


class PendingWrite:
    """A temporary file beside the token file; ``commit`` puts it in the file's place."""

    def __init__(self, path: Path, temp: Path, handle: int) -> None:
        self.path = path
        self._temp = temp
        self._handle: int | None = handle

    def commit(self, tokens: StoredTokens) -> None:
        """Write ``tokens`` and replace the file atomically; OSError if that failed."""
        handle, self._handle = self._handle, None
        if handle is None:
            raise RuntimeError("a pending token file is committed once")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(tokens.to_json(), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(self._temp, self.path)
        _sync_folder(self.path.parent)

    def __enter__(self) -> PendingWrite:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()  # left only when not committed


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk (POSIX).
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg} at line {exc.lineno})"
    return str(exc)
