"""Keep credentials out of every log line, whatever logger or level produced it.

Tokens are registered once, when the settings are read. From then on every log
record is rendered and scrubbed as it is created, so neither our own messages nor
those of requests, urllib3 or singer-sdk can carry a token to a handler.
"""

from __future__ import annotations

import logging
import threading

MASK = "<redacted>"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def register_secret(value: str | None) -> None:
    """Mask ``value`` in all log records from now on."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        _secrets.add(value)
        _install_record_factory()


def forget_secret(value: str | None) -> None:
    """Stop masking a short-lived secret that can no longer show up (an upload token once
    attached, a signed URL once fetched), so the list each log record is checked against
    stays as short as what is in flight. Credentials are never forgotten."""
    with _lock:
        _secrets.discard(value or "")


def redact(text: str) -> str:
    """Replace every registered secret in ``text``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _install_record_factory() -> None:
    global _installed  # noqa: PLW0603 - one factory per process
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def scrubbing_record_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if _secrets:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a malformed %-format; leave it to logging
                return record
            record.msg, record.args = redact(message), None
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                exc.args = tuple(redact(a) if isinstance(a, str) else a for a in exc.args)
        return record

    logging.setLogRecordFactory(scrubbing_record_factory)
    _installed = True
