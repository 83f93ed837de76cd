"""Benchmark 5: one escalation sweep (`engine.scheduling.sweep.run_sweep`) over open items of
which a fixed number fell due in the last day, at two sizes: the time to escalate all of them, and
how it grows with the open items that are not due (it should not).

Floor: the sqlite3 module doing what each escalation needs at least, batch by batch like
the sweep: select the due ids by `item_schedule.next_check_at`, then per item read the row,
UPDATE it only if its version is unchanged (level), INSERT its hash-chained audit event and
move its schedule row's next check; one transaction per batch. No notifications, marks or
calendar.

Engine and floor run in alternating rounds on fresh copies (3 in quick mode, 1 in full mode,
whose 1M data set takes minutes to copy), each side keeping its median; the details hold
each side's spread and the CPU-time ratio, which a busy neighbour moves less than wall
time."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench import datacache
from bench.env import NOW
from bench.harness import Context, Result, skipped
from engine.kernel import ManualClock, event_body
from engine.runtime import open_runtime
from engine.workflow import default_workflows_dir

NAME = "sweep"
TARGET_S = 2.0  # for 10,000 escalations (issue 14); scaled to the mode's count
TARGET_RATIO = 0.5
GROWTH = 1.5
BATCH = 500
ROUNDS = {"quick": 3, "full": 1}


def _engine(ds: datacache.DataSet) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, escalations) of one sweep."""
    from engine.scheduling.sweep import run_sweep

    rt = open_runtime(ds.url, default_workflows_dir(), clock=ManualClock(NOW))
    try:
        start, cpu = time.perf_counter(), time.process_time()
        report = run_sweep(rt)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        rt.db.dispose()
    if report.failed:
        raise RuntimeError(f"sweep failed on {len(report.failed)} items: {report.failed[:3]}")
    return seconds, cpu, report.total_escalations


def _floor_timed(path: Path) -> tuple[float, float, int]:
    cpu = time.process_time()
    seconds, done = _floor(path)
    return seconds, time.process_time() - cpu, done


def _floor(path: Path) -> tuple[float, int]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    now = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    later = (NOW + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S.%f")
    done = 0
    start = time.perf_counter()
    while True:
        conn.execute("BEGIN IMMEDIATE")
        ids = [r[0] for r in conn.execute(
            "SELECT item_id FROM item_schedule WHERE next_check_at <= ? "
            "ORDER BY next_check_at LIMIT ?", (now, BATCH))]
        for item_id in ids:
            row = conn.execute("SELECT * FROM item WHERE id=?", (item_id,)).fetchone()
            seq = row["audit_seq"] + 1
            data = {"kind": "escalate", "level": 1}
            digest = hashlib.sha256(event_body(
                item_id=item_id, seq=seq, at=NOW, actor="system", role="system",
                trigger="escalate", from_state=row["state"], to_state=row["state"], data=data,
                comment="", workflow=row["workflow"], version=row["workflow_version"],
                prev=row["audit_head"])).hexdigest()
            cur = conn.execute(
                "UPDATE item SET version=?, updated_at=?, audit_seq=?, audit_head=?, "
                "escalation_level=1 WHERE id=? AND version=?",
                (row["version"] + 1, now, seq, digest, item_id, row["version"]))
            assert cur.rowcount == 1
            conn.execute("UPDATE item_schedule SET next_check_at=? WHERE item_id=?",
                         (later, item_id))
            conn.execute(
                "INSERT INTO audit_event (item_id, seq, at, actor, actor_role, trigger, "
                "from_state, to_state, data, comment, workflow, workflow_version, prev_hash, "
                "hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (item_id, seq, now, "system", "system", "escalate", row["state"], row["state"],
                 json.dumps(data), "", row["workflow"], row["workflow_version"],
                 row["audit_head"], digest))
        conn.execute("COMMIT")
        done += len(ids)
        if not ids:
            break
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, done


def _copy(ds: datacache.DataSet, dest: Path) -> datacache.DataSet:
    """A fresh copy, on disk before the clock starts: otherwise the first checkpoint's
    fsync inside the timed sweep writes back the whole copied file (at 1M items, 1.9 GB and
    most of the engine's wall time), charging the harness's copy to whichever side
    checkpoints first."""
    copy = datacache.copy_of(ds, dest)
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return copy


def _round(ctx: Context, ds: datacache.DataSet, overdue: int
           ) -> tuple[tuple[float, float], tuple[float, float]]:
    """One engine run and one floor run, each on a fresh copy: ((wall, cpu), (wall, cpu))."""
    seconds, cpu, escalated = _engine(_copy(ds, ctx.workdir / "sweep.db"))
    (ctx.workdir / "sweep.db").unlink()
    floor_s, floor_cpu, floor_n = _floor_timed(_copy(ds, ctx.workdir / "floor.db").path)
    (ctx.workdir / "floor.db").unlink()
    if escalated != overdue or floor_n != overdue:
        raise RuntimeError(f"expected {overdue} escalations, engine made {escalated}, "
                           f"floor {floor_n}")
    return (seconds, cpu), (floor_s, floor_cpu)


def _spread(values: list[float]) -> list[float]:
    return [round(min(values), 3), round(max(values), 3)]


def run(ctx: Context) -> list[Result]:
    try:
        import engine.scheduling.sweep  # noqa: F401
    except ModuleNotFoundError:
        return [skipped(NAME, "sweep", "engine/scheduling/sweep.py is not there yet")]
    overdue = ctx.sizes.sweep_overdue
    target_s = TARGET_S * overdue / 10_000
    rounds = ROUNDS.get(ctx.mode, 1)
    times: dict[int, float] = {}
    results = []
    for size in ctx.sizes.sweep_sizes:
        ds = datacache.dataset("open", size, overdue)
        runs = [_round(ctx, ds, overdue) for _ in range(rounds)]
        wall = [e[0] for e, _ in runs]
        cpu = [e[1] for e, _ in runs]
        floor_wall = [f[0] for _, f in runs]
        floor_cpu = [f[1] for _, f in runs]
        seconds, floor_s = statistics.median(wall), statistics.median(floor_wall)
        ratio = floor_s / seconds
        times[size] = seconds
        results.append(Result(
            bench=NAME, case=f"escalate {overdue:,} of {size:,} open items (SQLite)",
            value=seconds, unit="s", floor=floor_s, floor_label="s raw sqlite3",
            ratio=ratio, target=f">= {TARGET_RATIO}, < {target_s:.1f} s",
            met=ratio >= TARGET_RATIO and seconds < target_s,
            details={"escalations_per_s": overdue / seconds, "events": ds.events,
                     "rounds": rounds, "engine_s": _spread(wall),
                     "floor_s": _spread(floor_wall),
                     "ratios": _spread([f / e for f, e in zip(floor_wall, wall, strict=True)]),
                     "cpu_ratio": round(statistics.median(floor_cpu)
                                        / statistics.median(cpu), 3),
                     "engine_cpu_s": _spread(cpu), "floor_cpu_s": _spread(floor_cpu)}))
    small, large = ctx.sizes.sweep_sizes[0], ctx.sizes.sweep_sizes[-1]
    growth = times[large] / times[small]
    results.append(Result(
        bench=NAME, case=f"sweep time at {large:,} / at {small:,} open items", value=growth,
        unit="x", floor=1.0, floor_label="(flat)", ratio=1 / growth,
        target=f"<= {GROWTH}x", met=growth <= GROWTH))
    return results
