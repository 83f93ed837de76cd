"""Item and event data as it is stored and hashed: plain JSON that reads back identically
from SQLite and from PostgreSQL, and that every reader can render.

PostgreSQL's JSONB keeps numbers as decimals, so a float written in exponent form (1e+20) comes
back as an integer and -0.0 comes back as 0.0; the event would then no longer match its hash
and `verify` would report tampering that never happened. JSONB also refuses NUL characters.
Normalising (or refusing) such values before anything is hashed keeps chains verifiable.

The limits are checked before anything is written, by every caller (API, CLI, scheduler):
data that SQLite would store but no response could render (a lone surrogate, nesting deeper
than the JSON encoders recurse) would otherwise break every list that holds the item."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from engine.errors import InvalidData

# Every double at or above 2**53 is an integer; Python writes those from 1e16 on in exponent
# form, which JSONB reads back as an integer.
_EXPONENT_FORM = 1e16

MAX_DEPTH = 16  # objects and lists nested in each other, the data object included
MAX_KEY_CHARS = 128
MAX_STRING_CHARS = 20_000  # a lead's allegation is the longest text item data holds
MAX_DATA_BYTES = 256 * 1024  # of the UTF-8 JSON
# Row ids are PostgreSQL `integer` columns (SQLite's are 64-bit): a larger number names no
# row, and comparing one with an id column makes PostgreSQL raise instead of finding nothing.
MAX_ROW_ID = 2**31 - 1


def plain_json(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `data` safe to store, hash and render, or InvalidData naming the offending
    (top-level) field."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidData("data must be a JSON object", fields={"data": "must be an object"})
    out = {_key(k, "data"): _value(v, str(k), 2) for k, v in data.items()}
    try:
        size = len(json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode())
    except ValueError:  # an integer too long for Python to write out
        raise InvalidData("data holds a number too large to store",
                          fields={"data": "number too large"}) from None
    if size > MAX_DATA_BYTES:
        raise InvalidData(f"data is {size} bytes of JSON; at most {MAX_DATA_BYTES} are kept",
                          fields={"data": f"at most {MAX_DATA_BYTES} bytes"})
    return out


def check_text(name: str, value: str) -> None:
    """Titles, comments and every string of item data: PostgreSQL text cannot hold NUL, and
    a lone surrogate (JSON's "\\ud800") is not Unicode that UTF-8 can write."""
    if "\x00" in value:
        raise InvalidData(f"{name} contains a NUL character", fields={name: "contains NUL"})
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidData(f"{name} contains a lone surrogate, which is not text",
                              fields={name: "contains a lone surrogate"}) from None


def is_row_id(value: Any) -> bool:
    """Whether `value` can be the id of a row on both databases (else it names none)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ROW_ID


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise InvalidData(f"{where}: keys must be strings, got {key!r}",
                          fields={where: "keys must be strings"})
    check_text(where, key)
    if len(key) > MAX_KEY_CHARS:
        raise InvalidData(f"{where}: a key is longer than {MAX_KEY_CHARS} characters",
                          fields={where: f"keys at most {MAX_KEY_CHARS} characters"})
    return key


def _value(value: Any, field: str, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        check_text(field, value)
        if len(value) > MAX_STRING_CHARS:
            raise InvalidData(f"{field} is longer than {MAX_STRING_CHARS} characters",
                              fields={field: f"at most {MAX_STRING_CHARS} characters"})
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidData(f"{field} is not a finite number", fields={field: "not finite"})
        if value == 0:
            return 0.0  # also -0.0
        return int(value) if abs(value) >= _EXPONENT_FORM else value
    if isinstance(value, Mapping | list | tuple) and depth > MAX_DEPTH:
        raise InvalidData(f"{field} nests more than {MAX_DEPTH} levels deep",
                          fields={field: f"at most {MAX_DEPTH} levels of nesting"})
    if isinstance(value, Mapping):
        return {_key(k, field): _value(v, field, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v, field, depth + 1) for v in value]
    raise InvalidData(f"{field} is not plain JSON ({type(value).__name__})",
                      fields={field: "must be a string, number, boolean, list or object"})
