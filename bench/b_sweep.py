"""Benchmark 5: one escalation sweep (`engine.scheduling.sweep.run_sweep`) over open items of
which a fixed number fell due in the last day, at two sizes: the time to escalate all of them, and
how it grows with the open items that are not due (it should not).

Floor: the sqlite3 module doing what each escalation needs at least, batch by batch like
the sweep: select the due ids by `item_schedule.next_check_at`, then per item read the row,
UPDATE it only if its version is unchanged (level), INSERT its hash-chained audit event and
move its schedule row's next check; one transaction per batch. No notifications, marks or
calendar."""

from __future__ import annotations

import hashlib
import json
import sqlite3
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
TARGET_S = 3.0  # for 10,000 escalations; scaled to the mode's count
GROWTH = 1.5
BATCH = 500


def _engine(ds: datacache.DataSet) -> tuple[float, int]:
    from engine.scheduling.sweep import run_sweep

    rt = open_runtime(ds.url, default_workflows_dir(), clock=ManualClock(NOW))
    try:
        start = time.perf_counter()
        report = run_sweep(rt)
        seconds = time.perf_counter() - start
    finally:
        rt.db.dispose()
    if report.failed:
        raise RuntimeError(f"sweep failed on {len(report.failed)} items: {report.failed[:3]}")
    return seconds, report.total_escalations


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


def run(ctx: Context) -> list[Result]:
    try:
        import engine.scheduling.sweep  # noqa: F401
    except ModuleNotFoundError:
        return [skipped(NAME, "sweep", "engine/scheduling/sweep.py is not there yet")]
    overdue = ctx.sizes.sweep_overdue
    target_s = TARGET_S * overdue / 10_000
    times: dict[int, float] = {}
    results = []
    for size in ctx.sizes.sweep_sizes:
        ds = datacache.dataset("open", size, overdue)
        seconds, escalated = _engine(datacache.copy_of(ds, ctx.workdir / "sweep.db"))
        (ctx.workdir / "sweep.db").unlink()
        floor_s, floor_n = _floor(datacache.copy_of(ds, ctx.workdir / "floor.db").path)
        (ctx.workdir / "floor.db").unlink()
        if escalated != overdue or floor_n != overdue:
            raise RuntimeError(f"expected {overdue} escalations, engine made {escalated}, "
                               f"floor {floor_n}")
        times[size] = seconds
        results.append(Result(
            bench=NAME, case=f"escalate {overdue:,} of {size:,} open items (SQLite)",
            value=seconds, unit="s", floor=floor_s, floor_label="s raw sqlite3",
            ratio=floor_s / seconds, target=f"< {target_s:.1f} s", met=seconds < target_s,
            details={"escalations_per_s": overdue / seconds, "events": ds.events}))
    small, large = ctx.sizes.sweep_sizes[0], ctx.sizes.sweep_sizes[-1]
    growth = times[large] / times[small]
    results.append(Result(
        bench=NAME, case=f"sweep time at {large:,} / at {small:,} open items", value=growth,
        unit="x", floor=1.0, floor_label="(flat)", ratio=1 / growth,
        target=f"<= {GROWTH}x", met=growth <= GROWTH))
    return results
