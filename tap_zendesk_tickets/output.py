"""Writing Singer messages with msgspec's JSON encoder, and reading export pages with its
decoder.

singer-sdk serialises every message with simplejson, and ``json.loads`` reads each page:
together most of the tap's own CPU time on a large export (``docs/performance.md``).
msgspec (singer-sdk's own ``msgspec`` extra) does both several times faster and writes the
same content: ``time_extracted`` keeps the SDK's spelling (``isoformat``, ``+00:00``), a
Decimal (from a STATE file) is written as a number. Text is written as UTF-8 rather than
``\\u`` escapes, except the three characters that Python's ``str.splitlines`` takes for
line ends (U+0085, U+2028, U+2029), so that every reader sees one message a line. A NaN,
which no JSON page can hold, would be written as ``null``.
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message, SingerMessageType

_NEWLINE = b"\n"
#: UTF-8 of characters ``str.splitlines`` breaks on, which msgspec leaves unescaped. In
#: UTF-8 each sequence can only be that character, and in JSON only inside a string.
_LINE_BREAKS = (
    (b"\xc2\x85", b"\\u0085"),
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
)


def _unknown(value: Any) -> Any:
    # Anything msgspec has no JSON form for (none is known to reach a message).
    return str(value)


_encoder = msgspec.json.Encoder(enc_hook=_unknown, decimal_format="number")
_decoder = msgspec.json.Decoder()


def loads(data: bytes) -> Any:
    """JSON bytes -> Python objects, like ``json.loads``; malformed input is a ValueError."""
    return _decoder.decode(data)


class FastSingerWriter(GenericSingerWriter[bytes, Message]):
    """Writes each message as one line of compact JSON on stdout.

    RECORD lines are left in the output buffer; every other message flushes it, so a
    STATE never waits in the buffer and the records before it are out when it is.
    """

    def serialize_message(self, message: Message) -> bytes:
        data = message.to_dict()
        extracted = data.get("time_extracted")
        if extracted is not None:
            data["time_extracted"] = extracted.isoformat(sep="T")  # as singer-sdk writes it
        line = _encoder.encode(data)
        for raw, escaped in _LINE_BREAKS:
            if raw in line:
                line = line.replace(raw, escaped)
        return line

    def write_message(self, message: Message) -> None:
        line = self.format_message(message) + _NEWLINE
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            buffer.write(line)
        else:  # a text-only stdout (singer-sdk's test runner)
            out.write(line.decode())
        if message.type != SingerMessageType.RECORD:
            out.flush()
