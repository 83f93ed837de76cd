"""Benchmark 4: work queues through the engine's query layer (`engine.items.queries.list_items`)
on a generated province: the first page of a county handler's open-item queue (their unit's
leads, newest first) and of the city office's overdue list (earliest due first).

p95 latency over repeated first-page reads, at a small and a large size measured in
interleaved rounds (a p95 on this shared machine moves several times within minutes: the
sizes measured one after the other compared two loads, not two sizes); the growth is given
with its spread over the rounds. Floor: the same SQL statements the engine emitted (captured
from the engine), run by the sqlite3 module."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from sqlalchemy import event

from bench import datacache
from bench.env import NOW, actors
from bench.harness import Context, Result, percentile, skipped
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import make_engine, read_tx
from engine.workflow import registry_from_db

NAME = "queues"
TARGET_MS = 20.0
GROWTH = 2.0
HANDLER = "东城公安-承办人"
OFFICE = "市办-线索组"
PAGE = 50
BUDGET_S = 10.0
MIN_SAMPLES = 10
ROUNDS = 5


def _queues(actor_of: dict[str, Actor]) -> dict[str, tuple[Actor, Any, str]]:
    from engine.items.queries import ItemFilters

    handler = actor_of[HANDLER]
    return {
        "county handler's open queue": (
            handler, ItemFilters(workflow="lead", open=True, unit_id=handler.unit_id),
            "newest"),
        "city office's overdue list": (actor_of[OFFICE], ItemFilters(overdue=True), "due"),
    }


def _statements(db: Any, call: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The SQL (and parameters) the engine sends for one call."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append((statement, parameters))

    event.listen(db, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db, "before_cursor_execute", capture)
    return seen


def _latencies(fn: Callable[[], Any], samples: int, budget_s: float) -> list[float]:
    """Up to `samples` timings, but no more than `budget_s` of them once MIN_SAMPLES are in
    (a query with a bad plan at 1M items takes seconds each)."""
    out: list[float] = []
    spent = 0.0
    while len(out) < samples and (spent < budget_s or len(out) < MIN_SAMPLES):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
        spent += out[-1] / 1000
    return out


Calls = dict[str, tuple[Callable[[], int], Callable[[], None], int, int]]


def _calls(ds: datacache.DataSet, stack: ExitStack) -> Calls:
    """Per queue: the engine's call, the floor's (the SQL the engine sent, replayed with
    sqlite3), the rows of a page and the statements of a call. Closed by `stack`."""
    from engine.items.queries import list_items

    db = make_engine(ds.url)
    stack.callback(db.dispose)
    with read_tx(db) as conn:
        rt = Runtime(db=db, registry=registry_from_db(conn))
    people = actors(rt)
    raw = sqlite3.connect(f"file:{ds.path}?mode=ro", uri=True, check_same_thread=False)
    stack.callback(raw.close)
    out: Calls = {}
    for label, (actor, filters, order) in _queues(people).items():
        def engine_call(actor: Actor = actor, filters: Any = filters,
                        order: Any = order) -> int:
            with read_tx(db) as conn:
                page = list_items(conn, actor, filters, now=NOW, limit=PAGE, order=order)
            return len(page.rows)

        rows = engine_call()
        sql = _statements(db, engine_call)

        def floor_call(sql: list[tuple[str, Any]] = sql) -> None:
            for statement, params in sql:
                raw.execute(statement, params).fetchall()

        for _ in range(3):  # warm the page cache and the statement caches
            engine_call()
            floor_call()
        out[label] = (engine_call, floor_call, rows, len(sql))
    return out


def _measure(sizes: dict[str, Calls], samples: int) -> dict[str, dict[str, list[float]]]:
    """Timings of every queue at every size, in ROUNDS interleaved rounds (small, large,
    their floors, then again), so that the neighbours' load, which moves p95 by several
    times within minutes on this machine, falls on both sizes alike. Returns per queue and
    per "<size>" / "<size>-floor" all timings, and per round its p95 ("<size>-rounds")."""
    per_round = max(MIN_SAMPLES, samples // ROUNDS)
    out: dict[str, dict[str, list[float]]] = {}
    for _ in range(ROUNDS):
        for size, calls in sizes.items():
            for label, (engine_call, floor_call, _, _) in calls.items():
                seen = out.setdefault(label, {})
                times = _latencies(engine_call, per_round, BUDGET_S / ROUNDS)
                seen.setdefault(size, []).extend(times)
                seen.setdefault(f"{size}-rounds", []).append(percentile(times, 95))
                seen.setdefault(f"{size}-floor", []).extend(
                    _latencies(floor_call, per_round, BUDGET_S / ROUNDS))
    return out


def run(ctx: Context) -> list[Result]:
    try:
        import engine.items.queries  # noqa: F401
    except ModuleNotFoundError:
        return [skipped(NAME, "queues", "engine/items/queries.py is not there yet")]
    small_n, large_n = ctx.sizes.queue_small, ctx.sizes.queue_large
    with ExitStack() as stack:
        sizes = {"small": _calls(datacache.dataset("mixed", small_n, small_n // 20), stack),
                 "large": _calls(datacache.dataset("mixed", large_n, large_n // 20), stack)}
        seen = _measure(sizes, ctx.sizes.queue_samples)
    results = []
    for label, t in seen.items():
        big, small = percentile(t["large"], 95), percentile(t["small"], 95)
        growth = big / small
        by_round = [lg / sm for lg, sm in zip(t["large-rounds"], t["small-rounds"],
                                               strict=True)]
        _, _, rows, statements = sizes["large"][label]
        results.append(Result(
            bench=NAME, case=f"{label}, first page at {large_n:,} items (p95)",
            value=big, unit="ms", floor=percentile(t["large-floor"], 95),
            floor_label="ms same SQL raw", ratio=percentile(t["large-floor"], 95) / big,
            target=f"< {TARGET_MS:.0f} ms and < {GROWTH:.0f}x the {small_n:,} case",
            met=big < TARGET_MS and growth < GROWTH,
            details={"p50_ms": percentile(t["large"], 50), "rows": rows,
                     "statements": statements, "samples": len(t["large"]), "rounds": ROUNDS,
                     "p95_ms_by_round": [round(v, 2) for v in t["large-rounds"]],
                     f"p95_ms_at_{small_n}": small, "growth": growth}))
        results.append(Result(
            bench=NAME, case=f"{label}: p95 at {large_n:,} / p95 at {small_n:,} "
                             f"(rounds {min(by_round):.2f}-{max(by_round):.2f})",
            value=growth, unit="x", floor=1.0, floor_label="(flat)", ratio=1 / growth,
            target=f"< {GROWTH:.0f}x", met=growth < GROWTH,
            details={"growth_by_round": [round(v, 2) for v in by_round],
                     "p50_growth": percentile(t["large"], 50) / percentile(t["small"], 50)}))
    return results
