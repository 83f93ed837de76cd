"""The canonical JSON encoding that audit hashes are computed over."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def timestamp(at: datetime) -> str:
    """A fixed-width UTC timestamp, identical after a round trip through either database."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
