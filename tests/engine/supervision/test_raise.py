"""An unanswered notice past its reply deadline is raised exactly once per deadline: one
level up, at the top to the parent office (提级督办), by the system through the one writer,
with notifications; again by the same sweep, by threads or by two processes, never twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from engine.items import verify
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.tick import sweep_tick
from engine.storage import EVENT, NOTICE, SUPERVISION_MARK
from engine.storage.db import read_tx
from engine.supervision import issue_notice, raise_overdue_notices, reply_notice
from tests.conftest import ROOT
from tests.engine.supervision.helpers import investigating_lead, notified, row

WEEK = timedelta(days=7)  # past a three-working-day reply deadline, wherever it falls


def raises(rt: Runtime) -> dict[int, int]:
    with read_tx(rt.db) as conn:
        return dict(conn.execute(select(NOTICE.c.id, func.count())
                                 .join(SUPERVISION_MARK,
                                       SUPERVISION_MARK.c.notice_id == NOTICE.c.id)
                                 .group_by(NOTICE.c.id)).all())


def notice_row(rt: Runtime, notice_id: int) -> object:
    with read_tx(rt.db) as conn:
        return conn.execute(select(NOTICE).where(NOTICE.c.id == notice_id)).one()


def test_levels_then_the_parent_office_each_once(rt: Runtime, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    office = actors["东城办-联络员"]
    item_id = investigating_lead(rt, actors)
    notice = issue_notice(rt, actor=office, item_id=item_id, level="general",
                          requirement="报告进展")
    clock.advance(WEEK)
    first, again = raise_overdue_notices(rt), raise_overdue_notices(rt)
    assert (first.raised, again.raised, again.climbed) == (1, 0, 0)
    n = notice_row(rt, notice.id)
    assert (n.level, n.raises, n.state) == ("yellow", 1, "open")  # type: ignore[attr-defined]
    assert n.reply_due_at == rt.calendar.add_working_days(  # type: ignore[attr-defined]
        clock.now(), 3)
    assert row(rt, item_id).supervision_counts == {"general": 0, "yellow": 1}
    assert set(notified(rt, "supervise_raise")) >= {"东城公安-承办人", "东城办-联络员"}
    clock.advance(WEEK)
    assert raise_overdue_notices(rt).raised == 1  # red
    clock.advance(WEEK)
    climbed = raise_overdue_notices(rt)
    assert (climbed.raised, climbed.climbed) == (0, 1)
    n = notice_row(rt, notice.id)
    assert (n.level, n.raises) == ("red", 3)  # type: ignore[attr-defined]
    assert "市办-线索组" in notified(rt, "supervise_raise")  # the city office presses now
    with read_tx(rt.db) as conn:
        data = conn.execute(select(EVENT.c.data, EVENT.c.actor).where(
            EVENT.c.item_id == item_id, EVENT.c.trigger == "supervise_raise")
            .order_by(EVENT.c.seq)).all()
        assert [(d["from_jurisdiction"], d["to_jurisdiction"], a) for d, a in data][-1] == (
            "510101", "5101", "system")
        assert verify(conn, item_ids=[item_id]).ok
    assert raises(rt) == {notice.id: 3}


def test_an_answered_notice_is_not_raised(rt: Runtime, clock: ManualClock,
                                          actors: dict[str, Actor]) -> None:
    item_id = investigating_lead(rt, actors)
    notice = issue_notice(rt, actor=actors["东城办-联络员"], item_id=item_id, level="general",
                          requirement="报告进展")
    reply_notice(rt, actor=actors["东城公安-承办人"], item_id=item_id, notice_id=notice.id,
                 reply="已报告")
    clock.advance(WEEK)
    sweep_tick(rt, "test")  # the tick runs the raise step after the sweep
    assert raises(rt) == {}


def test_the_tick_raises_through_the_sweep_job(rt: Runtime, clock: ManualClock,
                                              actors: dict[str, Actor]) -> None:
    item_id = investigating_lead(rt, actors)
    notice = issue_notice(rt, actor=actors["东城办-联络员"], item_id=item_id, level="general",
                          requirement="报告进展")
    clock.advance(WEEK)
    sweep_tick(rt, "test")
    sweep_tick(rt, "test")
    assert raises(rt) == {notice.id: 1}


def test_parallel_threads_raise_each_notice_once(rt: Runtime, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    office = actors["东城办-联络员"]
    ids = [issue_notice(rt, actor=office, item_id=investigating_lead(rt, actors, f"线索{i}"),
                        level="general", requirement="报告进展").id for i in range(8)]
    clock.advance(WEEK)
    barrier = threading.Barrier(3)
    totals: list[int] = []

    def run() -> None:
        barrier.wait()
        totals.append(raise_overdue_notices(rt, batch_size=3).raised)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(totals) == 8
    assert raises(rt) == dict.fromkeys(ids, 1)


def test_two_processes_raise_each_notice_once(rt: Runtime, db_url: str, clock: ManualClock,
                                              actors: dict[str, Actor],
                                              tmp_path: Path) -> None:
    office = actors["东城办-联络员"]
    ids = [issue_notice(rt, actor=office, item_id=investigating_lead(rt, actors, f"线索{i}"),
                        level="general", requirement="报告进展").id for i in range(20)]
    clock.advance(WEEK)
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(ROOT), LEADFLOW_LOG_LEVEL="warning")
    procs = [subprocess.Popen(
        [sys.executable, "-m", "tests.engine.supervision.raiser_proc", db_url,
         clock.now().isoformat(), str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    go.touch()
    outs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum(o["raised"] for o in outs) == 20
    assert raises(rt) == dict.fromkeys(ids, 1)
