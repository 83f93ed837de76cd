"""Benchmark 5: one escalation sweep (`engine.scheduling.sweep.run_sweep`) over open items of
which a fixed number fell due in the last day, at two sizes: the time to escalate all of them, and
how it grows with the open items that are not due (it should not).

Floor: the sqlite3 module doing what each escalation needs at least, batch by batch like
the sweep: select the due ids by `item_schedule.next_check_at`, then per item read the row,
UPDATE it only if its version is unchanged (level), INSERT its hash-chained audit event and
move its schedule row's next check; one transaction per batch. No notifications, marks or
calendar.

Engine and floor run in 3 alternating rounds on fresh copies (each fsynced first), each
side keeping its median; the details hold each side's spread and the CPU-time ratio, which
a busy neighbour moves less than wall time, and the ratio to a second floor that also
writes each escalation's mark and one notification (the rows the engine owes beside the
event).
"""

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
ROUNDS = 3


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


def _floor_timed(path: Path, *, outbox: bool = False) -> tuple[float, float, int]:
    cpu = time.process_time()
    seconds, done = _floor(path, outbox=outbox)
    return seconds, time.process_time() - cpu, done


def _floor(path: Path, *, outbox: bool = False) -> tuple[float, int]:
    """The floor; with `outbox`, each escalation also inserts the two rows the engine owes
    beside its event and the floor does not write (its escalation mark and one
    notification): a reference reported in the details, not the ratio's floor."""
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
            if outbox:
                _outbox_rows(conn, row, seq, now)
        conn.execute("COMMIT")
        done += len(ids)
        if not ids:
            break
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, done


def _outbox_rows(conn: sqlite3.Connection, row: sqlite3.Row, seq: int, now: str) -> None:
    conn.execute(
        "INSERT INTO escalation_mark (item_id, state_entry_seq, kind, level, at, scheduled_at, "
        "audit_seq, target_jurisdiction_id) VALUES (?,?,?,?,?,?,?,?)",
        (row["id"], row["state_entry_seq"], "escalate", 1, now, row["due_at"], seq,
         row["jurisdiction_id"]))
    conn.execute(
        "INSERT INTO notification (recipient_id, kind, item_id, jurisdiction_id, level, "
        "subject, body, data, created_at, read_at) VALUES "
        "((SELECT min(id) FROM app_user),?,?,?,?,?,?,?,?,NULL)",
        ("escalate", row["id"], row["jurisdiction_id"], 1,
         f"逾期督办（第1级）：问题线索 {row['ref']}（核查中）已于 {row['due_at'][:16]} 到期，"
         "报办公室",
         row["title"], json.dumps({"ref": row["ref"], "state": row["state"],
                                   "due_at": row["due_at"]}), now))


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
           ) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """One engine run, one floor run and one floor-with-outbox run, each on a fresh copy:
    (wall, cpu) of each."""
    seconds, cpu, escalated = _engine(_copy(ds, ctx.workdir / "sweep.db"))
    (ctx.workdir / "sweep.db").unlink()
    floor_s, floor_cpu, floor_n = _floor_timed(_copy(ds, ctx.workdir / "floor.db").path)
    (ctx.workdir / "floor.db").unlink()
    outbox_s, outbox_cpu, outbox_n = _floor_timed(
        _copy(ds, ctx.workdir / "floor.db").path, outbox=True)
    (ctx.workdir / "floor.db").unlink()
    if escalated != overdue or floor_n != overdue or outbox_n != overdue:
        raise RuntimeError(f"expected {overdue} escalations, engine made {escalated}, "
                           f"floors {floor_n} and {outbox_n}")
    return (seconds, cpu), (floor_s, floor_cpu), (outbox_s, outbox_cpu)


def _spread(values: list[float]) -> list[float]:
    return [round(min(values), 3), round(max(values), 3)]


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
        runs = [_round(ctx, ds, overdue) for _ in range(ROUNDS)]
        wall = [e[0] for e, _, _ in runs]
        cpu = [e[1] for e, _, _ in runs]
        floor_wall = [f[0] for _, f, _ in runs]
        floor_cpu = [f[1] for _, f, _ in runs]
        outbox_wall = [o[0] for _, _, o in runs]
        seconds, floor_s = statistics.median(wall), statistics.median(floor_wall)
        ratio = floor_s / seconds
        times[size] = seconds
        results.append(Result(
            bench=NAME, case=f"escalate {overdue:,} of {size:,} open items (SQLite)",
            value=seconds, unit="s", floor=floor_s, floor_label="s raw sqlite3",
            ratio=ratio, target=f">= {TARGET_RATIO}, < {target_s:.1f} s",
            met=ratio >= TARGET_RATIO and seconds < target_s,
            details={"escalations_per_s": overdue / seconds, "events": ds.events,
                     "rounds": ROUNDS, "engine_s": _spread(wall),
                     "floor_s": _spread(floor_wall),
                     "ratios": _spread([f / e for f, e in zip(floor_wall, wall, strict=True)]),
                     "cpu_ratio": round(statistics.median(floor_cpu)
                                        / statistics.median(cpu), 3),
                     "engine_cpu_s": _spread(cpu), "floor_cpu_s": _spread(floor_cpu),
                     "floor_outbox_s": _spread(outbox_wall),
                     "ratio_to_floor_outbox": round(statistics.median(outbox_wall)
                                                    / seconds, 3)}))
    small, large = ctx.sizes.sweep_sizes[0], ctx.sizes.sweep_sizes[-1]
    growth = times[large] / times[small]
    results.append(Result(
        bench=NAME, case=f"sweep time at {large:,} / at {small:,} open items", value=growth,
        unit="x", floor=1.0, floor_label="(flat)", ratio=1 / growth,
        target=f"<= {GROWTH}x", met=growth <= GROWTH))
    return results
