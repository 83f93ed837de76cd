"""Benchmark: the performance report (engine.reports.performance) and the summary
(engine.items.summary) over a whole generated data set, each against a raw sqlite3 floor in
the same run: the performance report's main query (the conditional sums per jurisdiction
and unit), and for the summary one grouped query over its dimensions and the two medians
as count + ORDER BY ... LIMIT/OFFSET. Target: each < 1 s over 1M items on SQLite."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import date

from bench import datacache
from bench.env import NOW
from bench.harness import Context, Result, alternate
from engine.deadlines import ChinaCalendar
from engine.items import summary
from engine.kernel import SYSTEM
from engine.reports import Period, definitions, performance, semantics
from engine.runtime import open_runtime
from engine.storage import read_tx
from engine.workflow import default_workflows_dir

NAME = "reports"
TARGET_S = 1.0
TARGET_ITEMS = 1_000_000
# the period: every item of the generated set falls in it
PERIOD = Period(label="bench", first=date(2025, 1, 1), last=date(2026, 12, 31))
RAW = """
SELECT i.jurisdiction_id, i.unit_id,
  sum(CASE WHEN i.created_at >= :s AND i.created_at < :e THEN 1 ELSE 0 END),
  sum(CASE WHEN i.closed_at >= :s AND i.closed_at < :e THEN 1 ELSE 0 END),
  sum(CASE WHEN i.created_at >= :s AND i.created_at < :e AND i.closed_at < :e THEN 1 ELSE 0 END),
  sum(CASE WHEN i.closed_at >= :s AND i.closed_at < :e AND EXISTS (SELECT 1 FROM escalation_mark m
      WHERE m.item_id = i.id AND m.kind IN ('overdue','escalate','repeat')) THEN 1 ELSE 0 END),
  sum(CASE WHEN (i.closed_at >= :s AND i.closed_at < :e) OR (i.closed_at IS NULL
      AND i.due_at >= :s AND i.due_at < :e) THEN 1 ELSE 0 END),
  sum(CASE WHEN i.closed_at IS NULL AND i.due_at < :now THEN 1 ELSE 0 END),
  sum(CASE WHEN i.created_at >= :s AND i.created_at < :e AND EXISTS (SELECT 1 FROM audit_event v
      WHERE v.item_id = i.id AND v.trigger IN ('reject','return_for_info')) THEN 1 ELSE 0 END),
  sum(CASE WHEN i.closed_at >= :s AND i.closed_at < :e AND EXISTS (SELECT 1 FROM audit_event v
      WHERE v.item_id = i.id AND v.trigger = 'reopen' AND v.at >= :s AND v.at < :e)
      THEN 1 ELSE 0 END)
FROM item i
WHERE (i.created_at >= :s AND i.created_at < :e) OR (i.closed_at >= :s AND i.closed_at < :e)
   OR i.closed_at IS NULL
GROUP BY i.jurisdiction_id, i.unit_id
"""


SUMMARY_CUBE = """
SELECT state, json_extract(data, '$.channel'), json_extract(data, '$.category'),
  json_extract(data, '$.disposal'), unit_id, jurisdiction_id,
  CASE WHEN closed_at IS NULL AND due_at < :now THEN escalation_level END,
  count(*), count(closed_at)
FROM item GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
SUMMARY_SECONDS = {  # the two medians' values, each taken by count + LIMIT/OFFSET
    "transferred": "(julianday(json_extract(state_entries, '$.transferred'))"
                   " - julianday(created_at)) * 86400.0",
    "closed": "(julianday(closed_at) - julianday(created_at)) * 86400.0",
}


def _stamp(at: object) -> str:  # SQLite stores naive UTC text
    return str(at).replace("+00:00", "")


def _engine(url: str) -> tuple[Callable[[], float], Callable[[], int]]:
    rt = open_runtime(url, default_workflows_dir(), migrate=False)
    sem = semantics(definitions(rt.registry))
    calendar = ChinaCalendar()
    received = 0

    def run() -> float:
        nonlocal received
        start = time.perf_counter()
        with read_tx(rt.db) as conn:
            report = performance(conn, SYSTEM, period=PERIOD, now=NOW, calendar=calendar,
                                 semantics=sem)
        received = int(report.total[0].numerator)
        return time.perf_counter() - start

    return run, lambda: received


