"""JSON schemas of the streams, one ``<stream name>.json`` file each."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_schema(stream_name: str) -> dict[str, Any]:
    """A fresh copy of the stream's schema: each stream instance may widen its own."""
    text = resources.files(__name__).joinpath(f"{stream_name}.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
