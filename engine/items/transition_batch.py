"""The one writer, batched: `apply_many` fires many moves in one transaction, each checked,
decided, hashed and audited by the same code as `apply` (`transition._plan`), and writes
them together: one read of the batch's items, the versioned UPDATEs and the event INSERTs
each as one executemany. For the sweep's escalations and reminders, the console's bulk
actions and the importer.

A move that fails its checks gets its error back in its place and writes nothing; the
others still apply. Moves of the same item follow each other as separate `apply` calls
would: each starts from the row the one before leaves (kept in memory, not read back). A
caller that has just read the batch's items in its transaction (the sweep) hands them in
as `rows` instead of having them read twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from engine.deadlines import write_next_check
from engine.errors import LeadflowError, VersionConflict
from engine.items.transition import (
    _CALENDAR_REVISION,
    _INSERT_EVENT,
    _ITEM_IF_VERSION,
    AfterHook,
    Change,
    Planned,
    _apply,
    _event_row,
    _plan,
    _refers,
)
from engine.kernel import Actor, check_text, plain_json
from engine.runtime import Runtime
from engine.storage import ITEM, write_tx

log = structlog.get_logger("engine.items.transition")
_ITEMS_BY_IDS = select(ITEM, _CALENDAR_REVISION).where(
    ITEM.c.id.in_(bindparam("ids", expanding=True)))
_ITEM_KEYS = frozenset(ITEM.c.keys())


@dataclass(frozen=True, kw_only=True)
class Move:
    """One transition of a batch: the arguments `apply` takes for one item."""

    item_id: int
    trigger: str
    data: Mapping[str, Any] | None = None
    comment: str = ""
    expected_version: int | None = None
    system_values: Mapping[str, Any] | None = None
    after: AfterHook | None = None


Outcome = Change | LeadflowError


def apply_many(rt: Runtime, *, actor: Actor, moves: Sequence[Move],
               conn: Connection | None = None,
               rows: Mapping[int, Any] | None = None) -> list[Outcome]:
    """Fire `moves` as `actor`, in order, in one transaction (the caller's `conn`, or one of
    its own): for each move its Change, or the error `apply` would have raised for it
    (NotFound, TransitionRefused, RoleForbidden, InvalidData, VersionConflict), in the
    moves' order. A failed move writes nothing and does not stop the others. `after` hooks
    run once the batch is written, in order; an exception from one rolls the batch back.

    `rows` (with `conn` only): item id -> the item's row (every `item` column; extra columns
    are carried along) as the caller read it in this transaction with nothing written to
    the item since, so the batch does not read it again; items not in it are read. (A
    move planned on a row another writer changed meanwhile still fails its versioned
    UPDATE, and the batch then goes move by move from fresh reads.)"""
    if conn is None:
        if rows is not None:
            raise ValueError("rows read outside the batch's transaction may be stale")
        with write_tx(rt.db) as own:
            return _apply_many(own, rt, actor, moves, {})
    return _apply_many(conn, rt, actor, moves, rows or {})


def _apply_many(conn: Connection, rt: Runtime, actor: Actor, moves: Sequence[Move],
                given: Mapping[int, Any]) -> list[Outcome]:
    early: list[LeadflowError | None] = [None] * len(moves)  # refused before any read
    clean: list[dict[str, Any]] = []
    for i, move in enumerate(moves):
        try:
            clean.append(dict(plain_json(move.data)))
            check_text("comment", move.comment)
        except LeadflowError as exc:
            early[i] = exc
            if len(clean) == i:
                clean.append({})
    out: list[Outcome | None] = list(early)
    rows = _batch_rows(conn, given, {m.item_id for i, m in enumerate(moves) if out[i] is None})
    planned: list[tuple[int, Planned]] = []
    for i, move in enumerate(moves):
        if out[i] is not None:
            continue
        try:
            p = _plan(conn, rt, actor, rows.get(move.item_id), move.item_id, move.trigger,
                      clean[i], move.comment, move.expected_version, move.system_values,
                      annotation=False)
        except LeadflowError as exc:
            out[i] = exc
            continue
        if p.td is not None and _refers(p.td, p.data):
            # it writes another item's history too, which this batch may hold in memory:
            # the plain path, one move at a time, is the one that gets that right
            return _one_by_one(conn, rt, actor, moves, clean, early)
        rows[move.item_id] = p.row
        planned.append((i, p))
    try:
        with conn.begin_nested():
            _write_all(conn, [p for _, p in planned])
    except (VersionConflict, SQLAlchemyError):
        # another writer moved an item since the read (PostgreSQL): redo move by move,
        # so that only the moves it touched fail
        return _one_by_one(conn, rt, actor, moves, clean, early)
    for i, p in planned:
        if moves[i].after is not None:
            moves[i].after(conn, p.change)  # type: ignore[misc]
        out[i] = p.change
    _log_batch(actor, [p.change for _, p in planned], len(moves))
    return [o for o in out if o is not None]


def _batch_rows(conn: Connection, given: Mapping[int, Any], ids: set[int]) -> dict[int, Any]:
    """The batch's item rows: those the caller gave, the others read in one statement."""
    for row in given.values():  # one look: every row of a caller's read has the same keys
        missing = _ITEM_KEYS - set(row._mapping)
        if missing:
            raise ValueError(f"rows given to apply_many lack {sorted(missing)}")
        break
    rows = {i: given[i] for i in ids if i in given}
    unread = sorted(ids - rows.keys())
    if unread:
        rows.update((r.id, r) for r in conn.execute(_ITEMS_BY_IDS, {"ids": unread}))
    return rows


