"""The APScheduler tick and the scheduler commands of the CLI."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from sqlalchemy import select

from cli.main import main
from engine.deadlines import calendar_warnings, refresh_overrides
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.tick import build_scheduler, run_forever
from engine.storage import NOTICE
from engine.storage.db import read_tx
from engine.supervision import issue_notice
from tests.engine.scheduling.helpers import MARK, count, new_lead
from tests.engine.supervision.helpers import investigating_lead


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """`main()` points structlog at the captured stderr; undo that after each test."""
    yield
    structlog.reset_defaults()


def test_sweep_job_never_overlaps_and_coalesces(rt_sqlite: Runtime) -> None:
    """The sweep is an interval job at the configured interval, coalesced, one at a time."""
    sched = build_scheduler(rt_sqlite, sweep_interval_s=17)
    sched.start(paused=True)  # job defaults are applied when the scheduler starts
    try:
        job = sched.get_job("sweep")
        assert (job.coalesce, job.max_instances) == (True, 1)
        assert job.trigger.interval == timedelta(seconds=17)
    finally:
        sched.shutdown(wait=False)


def test_digests_are_cron_jobs_in_china_time(rt_sqlite: Runtime) -> None:
    """Daily digest at 08:00 and weekly summary Monday 08:30, Asia/Shanghai."""
    sched = build_scheduler(rt_sqlite)
    daily, weekly = sched.get_job("daily_digest"), sched.get_job("weekly_summary")
    assert str(daily.trigger) == "cron[hour='8', minute='0']"
    assert str(weekly.trigger) == "cron[day_of_week='mon', hour='8', minute='30']"
    assert str(daily.trigger.timezone) == "Asia/Shanghai"


def test_started_scheduler_catches_up_at_once(rt_sqlite: Runtime, clock: ManualClock,
                                              actors_sqlite: dict[str, Actor]) -> None:
    """A scheduler started after an item became overdue escalates it on its first tick."""
    new_lead(rt_sqlite, actors_sqlite["东城办-联络员"])
    clock.advance(timedelta(days=7, hours=1))
    stop = threading.Event()
    runner = threading.Thread(target=run_forever, args=(rt_sqlite,),
                              kwargs={"sweep_interval_s": 3600, "stop": stop})
    runner.start()
    try:
        deadline = time.monotonic() + 20  # waits for a background thread, not for a deadline
        while count(rt_sqlite, MARK) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        runner.join(timeout=20)
    assert count(rt_sqlite, MARK) == 1


def _db_with_overdue_lead(rt: Runtime, actors: dict[str, Actor]) -> str:
    new_lead(rt, actors["东城办-联络员"])
    return rt.db.url.render_as_string(hide_password=False)


def test_sweep_once_prints_what_it_did(rt_sqlite: Runtime, actors_sqlite: dict[str, Actor],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`leadflow sweep --once` (system clock, months after March) escalates to the top."""
    url = _db_with_overdue_lead(rt_sqlite, actors_sqlite)
    assert main(["--database-url", url, "sweep", "--once", "-v"]) == 0
    out = capsys.readouterr().out
    assert "item 1: escalate level 3" in out
    assert "3 escalations (level 1: 1, level 2: 1, level 3: 1)" in out


def test_sweep_once_raises_unanswered_supervision_notices(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor],
        capsys: pytest.CaptureFixture[str]) -> None:
    """As the tick does, `sweep --once` (system clock, months after the notice's reply
    deadline) raises an unanswered notice one level, once, and says how many it raised."""
    item_id = investigating_lead(rt_sqlite, actors_sqlite)
    notice = issue_notice(rt_sqlite, actor=actors_sqlite["东城办-联络员"], item_id=item_id,
                          level="general", requirement="报告进展")
    url = rt_sqlite.db.url.render_as_string(hide_password=False)
    assert main(["--database-url", url, "sweep", "--once"]) == 0
    out = capsys.readouterr().out
    assert "supervision notices: 1 raised a level, 0 raised to the parent office" in out
    with read_tx(rt_sqlite.db) as conn:
        level, raised = conn.execute(select(NOTICE.c.level, NOTICE.c.raises)
                                     .where(NOTICE.c.id == notice.id)).one()
    assert (level, raised) == ("yellow", 1)


def test_calendar_load_then_list(rt_sqlite: Runtime, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`calendar load` stores a file's days; `calendar list --year` shows them."""
    url = rt_sqlite.db.url.render_as_string(hide_password=False)
    f = tmp_path / "2027.yaml"
    f.write_text("note: 2027\ndays_off: [2027-01-01]\nworking_days: [2027-02-06]\n",
                 encoding="utf-8")
    assert main(["--database-url", url, "calendar", "load", str(f)]) == 0
    assert main(["--database-url", url, "calendar", "list", "--year", "2027"]) == 0
    out = capsys.readouterr().out
    assert "2027-01-01  day off  2027" in out
    assert "2027-02-06  working  2027" in out


def test_calendar_load_refuses_a_bad_file_and_stores_nothing(
        rt_sqlite: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file with one bad date exits 1 naming it, and no day is stored."""
    url = rt_sqlite.db.url.render_as_string(hide_password=False)
    f = tmp_path / "bad.yaml"
    f.write_text("days_off: [2027-01-01, 2027-02-30]\n", encoding="utf-8")
    assert main(["--database-url", url, "calendar", "load", str(f)]) == 1
    assert "days_off[1]" in capsys.readouterr().err
    assert main(["--database-url", url, "calendar", "list"]) == 0
    assert capsys.readouterr().out == ""


def test_calendar_load_publishes_a_year_only_when_the_file_says_it_is_complete(
        rt_sqlite: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A four-day sample of 2027 leaves 2027 unpublished (the warning stays, and the command
    says how to publish it); the same days with `published_years: [2027]` publish it."""
    url = rt_sqlite.db.url.render_as_string(hide_password=False)
    sample = "days_off: [2027-01-01, 2027-02-06, 2027-02-07]\nworking_days: [2027-02-14]\n"
    f = tmp_path / "2027.yaml"
    f.write_text(sample, encoding="utf-8")
    assert main(["--database-url", url, "calendar", "load", str(f)]) == 0
    assert "2027: still unpublished; when a file holds its whole schedule, add " \
           "`published_years: [2027]`" in capsys.readouterr().out
    december = datetime(2026, 12, 1, 1, tzinfo=UTC)
    assert _warned_years(rt_sqlite, december) == [2027]
    f.write_text(sample + "published_years: [2027]\n", encoding="utf-8")
    assert main(["--database-url", url, "calendar", "load", str(f)]) == 0
    assert "2027: published" in capsys.readouterr().out
    assert _warned_years(rt_sqlite, december) == []
    assert main(["--database-url", url, "calendar", "list", "--year", "2027"]) == 0
    assert "2027  published (loaded complete)" in capsys.readouterr().out


def _warned_years(rt: Runtime, now: datetime) -> list[int]:
    with read_tx(rt.db) as conn:
        refresh_overrides(rt.calendar, conn)
    return [y for y in (2026, 2027) if any(str(y) in w
                                           for w in calendar_warnings(rt.calendar, now))]


def test_calendar_load_help_says_when_a_year_is_published(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`calendar load --help` names published_years."""
    with pytest.raises(SystemExit):
        main(["calendar", "load", "--help"])
    assert "published_years" in capsys.readouterr().out
