"""The benchmark data generator makes what the benchmarks rely on: chains that verify,
exactly the asked number of overdue items, and a sweep that finds only those."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import datacache
from bench.env import NOW
from engine.items.audit import verify
from engine.kernel.clock import ManualClock
from engine.runtime import open_runtime
from engine.scheduling.sweep import run_sweep
from engine.storage import ITEM, SCHEDULE
from engine.storage.db import read_tx
from engine.workflow.loader import default_workflows_dir


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> datacache.DataSet:
    monkeypatch.setattr(datacache, "CACHE_DIR", tmp_path / "cache")
    return datacache.dataset("mixed", 400, 25)


def test_generated_chains_verify(small: datacache.DataSet) -> None:
    """Every generated audit chain passes engine.items.audit.verify."""
    rt = open_runtime(small.url, default_workflows_dir(), clock=ManualClock(NOW))
    with read_tx(rt.db) as conn:
        report = verify(conn)
    assert report.ok, report.broken[:3]
    assert (report.items, report.events) == (400, small.events)


def test_exactly_the_asked_items_are_overdue(small: datacache.DataSet) -> None:
    """Exactly `overdue` open items are past due at NOW, and only they are due a check."""
    rt = open_runtime(small.url, default_workflows_dir(), clock=ManualClock(NOW))
    with read_tx(rt.db) as conn:
        past_due = conn.execute(select(func.count()).select_from(ITEM).where(
            ITEM.c.due_at < NOW, ITEM.c.closed_at.is_(None))).scalar_one()
        checks = conn.execute(select(func.count()).select_from(SCHEDULE).where(
            SCHEDULE.c.next_check_at <= NOW)).scalar_one()
    assert (past_due, checks) == (25, 25)


def test_a_sweep_escalates_each_overdue_item_once(small: datacache.DataSet,
                                                  tmp_path: Path) -> None:
    """A sweep at NOW owes each overdue item one escalation (level 1) and nothing else."""
    copy = datacache.copy_of(small, tmp_path / "copy.db")
    rt = open_runtime(copy.url, default_workflows_dir(), clock=ManualClock(NOW))
    report = run_sweep(rt)
    assert (report.items, report.escalations, report.reminders, report.failed) == (
        25, {1: 25}, 0, [])


def test_data_sets_are_cached(small: datacache.DataSet) -> None:
    """Asking again for the same data set returns the cached file, untouched."""
    before = small.path.stat().st_mtime_ns
    again = datacache.dataset("mixed", 400, 25)
    assert again.path == small.path
    assert again.path.stat().st_mtime_ns == before
