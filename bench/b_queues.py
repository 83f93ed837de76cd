"""Benchmark 4: work queues through the engine's query layer (`engine.items.queries.list_items`)
on a generated province: the first page of a county handler's open-item queue (their unit's
leads, newest first) and of the city office's overdue list (earliest due first).

p95 latency over repeated first-page reads, at a small and a large size. Floor: the same SQL
statements the engine emitted (captured from the engine), run by the sqlite3 module."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
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


def _latencies(fn: Callable[[], Any], samples: int) -> list[float]:
    """Up to `samples` timings, but no more than BUDGET_S of them once MIN_SAMPLES are in
    (a query with a bad plan at 1M items takes seconds each)."""
    for _ in range(3):  # warm the page cache and the statement caches
        fn()
    out: list[float] = []
    spent = 0.0
    while len(out) < samples and (spent < BUDGET_S or len(out) < MIN_SAMPLES):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
        spent += out[-1] / 1000
    return out


def _measure(ds: datacache.DataSet, samples: int) -> dict[str, dict[str, Any]]:
    from engine.items.queries import list_items

    db = make_engine(ds.url)
    with read_tx(db) as conn:
        rt = Runtime(db=db, registry=registry_from_db(conn))
    people = actors(rt)
    raw = sqlite3.connect(f"file:{ds.path}?mode=ro", uri=True, check_same_thread=False)
    out: dict[str, dict[str, Any]] = {}
    try:
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

            engine_ms = _latencies(engine_call, samples)
            floor_ms = _latencies(floor_call, samples)
            out[label] = {"p95": percentile(engine_ms, 95), "floor_p95": percentile(floor_ms, 95),
                          "p50": percentile(engine_ms, 50), "rows": rows,
                          "samples": len(engine_ms),
                          "statements": len(sql)}
    finally:
        raw.close()
        db.dispose()
    return out


def run(ctx: Context) -> list[Result]:
    try:
        import engine.items.queries  # noqa: F401
    except ModuleNotFoundError:
        return [skipped(NAME, "queues", "engine/items/queries.py is not there yet")]
    small_n, large_n = ctx.sizes.queue_small, ctx.sizes.queue_large
    small = _measure(datacache.dataset("mixed", small_n, small_n // 20), ctx.sizes.queue_samples)
    large = _measure(datacache.dataset("mixed", large_n, large_n // 20), ctx.sizes.queue_samples)
    results = []
    for label, big in large.items():
        growth = big["p95"] / small[label]["p95"]
        results.append(Result(
            bench=NAME, case=f"{label}, first page at {large_n:,} items (p95)",
            value=big["p95"], unit="ms", floor=big["floor_p95"], floor_label="ms same SQL raw",
            ratio=big["floor_p95"] / big["p95"],
            target=f"< {TARGET_MS:.0f} ms and < {GROWTH:.0f}x the {small_n:,} case",
            met=big["p95"] < TARGET_MS and growth < GROWTH,
            details={"p50_ms": big["p50"], "rows": big["rows"], "statements": big["statements"],
                     "samples": big["samples"],
                     f"p95_ms_at_{small_n}": small[label]["p95"], "growth": growth}))
        results.append(Result(
            bench=NAME, case=f"{label}: p95 at {large_n:,} / p95 at {small_n:,}",
            value=growth, unit="x", floor=1.0, floor_label="(flat)", ratio=1 / growth,
            target=f"< {GROWTH:.0f}x", met=growth < GROWTH))
    return results
