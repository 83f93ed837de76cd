"""No escalation twice: the same sweep again, sweeps in parallel threads and processes, and a
sweep killed half way then restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import Sweeper, SweepReport, run_sweep
from engine.storage.db import read_tx, write_tx
from tests.conftest import ROOT
from tests.engine.scheduling.helpers import ITEM, MARK, count, new_lead

OVERDUE = timedelta(days=7, hours=1)  # from Mon 2 March 09:00: past the due time, < level 2


def overdue_leads(rt: Runtime, clock: ManualClock, actor: Actor, n: int) -> list[int]:
    ids = [new_lead(rt, actor, title=f"线索{i}") for i in range(n)]
    clock.advance(OVERDUE)
    return ids


def level1_per_item(rt: Runtime) -> dict[int, int]:
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(MARK.c.item_id, func.count()).where(
            MARK.c.kind == "escalate", MARK.c.level == 1).group_by(MARK.c.item_id))
        return {r[0]: r[1] for r in rows}


def test_same_sweep_twice_escalates_once(rt: Runtime, clock: ManualClock,
                                         actors: dict[str, Actor]) -> None:
    """A second sweep at the same moment finds nothing to do."""
    overdue_leads(rt, clock, actors["东城办-联络员"], 5)
    first, second = run_sweep(rt), run_sweep(rt)
    assert (first.escalations, second.items) == ({1: 5}, 0)
    assert count(rt, MARK) == 5


def test_parallel_thread_sweeps_escalate_each_item_once(rt: Runtime, clock: ManualClock,
                                                        actors: dict[str, Actor]) -> None:
    """Four threads sweeping 120 overdue leads in batches of 10 escalate each exactly once."""
    ids = overdue_leads(rt, clock, actors["东城办-联络员"], 120)
    reports: list[SweepReport] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        barrier.wait()
        reports.append(run_sweep(rt, batch_size=10))

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.escalations.get(1, 0) for r in reports) == 120
    assert level1_per_item(rt) == dict.fromkeys(ids, 1)
    assert all(not r.failed for r in reports)


def _proc(url: str, now: str, *extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LEADFLOW_LOG_LEVEL="warning")
    return subprocess.Popen([sys.executable, "-m", "tests.engine.scheduling.sweeper_proc", url, now,
                             *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def test_two_processes_escalate_1000_items_exactly_once(
        rt: Runtime, db_url: str, clock: ManualClock, actors: dict[str, Actor],
        tmp_path: Path) -> None:
    """Two sweeper processes started together: exactly 1,000 level-1 marks (PostgreSQL:
    FOR UPDATE SKIP LOCKED; SQLite: each batch read and written under the write lock)."""
    ids = overdue_leads(rt, clock, actors["东城办-联络员"], 1000)
    go = tmp_path / "go"
    procs = [_proc(db_url, clock.now().isoformat(), "--batch", "50", "--go", str(go))
             for _ in range(2)]
    go.touch()
    outs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum(o["escalations"].get("1", 0) for o in outs) == 1000
    assert level1_per_item(rt) == dict.fromkeys(ids, 1)


def test_sweep_killed_half_way_then_restarted_misses_none_and_repeats_none(
        rt: Runtime, db_url: str, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """SIGKILL in the third batch (two committed, one open), then a restart at the same
    moment (nothing of the open batch is left claimed): each of 200 leads has exactly one
    level-1 escalation."""
    ids = overdue_leads(rt, clock, actors["东城办-联络员"], 200)
    proc = _proc(db_url, clock.now().isoformat(), "--batch", "50", "--block-after", "120")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "blocked"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert count(rt, MARK) == 100  # the open batch was rolled back
    report = run_sweep(rt)
    assert report.escalations == {1: 100}
    assert level1_per_item(rt) == dict.fromkeys(ids, 1)


def test_failing_item_does_not_hold_up_its_batch(rt: Runtime, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    """An item whose workflow version is not loaded fails alone; the rest are escalated,
    and the failed one is reported, not half-written."""
    ids = overdue_leads(rt, clock, actors["东城办-联络员"], 5)
    with write_tx(rt.db) as conn:
        conn.execute(update(ITEM).where(ITEM.c.id == ids[2]).values(workflow_version=99))
    report = run_sweep(rt)
    assert report.failed == [(ids[2], "NotFound")]
    assert level1_per_item(rt) == dict.fromkeys(ids[:2] + ids[3:], 1)


def test_due_items_are_found_through_the_next_check_index(rt_sqlite: Runtime) -> None:
    """The sweep's query searches ix_item_schedule_next_check: its cost follows the due
    items."""
    query = Sweeper(rt_sqlite).due_query(rt_sqlite.clock.now())
    with read_tx(rt_sqlite.db) as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}"))
    assert "INDEX ix_item_schedule_next_check (next_check_at<?)" in plan
