"""The canonical JSON encoding that audit hashes are computed over."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from json import encoder as _json_encoder
from json.encoder import encode_basestring
from typing import Any

# Built once: json.dumps with non-default options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)
_encode = _ENCODER.encode


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder behind _ENCODER, without the per-call Python wrapper (same options).
_c_make_encoder: Any = getattr(_json_encoder, "c_make_encoder", None)
_c_iterencode: Any = (None if _c_make_encoder is None else _c_make_encoder(
    None, _refuse, encode_basestring, None, ":", ",", True, False, False))


def _encode_data(data: Mapping[str, Any]) -> str:
    if not data:
        return "{}"
    value = data if type(data) is dict else dict(data)
    return "".join(_c_iterencode(value, 0)) if _c_iterencode else _encode(value)


def timestamp(at: datetime) -> str:
    """A fixed-width UTC timestamp, identical after a round trip through either database:
    2026-03-02T01:00:00.000000Z (isoformat is several times faster than strftime)."""
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")[:26] + "Z"


def dumps(value: Any) -> bytes:
    return _encode(value).encode("utf-8")


def body_text(item_id: int | str, seq: int | str, at: str, actor: str, role: str,
              trigger: str, from_state: str | None, to_state: str, data: str, comment: str,
              workflow: str, version: int | str, prev: str, /) -> str:
    """The text of an audit event's hashed body from its parts in their canonical form: `at`
    as its `timestamp`, `data` as its `dumps` text, the numbers as ints (or their decimal
    text). The one place the body's layout is written: `event_body` builds on it, and
    verify calls it for every event, positionally (keywords were half the cost of a call).
    Keys in sorted order (actor, at, comment, data, from, item, prev, role, seq, to,
    trigger, version, workflow), so no dict is sorted and walked per event."""
    text = encode_basestring
    return (
        f'{{"actor":{text(actor)},"at":"{at}","comment":{text(comment)},"data":{data},'
        f'"from":{"null" if from_state is None else text(from_state)},'
        f'"item":{item_id},"prev":{text(prev)},"role":{text(role)},'
        f'"seq":{seq},"to":{text(to_state)},"trigger":{text(trigger)},'
        f'"version":{version},"workflow":{text(workflow)}}}'
    )


def event_body(*, item_id: int, seq: int, at: datetime | str, actor: str, role: str,
               trigger: str, from_state: str | None, to_state: str,
               data: Mapping[str, Any] | str,
               comment: str, workflow: str, version: int, prev: str) -> bytes:
    """`dumps` of an audit event's hashed body (`body_text`, encoded). `at` may be given
    already as its `timestamp` text, `data` as its `dumps` text (verify remembers that of a
    stored payload it saw before); the numbers must be ints (int.__repr__ refuses anything
    else). tests/bench/test_fast_paths.py checks the result equals `dumps` of the same
    dict."""
    return body_text(
        int.__repr__(item_id), int.__repr__(seq), at if isinstance(at, str) else timestamp(at),
        actor, role, trigger, from_state, to_state,
        data if isinstance(data, str) else _encode_data(data), comment, workflow,
        int.__repr__(version), prev).encode()