def _floor(path: str) -> Callable[[], float]:
    s, e = (_stamp(PERIOD.start.astimezone(NOW.tzinfo)), _stamp(PERIOD.end.astimezone(
        NOW.tzinfo)))

    def run() -> float:
        start = time.perf_counter()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute(RAW, {"s": s, "e": e, "now": _stamp(NOW)}).fetchall()
        conn.close()
        return time.perf_counter() - start

    return run


def _summary_engine(url: str) -> Callable[[], float]:
    rt = open_runtime(url, default_workflows_dir(), migrate=False)

    def run() -> float:
        start = time.perf_counter()
        with read_tx(rt.db) as conn:
            summary(conn, SYSTEM, now=NOW)
        return time.perf_counter() - start

    return run


def _summary_floor(path: str) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute(SUMMARY_CUBE, {"now": _stamp(NOW)}).fetchall()
        for expr in SUMMARY_SECONDS.values():
            n = conn.execute(f"SELECT count(*) FROM item WHERE {expr} IS NOT NULL").fetchone()[0]
            conn.execute(f"SELECT {expr} AS s FROM item WHERE s IS NOT NULL ORDER BY s "
                         f"LIMIT {2 - n % 2} OFFSET {(n - 1) // 2}").fetchall()
        conn.close()
        return time.perf_counter() - start

    return run


def run(ctx: Context) -> list[Result]:
    ds = datacache.dataset("mixed", ctx.sizes.queue_large, overdue=ctx.sizes.queue_large // 50)
    engine, received = _engine(ds.url)
    summary_engine, summary_floor = _summary_engine(ds.url), _summary_floor(str(ds.path))
    seen: dict[str, list[float]] = {}

    def rate(name: str, measure: Callable[[], float]) -> Callable[[], float]:
        def once() -> float:
            seen.setdefault(name, []).append(measure())
            return 1 / seen[name][-1]
        return once

    # alternate() keeps the median of each, as a rate; `spread_s` the fastest and slowest
    rates = alternate(ctx.sizes.rounds, {
        "engine": rate("engine", engine), "floor": rate("floor", _floor(str(ds.path))),
        "summary": rate("summary", summary_engine),
        "summary_floor": rate("summary_floor", summary_floor)})
    spread = {k: [round(min(v), 3), round(max(v), 3)] for k, v in seen.items()}
    seconds, floor = 1 / rates["engine"], 1 / rates["floor"]
    s_seconds, s_floor = 1 / rates["summary"], 1 / rates["summary_floor"]
    # the target is for 1M items; a smaller set gets its share of the second (a report
    # reads every item of its scope), never the whole second
    budget = TARGET_S * ds.items / TARGET_ITEMS
    target = f"< {TARGET_S} s at 1M items ({budget:.2g} s at {ds.items:,})"
    return [Result(bench=NAME, case=f"performance report, {ds.items:,} items (SQLite)",
                   value=seconds, unit="s", floor=floor,
                   floor_label="s raw sqlite3 main query", ratio=seconds / floor,
                   target=target, met=seconds < budget,
                   details={"items": ds.items, "received_in_period": received(),
                            "rounds": ctx.sizes.rounds,
                            "spread_s": {k: spread[k] for k in ("engine", "floor")}}),
            Result(bench=NAME, case=f"summary report, {ds.items:,} items (SQLite)",
                   value=s_seconds, unit="s", floor=s_floor,
                   floor_label="s raw sqlite3 grouped query + sorted medians",
                   ratio=s_seconds / s_floor, target=target, met=s_seconds < budget,
                   details={"items": ds.items, "rounds": ctx.sizes.rounds,
                            "spread_s": {"engine": spread["summary"],
                                         "floor": spread["summary_floor"]}})]
