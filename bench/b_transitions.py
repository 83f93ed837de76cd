"""Benchmark 1: durable transitions through `engine.items.transition.apply`, against the raw
driver doing the same reads and writes on the same schema (bench/raw_floor.py).

A pool of leads is brought to `investigating` through the engine; then engine and floor each
cycle their own half of the pool investigating → closed → investigating (close / reopen,
every one a full transaction with its audit event and deadline), in alternating rounds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench import raw_floor
from bench.env import NOW, actors, pg_schema, runtime
from bench.harness import Context, Result, alternate_spread, skipped
from engine.items import Move, apply, apply_many, create_item
from engine.kernel import Actor, ManualClock
from engine.org import jurisdiction_by_code
from engine.runtime import Runtime
from engine.storage import read_tx

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

NAME = "transitions"
POOL = 100  # items per side; transitions cycle over them
OFFICE = "市办-线索组"
SQLITE_TARGET = 0.5
PG_TARGET = 0.6
BATCH_TARGET = 0.8  # apply_many per transition, against the one-commit-per-transition floor


def _pool(rt: Runtime, office: Actor, n: int) -> list[int]:
    """`n` leads in `investigating`, created and moved by the engine itself."""
    with read_tx(rt.db) as conn:
        city = jurisdiction_by_code(conn, "5101").id
    ids = []
    for i in range(n):
        c = create_item(rt, actor=office, workflow="lead", jurisdiction_id=city,
                        title=f"基准线索 {i}",
                        data={"channel": "letter", "category": "law_enforcement"})
        apply(rt, actor=office, item_id=c.item_id, trigger="transfer",
              data={"unit": "city-police"})
        apply(rt, actor=office, item_id=c.item_id, trigger="accept", data=ACCEPT)
        ids.append(c.item_id)
    return ids


def _engine_runner(rt: Runtime, clock: ManualClock, office: Actor, ids: list[int],
                   n: int) -> Callable[[], float]:
    states = dict.fromkeys(ids, "investigating")
    tick = timedelta(milliseconds=1)

    def run() -> float:
        start = time.perf_counter()
        for i in range(n):
            item_id = ids[i % len(ids)]
            trigger, dest, data = raw_floor.next_move(states[item_id])
            clock.advance(tick)
            apply(rt, actor=office, item_id=item_id, trigger=trigger, data=data)
            states[item_id] = dest
        return n / (time.perf_counter() - start)

    return run


def _batch_runner(rt: Runtime, clock: ManualClock, office: Actor, ids: list[int],
                  n: int) -> Callable[[], float]:
    """`apply_many`: each batch moves every item of the pool once (close or reopen)."""
    states = dict.fromkeys(ids, "investigating")
    tick = timedelta(milliseconds=1)

    def run() -> float:
        start = time.perf_counter()
        done = 0
        while done < n:
            clock.advance(tick)
            moves = []
            for item_id in ids[:n - done]:
                trigger, dest, data = raw_floor.next_move(states[item_id])
                moves.append(Move(item_id=item_id, trigger=trigger, data=data))
                states[item_id] = dest
            out = apply_many(rt, actor=office, moves=moves)
            if any(isinstance(o, Exception) for o in out):
                raise RuntimeError(f"batch refused moves: {out[:3]}")
            done += len(moves)
        return n / (time.perf_counter() - start)

    return run


def _floor_runner(conn: Any, step: raw_floor.TransitionFn, clock: ManualClock, actor: str,
                  ids: list[int], n: int) -> Callable[[], float]:
    tick = timedelta(milliseconds=1)

    def run() -> float:
        start = time.perf_counter()
        for i in range(n):
            step(conn, ids[i % len(ids)], clock.advance(tick), actor)
        return n / (time.perf_counter() - start)

    return run


def _measure(ctx: Context, url: str, connect: Callable[[], Any],
             step: raw_floor.TransitionFn, label: str, target: float) -> list[Result]:
    clock = ManualClock(NOW)
    rt = runtime(url, clock)
    try:
        office = actors(rt)[OFFICE]
        engine_ids = _pool(rt, office, POOL)
        floor_ids = _pool(rt, office, POOL)
        batch_ids = _pool(rt, office, POOL)
        conn = connect()
        try:
            n = ctx.sizes.transitions
            rates, spread = alternate_spread(ctx.sizes.rounds, {
                "floor": _floor_runner(conn, step, clock, office.label, floor_ids, n),
                "engine": _engine_runner(rt, clock, office, engine_ids, n),
                "batch": _batch_runner(rt, clock, office, batch_ids, n),
            })
        finally:
            conn.close()
        _check_chains(rt)
    finally:
        rt.db.dispose()
    ratio = rates["engine"] / rates["floor"]
    batch = rates["batch"] / rates["floor"]
    details = {"transitions_per_round": ctx.sizes.transitions, "rounds": ctx.sizes.rounds,
               "pool": POOL, "spread": spread}
    return [Result(bench=NAME, case=f"{label}: apply() close/reopen", value=rates["engine"],
                   unit="tx/s", floor=rates["floor"], floor_label=f"tx/s raw {label}",
                   ratio=ratio, target=f">= {target} of floor", met=ratio >= target,
                   details=details),
            Result(bench=NAME, case=f"{label}: apply_many() close/reopen, {POOL} per batch",
                   value=rates["batch"], unit="tx/s", floor=rates["floor"],
                   floor_label=f"tx/s raw {label}, one commit each", ratio=batch,
                   target=f">= {BATCH_TARGET} of floor", met=batch >= BATCH_TARGET,
                   details=details)]


def _check_chains(rt: Runtime) -> None:
    """Both sides must have written chains the engine's verifier accepts."""
    from engine.items.audit import verify

    with read_tx(rt.db) as conn:
        report = verify(conn)
    if not report.ok:
        raise RuntimeError(f"benchmark left broken chains: {report.broken[:3]}")


def run(ctx: Context) -> list[Result]:
    path = ctx.workdir / "transitions.db"
    results = _measure(ctx, f"sqlite:///{path}", lambda: raw_floor.sqlite_connect(str(path)),
                       raw_floor.sqlite_transition, "SQLite", SQLITE_TARGET)
    if ctx.pg_url is None:
        results.append(skipped(NAME, "PostgreSQL: apply() close/reopen",
                               "LEADFLOW_TEST_PG_URL not set (run via make bench)"))
        return results
    with pg_schema(ctx.pg_url) as url:
        results += _measure(ctx, url, lambda: raw_floor.pg_connect(url),
                            raw_floor.pg_transition, "PostgreSQL", PG_TARGET)
    return results
