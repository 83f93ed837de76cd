"""Data that either database would alter or refuse is normalised or refused before it is
hashed, so an honest chain always verifies and bad input is a clear InvalidData."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.errors import InvalidData
from engine.items.audit import verify
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage.db import read_tx
from tests.conftest import START
from tests.engine.helpers import event_count, events, item_row, jid
from tests.fixtures.workflows import runtime_with

OFFICE = "市办-线索组"
# Items hold only declared fields; this one declares a number, so any JSON number can travel
# through item data and audit events.
MEASURE = """\
name: measure
version: 1
create_roles: [office]
fields:
  amount: {type: number, label: 金额}
states:
  open: {initial: true}
  done: {final: true}
transitions:
  - {trigger: finish, source: open, dest: done, roles: [office], sets: {amount: required}}
"""


@pytest.fixture
def rt(db_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Runtime]:
    """The shipped workflows plus `measure`, with the example org."""
    with runtime_with(db_url, clock, tmp_path / "workflows", {"measure.yaml": MEASURE}) as r:
        yield r


def new_lead(rt: Runtime, actor: Actor) -> int:
    return create_item(rt, actor=actor, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="数据", data={"channel": "letter", "category": "violation"}
                       ).item_id


def chain_ok(rt: Runtime, item: int) -> bool:
    with read_tx(rt.db) as conn:
        return verify(conn, item_ids=[item]).ok


@pytest.mark.parametrize("value", [1e20, -1e16, -0.0, 1.5e-7, 0.1 + 0.2, 2**70])
def test_numbers_read_back_the_same_and_verify(rt: Runtime, actors: dict[str, Actor],
                                               value: float) -> None:
    """Numbers PostgreSQL's JSONB would rewrite (1e+20, -0.0) still verify after storage."""
    item = create_item(rt, actor=actors[OFFICE], workflow="measure",
                       jurisdiction_id=jid(rt, "5101"), title="数据", data={"amount": value}
                       ).item_id
    apply(rt, actor=actors[OFFICE], item_id=item, trigger="finish", data={"amount": value})
    assert chain_ok(rt, item)
    assert item_row(rt, item).data["amount"] == value


@pytest.mark.parametrize(("value", "field"), [
    (float("nan"), "amount"), (float("inf"), "amount"), (START, "amount"),
    ("a\x00b", "amount"), ({"nested": {1: "x"}}, "amount"),
])
def test_data_that_is_not_plain_json_is_refused(rt: Runtime, actors: dict[str, Actor],
                                                value: Any, field: str) -> None:
    """NaN, infinity, datetimes, NUL characters and non-string keys are InvalidData."""
    item = new_lead(rt, actors[OFFICE])
    n = event_count(rt)
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="return_for_info",
              data={"reason": "x", field: value})
    assert field in info.value.fields
    assert event_count(rt) == n
    assert item_row(rt, item).state == "received"


def test_a_title_longer_than_the_column_is_refused(rt: Runtime,
                                                   actors: dict[str, Actor]) -> None:
    """A 501-character title is InvalidData on both databases, not a database error."""
    with pytest.raises(InvalidData) as info:
        create_item(rt, actor=actors[OFFICE], workflow="lead",
                    jurisdiction_id=jid(rt, "5101"), title="长" * 501)
    assert info.value.fields == {"title": "at most 500 characters"}


def test_a_nul_in_a_comment_is_refused(rt: Runtime, actors: dict[str, Actor]) -> None:
    """PostgreSQL text cannot hold NUL, so a comment with one is refused up front."""
    item = new_lead(rt, actors[OFFICE])
    with pytest.raises(InvalidData):
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="return_for_info",
              data={"reason": "x"}, comment="a\x00b")
    assert len(events(rt, item)) == 1
