"""Item and event data as it is stored and hashed: plain JSON that reads back identically
from SQLite and from PostgreSQL.

PostgreSQL's JSONB keeps numbers as decimals, so a float written in exponent form (1e+20) comes
back as an integer and -0.0 comes back as 0.0; the event would then no longer match its hash
and `verify` would report tampering that never happened. JSONB also refuses NUL characters.
Normalising (or refusing) such values before anything is hashed keeps chains verifiable."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from engine.errors import InvalidData

# Every double at or above 2**53 is an integer; Python writes those from 1e16 on in exponent
# form, which JSONB reads back as an integer.
_EXPONENT_FORM = 1e16


def plain_json(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `data` safe to store and hash, or InvalidData naming the offending field."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidData("data must be a JSON object", fields={"data": "must be an object"})
    return {_key(k, "data"): _value(v, str(k)) for k, v in data.items()}


def check_text(name: str, value: str) -> None:
    """Titles and comments: PostgreSQL text cannot hold NUL."""
    if "\x00" in value:
        raise InvalidData(f"{name} contains a NUL character", fields={name: "contains NUL"})


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise InvalidData(f"{where}: keys must be strings, got {key!r}",
                          fields={where: "keys must be strings"})
    check_text(where, key)
    return key


def _value(value: Any, field: str) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        check_text(field, value)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidData(f"{field} is not a finite number", fields={field: "not finite"})
        if value == 0:
            return 0.0  # also -0.0
        return int(value) if abs(value) >= _EXPONENT_FORM else value
    if isinstance(value, Mapping):
        return {_key(k, field): _value(v, field) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v, field) for v in value]
    raise InvalidData(f"{field} is not plain JSON ({type(value).__name__})",
                      fields={field: "must be a string, number, boolean, list or object"})
