"""Item data has limits, checked before anything is written by every caller (API, CLI,
scheduler): nesting, the length of strings and keys, the size of the whole, and text that is
not Unicode (a lone surrogate). Data past them is InvalidData and changes nothing; data within
them is stored, read back and rendered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.errors import InvalidData
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.kernel.plain_json import (
    MAX_DATA_BYTES,
    MAX_DEPTH,
    MAX_KEY_CHARS,
    MAX_STRING_CHARS,
    check_text,
    plain_json,
)
from engine.runtime import Runtime
from tests.engine.helpers import event_count, events, item_row, jid
from tests.fixtures.workflows import runtime_with

OFFICE = "市办-线索组"
LEAD = {"channel": "letter", "category": "violation"}
# Items hold only declared fields: this workflow declares free-form ones, so the limits of
# plain JSON are what stands between a caller and the stored row.
LIMITS = """\
name: limits
version: 1
create_roles: [office]
fields:
  x: {type: list, label: 列表, create_roles: [office]}
  s: {type: text, label: 文本, create_roles: [office]}
  emoji: {type: text, label: 表情, create_roles: [office]}
states:
  open: {initial: true}
  done: {final: true}
transitions:
  - {trigger: finish, source: open, dest: done, roles: [office]}
"""


@pytest.fixture
def rt(db_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Runtime]:
    """The shipped workflows plus `limits`, with the example org."""
    with runtime_with(db_url, clock, tmp_path / "workflows", {"limits.yaml": LIMITS}) as r:
        yield r


def nested(depth: int) -> Any:
    """A list nested `depth` levels deep (depth 1 is a flat list)."""
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


TOO_MUCH: list[tuple[str, dict[str, Any], str]] = [
    ("deep", {"x": nested(MAX_DEPTH)}, "x"),  # with the data object: MAX_DEPTH + 1 levels
    ("deep enough to break the JSON encoders", {"x": nested(300)}, "x"),
    ("long string", {"x": "长" * (MAX_STRING_CHARS + 1)}, "x"),
    ("long key", {"k" * (MAX_KEY_CHARS + 1): 1}, "data"),
    ("nested long key", {"x": {"k" * (MAX_KEY_CHARS + 1): 1}}, "x"),
    ("large", {f"f{i}": "a" * 10_000 for i in range(MAX_DATA_BYTES // 10_000 + 1)}, "data"),
    ("lone surrogate", {"x": "a\ud800b"}, "x"),
    ("lone surrogate key", {"x\udfff": 1}, "data"),
    ("lone surrogate deep inside", {"x": [{"y": "\udc00"}]}, "x"),
    ("an integer too long to write out", {"x": 10**5000}, "data"),
]


@pytest.mark.parametrize(("data", "field"), [(d, f) for _, d, f in TOO_MUCH],
                         ids=[name for name, _, _ in TOO_MUCH])
def test_data_past_a_limit_is_refused_naming_the_field(data: dict[str, Any],
                                                       field: str) -> None:
    """Each limit is an InvalidData that names the (top-level) field, or `data` as a whole."""
    with pytest.raises(InvalidData) as info:
        plain_json(data)
    assert field in info.value.fields


def test_data_at_the_limits_is_kept_as_given() -> None:
    """Exactly MAX_DEPTH levels, a string and a key of the longest lengths are plain JSON."""
    data = {"x": nested(MAX_DEPTH - 1), "s": "长" * MAX_STRING_CHARS,
            "k" * MAX_KEY_CHARS: "ok", "emoji": "😀"}
    assert plain_json(data) == data


@pytest.mark.parametrize("text", ["a\ud800", "\udfffb"])
def test_titles_and_comments_refuse_lone_surrogates(text: str) -> None:
    with pytest.raises(InvalidData) as info:
        check_text("title", text)
    assert info.value.fields == {"title": "contains a lone surrogate"}


@pytest.mark.parametrize(("data", "field"), [(d, f) for _, d, f in TOO_MUCH],
                         ids=[name for name, _, _ in TOO_MUCH])
def test_a_transition_past_a_limit_writes_nothing(rt: Runtime, actors: dict[str, Actor],
                                                  data: dict[str, Any], field: str) -> None:
    """On both databases: refused before the transaction, so no event, no state change."""
    office = actors[OFFICE]
    item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="限额", data=LEAD).item_id
    before = event_count(rt)
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=office, item_id=item, trigger="return_for_info",
              data={"reason": "补充材料"} | data)
    assert field in info.value.fields
    assert event_count(rt) == before
    assert item_row(rt, item).state == "received"


def test_a_creation_past_a_limit_writes_nothing(rt: Runtime, actors: dict[str, Actor]) -> None:
    before = event_count(rt)
    with pytest.raises(InvalidData):
        create_item(rt, actor=actors[OFFICE], workflow="lead", jurisdiction_id=jid(rt, "5101"),
                    title="限额", data={"x": nested(300)})
    with pytest.raises(InvalidData):
        create_item(rt, actor=actors[OFFICE], workflow="lead", jurisdiction_id=jid(rt, "5101"),
                    title="a\ud800")
    assert event_count(rt) == before


def test_data_within_the_limits_reads_back_and_renders(rt: Runtime,
                                                       actors: dict[str, Actor]) -> None:
    """The largest accepted strings and nesting survive both databases unchanged and can be
    written as the UTF-8 JSON a response is."""
    data = {"x": nested(MAX_DEPTH - 1), "s": "长" * MAX_STRING_CHARS, "emoji": "😀"}
    item = create_item(rt, actor=actors[OFFICE], workflow="limits",
                       jurisdiction_id=jid(rt, "5101"), title="限额", data=data).item_id
    stored = item_row(rt, item).data
    assert stored == data
    json.dumps(stored, ensure_ascii=False).encode("utf-8")
    assert events(rt, item)[0].data == data
