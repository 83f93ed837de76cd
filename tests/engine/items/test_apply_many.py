"""`apply_many`, the batched one writer: a batch gives exactly the rows, events and hashes
that the same moves give fired one by one through `apply`, on SQLite and PostgreSQL, and a
move that fails does not sink the others."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from engine.errors import InvalidData, LeadflowError, NotFound, TransitionRefused
from engine.items import Move, Outcome, apply, apply_many, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, SCHEDULE
from tests.engine.helpers import events, item_row, jid

OFFICE = "市办-线索组"
CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "dismiss"}
ACCEPT = {"disposal": "preliminary_check"}
POOL = 3
MOVES: list[tuple[str, dict[str, Any]]] = [
    ("transfer", {"unit": "city-police"}), ("accept", ACCEPT), ("suspend", {"reason": "等待鉴定"}),
    ("resume", {}), ("close", CLOSE), ("reopen", {"reason": "出现新证据"}),
    ("return_for_info", {"reason": "缺材料"}), ("resubmit", {}),
    ("close", {}),                      # InvalidData: required fields missing
    ("remind", {"kind": "remind"}),     # TransitionRefused: a system trigger
    ("merge", {"merge_into": 0}),       # names another item: the batch goes one by one
]


def _pool(rt: Runtime, office: Actor) -> list[int]:
    city = jid(rt, "5101")
    return [create_item(rt, actor=office, workflow="lead", jurisdiction_id=city,
                        title=f"批量线索 {i}",
                        data={"channel": "letter", "category": "law_enforcement"}).item_id
            for i in range(POOL)]


def _moves(ids: list[int], picks: Sequence[tuple[int, int, int | None]]) -> list[Move]:
    out = []
    for which, move, version in picks:
        trigger, data = MOVES[move]
        item_id = ids[which] if which < len(ids) else 10**6  # one past the pool: NotFound
        if trigger == "merge":
            data = {"merge_into": ids[(which + 1) % len(ids)]}
        out.append(Move(item_id=item_id, trigger=trigger, data=data,
                        expected_version=version))
    return out


@contextmanager
def _undone(rt: Runtime) -> Iterator[Connection]:
    """A write transaction that is rolled back: each side starts from the same rows."""
    with rt.db.connect() as conn:
        conn = conn.execution_options(leadflow_write=True)
        tx = conn.begin()
        try:
            yield conn
        finally:
            tx.rollback()


def _state(conn: Connection, ids: list[int]) -> tuple[list[Any], list[Any], list[Any]]:
    rows = conn.execute(select(ITEM).where(ITEM.c.id.in_(ids)).order_by(ITEM.c.id)).all()
    evs = conn.execute(select(EVENT).where(EVENT.c.item_id.in_(ids))
                       .order_by(EVENT.c.item_id, EVENT.c.seq)).all()
    sched = conn.execute(select(SCHEDULE).where(SCHEDULE.c.item_id.in_(ids))
                         .order_by(SCHEDULE.c.item_id)).all()
    return ([tuple(r) for r in rows], [tuple(e)[1:] for e in evs],  # event ids aside
            [tuple(s) for s in sched])


def _same(outcome: Outcome) -> Any:
    if isinstance(outcome, LeadflowError):
        return (type(outcome).__name__, str(outcome))
    return outcome


def _one_by_one(rt: Runtime, conn: Connection, actor: Actor,
                moves: Sequence[Move]) -> list[Outcome]:
    out: list[Outcome] = []
    for m in moves:
        try:
            with conn.begin_nested():
                out.append(apply(rt, actor=actor, item_id=m.item_id, trigger=m.trigger,
                                 data=m.data, expected_version=m.expected_version,
                                 conn=conn))
        except LeadflowError as exc:
            out.append(exc)
    return out


PICKS = st.lists(st.tuples(st.integers(0, POOL), st.integers(0, len(MOVES) - 1),
                           st.one_of(st.none(), st.integers(1, 4))), max_size=14)


def test_a_batch_writes_what_the_same_moves_one_by_one_write(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    office = actors[OFFICE]
    ids = _pool(rt, office)

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(picks=PICKS)
    def check(picks: list[tuple[int, int, int | None]]) -> None:
        moves = _moves(ids, picks)
        with _undone(rt) as conn:
            batch = apply_many(rt, actor=office, moves=moves, conn=conn)
            after_batch = _state(conn, ids)
        with _undone(rt) as conn:
            single = _one_by_one(rt, conn, office, moves)
            after_single = _state(conn, ids)
        with _undone(rt) as conn:  # two of the rows read by the caller (the sweep's way)
            given = {r.id: r for r in conn.execute(select(ITEM).where(ITEM.c.id.in_(ids[:2])))}
            handed = apply_many(rt, actor=office, moves=moves, conn=conn, rows=given)
            after_handed = _state(conn, ids)
        assert [_same(o) for o in batch] == [_same(o) for o in single]
        assert [_same(o) for o in handed] == [_same(o) for o in single]
        assert after_batch == after_single == after_handed

    check()


def test_a_failing_move_does_not_sink_the_others(rt: Runtime,
                                                  actors: dict[str, Actor]) -> None:
    office = actors[OFFICE]
    a, b, c = _pool(rt, office)
    seen: list[int] = []
    out = apply_many(rt, actor=office, moves=[
        Move(item_id=a, trigger="transfer", data={"unit": "city-police"},
             after=lambda _c, ch: seen.append(ch.item_id)),
        Move(item_id=b, trigger="close", data=CLOSE),          # not from `received`
        Move(item_id=c, trigger="transfer", data={}),          # unit is required
        Move(item_id=10**6, trigger="accept"),
        Move(item_id=a, trigger="accept", data=ACCEPT),        # follows the transfer
    ])
    assert [type(o) for o in out[1:4]] == [TransitionRefused, InvalidData, NotFound]
    assert seen == [a]
    assert item_row(rt, a).state == "investigating"
    assert [e.trigger for e in events(rt, a)] == ["create", "transfer", "accept"]
    assert (item_row(rt, b).version, item_row(rt, c).version) == (1, 1)


def test_rows_handed_in_must_be_whole_rows_of_the_same_transaction(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    """A row without every item column, or rows with no transaction to have been read in,
    are refused before anything is written."""
    office = actors[OFFICE]
    a = _pool(rt, office)[0]
    move = Move(item_id=a, trigger="transfer", data={"unit": "city-police"})
    with _undone(rt) as conn:
        part = {r.id: r for r in conn.execute(select(ITEM.c.id, ITEM.c.version)
                                              .where(ITEM.c.id == a))}
        with pytest.raises(ValueError, match="lack"):
            apply_many(rt, actor=office, moves=[move], conn=conn, rows=part)
    with pytest.raises(ValueError, match="stale"):
        apply_many(rt, actor=office, moves=[move], rows={})
    assert item_row(rt, a).version == 1