def _write_all(conn: Connection, planned: Sequence[Planned]) -> None:
    """The batch's writes: next checks (schedule rows first, the lock order of `apply`), one
    versioned UPDATE per item however many moves it had, the events in one executemany."""
    for p in planned:
        if p.next_check is not None:
            write_next_check(conn, **p.next_check)
    final: dict[int, dict[str, Any]] = {}
    for p in planned:  # later moves of an item overwrite what earlier ones set
        item_id = p.update["_item_id"]
        first = final.get(item_id)
        final[item_id] = p.update if first is None else {
            **first, **p.update, "_read_version": first["_read_version"]}
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for params in final.values():
        groups.setdefault(frozenset(params), []).append(params)
    sane = conn.dialect.supports_sane_multi_rowcount
    for group in groups.values():
        if sane or len(group) == 1:
            if _ITEM_IF_VERSION.executemany(conn, group) != len(group):
                raise VersionConflict(item_id=group[0]["_item_id"],
                                      expected=group[0]["_read_version"], actual=None)
            continue
        for params in group:  # pragma: no cover - both shipped drivers count executemany
            if _ITEM_IF_VERSION.execute(conn, params) != 1:
                raise VersionConflict(item_id=params["_item_id"],
                                      expected=params["_read_version"], actual=None)
    if planned:
        _INSERT_EVENT.executemany(conn, [_event_row(p.record, p.change.hash) for p in planned])


def _one_by_one(conn: Connection, rt: Runtime, actor: Actor, moves: Sequence[Move],
                clean: list[dict[str, Any]], early: list[LeadflowError | None]
                ) -> list[Outcome]:
    """Each move through `apply`'s own path under a savepoint of its own: slower, and what
    the batch falls back to when it cannot be written together."""
    done: list[Outcome] = []
    for i, move in enumerate(moves):
        refused = early[i]
        if refused is not None:
            done.append(refused)
            continue
        try:
            with conn.begin_nested():
                change = _apply(conn, rt, actor, move.item_id, move.trigger, clean[i],
                                move.comment, move.expected_version, move.system_values,
                                move.after, annotation=False)
        except LeadflowError as exc:
            done.append(exc)
            continue
        _log(actor, change)
        done.append(change)
    return done


def _log_batch(actor: Actor, changes: Sequence[Change], moves: int) -> None:
    """One line per batch: a line per move cost a sixth of the sweep (the audit trail
    holds every move)."""
    triggers: dict[str, int] = {}
    for change in changes:
        triggers[change.trigger] = triggers.get(change.trigger, 0) + 1
    log.info("transitions", actor=actor.label, applied=len(changes),
             refused=moves - len(changes), triggers=triggers)


def _log(actor: Actor, change: Change) -> None:
    log.info("transition", item_id=change.item_id, trigger=change.trigger,
             actor=actor.label, from_state=change.from_state, to_state=change.to_state,
             version=change.version)
