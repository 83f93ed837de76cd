"""China's working-day calendar: 春节, 调休, unpublished years and admin overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from engine.deadlines.calendar import (
    ChinaCalendar,
    add_working_seconds,
    calendar_warnings,
    working_seconds_between,
)
from engine.deadlines.overrides import (
    OverrideDay,
    parse_override_file,
    refresh_overrides,
    store_overrides,
    sync_calendar,
)
from engine.errors import InvalidData
from engine.items.transition import create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime, open_runtime
from engine.storage.db import read_tx, write_tx
from engine.workflow.loader import default_workflows_dir
from tests.engine.helpers import jid


def cst(y: int, m: int, d: int, h: int = 9) -> datetime:
    """h o'clock China time as aware UTC."""
    return datetime(y, m, d, h - 8, tzinfo=UTC)


def test_spring_festival_is_skipped() -> None:
    """Two working days after Friday 13 Feb 2026 is Tuesday 24 Feb: 春节 runs 15-23 Feb."""
    cal = ChinaCalendar()
    assert cal.add_working_days(cst(2026, 2, 13), 2) == cst(2026, 2, 24)


def test_adjusted_working_saturday_counts() -> None:
    """Saturday 14 Feb 2026 is a 调休 working day, so it is the first working day after the 13th."""
    cal = ChinaCalendar()
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.add_working_days(cst(2026, 2, 13), 1) == cst(2026, 2, 14)


def test_working_days_across_festival_reach_the_adjusted_saturday_after() -> None:
    """Six working days after 13 Feb 2026: 14, 24, 25, 26, 27 Feb and Saturday 28 Feb (调休)."""
    cal = ChinaCalendar()
    assert cal.add_working_days(cst(2026, 2, 13), 6) == cst(2026, 2, 28)


def test_subtracting_working_days_skips_the_festival() -> None:
    """One working day before Tuesday 24 Feb 2026 is Saturday 14 Feb."""
    assert ChinaCalendar().subtract_working_days(cst(2026, 2, 24), 1) == cst(2026, 2, 14)


def test_working_seconds_ignore_the_festival() -> None:
    """From 13 Feb 09:00 to 24 Feb 09:00 2026 only two working days of time pass."""
    cal = ChinaCalendar()
    assert working_seconds_between(cal, cst(2026, 2, 13), cst(2026, 2, 24)) == 2 * 86400


def test_adding_working_seconds_inverts_counting_them() -> None:
    """Adding back the working time between two instants lands on the later one."""
    cal = ChinaCalendar()
    start, end = cst(2026, 2, 12, 15), cst(2026, 2, 25, 11)
    assert add_working_seconds(cal, start, working_seconds_between(cal, start, end)) == end


def test_unpublished_year_warns_and_counts_weekdays() -> None:
    """2027's schedule is not in the package: a loud warning, and 1 Jan 2027 (a Friday) counts."""
    cal = ChinaCalendar()
    with capture_logs() as logs:
        working = cal.is_working_day(date(2027, 1, 1))
    assert working
    assert [e["year"] for e in logs if e["event"] == "calendar_year_unpublished"] == [2027]


def test_unpublished_year_warns_only_once() -> None:
    """The warning is logged once per year, not once per day asked."""
    cal = ChinaCalendar()
    with capture_logs() as logs:
        for day in (1, 4, 5):
            cal.is_working_day(date(2027, 1, day))
    assert len([e for e in logs if e["event"] == "calendar_year_unpublished"]) == 1


def test_readiness_warning_names_the_unpublished_year() -> None:
    """In December 2026 the readiness check warns that 2027 is not published."""
    warnings = calendar_warnings(ChinaCalendar(), cst(2026, 12, 1))
    assert len(warnings) == 1
    assert "2027" in warnings[0]


def test_override_wins_over_package_and_fallback() -> None:
    """An admin's day off and working day beat both the package and the weekday fallback."""
    cal = ChinaCalendar({date(2027, 1, 1): False, date(2026, 3, 7): True})
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2026, 3, 7))  # a Saturday


def test_a_few_override_days_leave_the_year_unpublished() -> None:
    """Four days of 2027 entered by an admin are not 2027's schedule: readiness still warns,
    and so does the calendar when it counts a 2027 day the admin did not enter."""
    cal = ChinaCalendar({date(2027, 1, 1): False, date(2027, 2, 6): False,
                         date(2027, 2, 7): False, date(2027, 2, 14): True})
    assert ["2027" in w for w in calendar_warnings(cal, cst(2026, 12, 1))] == [True]
    with capture_logs() as logs:
        cal.is_working_day(date(2027, 3, 1))
    assert [e["year"] for e in logs if e["event"] == "calendar_year_unpublished"] == [2027]


def test_a_year_loaded_complete_is_published() -> None:
    """Once an admin loaded 2027 as complete, readiness no longer warns about 2027."""
    cal = ChinaCalendar({date(2027, 1, 1): False}, published=[2027])
    assert calendar_warnings(cal, cst(2026, 12, 1)) == []
    with capture_logs() as logs:
        cal.is_working_day(date(2027, 3, 1))
    assert [e for e in logs if e["event"] == "calendar_year_unpublished"] == []


def test_override_file_parses_days_off_and_working_days(tmp_path: Path) -> None:
    """A calendar file lists days off and adjusted working days."""
    f = tmp_path / "2027.yaml"
    f.write_text("note: 2027年安排\ndays_off: [2027-01-01, 2027-02-08]\n"
                 "working_days: [2027-02-06]\n", encoding="utf-8")
    loaded = parse_override_file(f)
    assert [(d.day, d.working) for d in loaded.days] == [
        (date(2027, 1, 1), False), (date(2027, 2, 6), True), (date(2027, 2, 8), False)]
    assert loaded.published_years == ()  # not said to be complete: 2027 stays unpublished


def test_override_file_declares_the_years_it_holds_whole(tmp_path: Path) -> None:
    """`published_years` names the years whose whole schedule the file holds."""
    f = tmp_path / "2027.yaml"
    f.write_text("days_off: [2027-01-01, 2028-01-01]\npublished_years: [2027]\n",
                 encoding="utf-8")
    assert parse_override_file(f).published_years == (2027,)


@pytest.mark.parametrize(("text", "field"), [
    ("days_off: [2027-01-01]\npublished_years: [2028]\n", "published_years[0]"),
    ("days_off: [2027-01-01]\npublished_years: [twenty]\n", "published_years[0]"),
    ("days_off: [2027-01-01]\npublished_years: 2027\n", "published_years"),
    ("days_off: [2027-01-01]\ncomplete: true\n", "complete"),
])
def test_override_file_with_a_bad_published_year_or_key_is_refused(
        tmp_path: Path, text: str, field: str) -> None:
    """A complete year without days in the file, a non-year, a non-list, or an unknown key
    (`complete: true`, which would otherwise silently do nothing) is refused, named."""
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidData) as err:
        parse_override_file(f)
    assert field in err.value.fields
    if field == "complete":
        assert "published_years" in err.value.fields[field]


def test_override_file_with_bad_dates_is_refused_whole(tmp_path: Path) -> None:
    """A file with an invalid date is refused, naming the entry."""
    f = tmp_path / "bad.yaml"
    f.write_text("days_off: [2027-01-01, 2027-13-40]\n", encoding="utf-8")
    with pytest.raises(InvalidData) as err:
        parse_override_file(f)
    assert "days_off[1]" in err.value.fields


def test_override_file_with_a_day_both_off_and_working_is_refused(tmp_path: Path) -> None:
    """A day listed as both day off and working day is a contradiction, not a guess."""
    f = tmp_path / "both.yaml"
    f.write_text("days_off: [2027-01-01]\nworking_days: [2027-01-01]\n", encoding="utf-8")
    with pytest.raises(InvalidData):
        parse_override_file(f)


def test_stored_overrides_reach_the_runtime_calendar(rt: Runtime) -> None:
    """Overrides stored in the database are loaded into the calendar deadlines use."""
    with write_tx(rt.db) as conn:
        store_overrides(conn, [OverrideDay(day=date(2026, 3, 4), working=False)],
                        rt.clock.now())
    with read_tx(rt.db) as conn:
        assert refresh_overrides(rt.calendar, conn) == 1
    assert not rt.calendar.is_working_day(date(2026, 3, 4))


def test_stored_complete_years_reach_the_runtime_calendar(rt: Runtime) -> None:
    """Days alone leave 2027 unpublished; stored with published_years it is published."""
    with write_tx(rt.db) as conn:
        store_overrides(conn, [OverrideDay(day=date(2027, 1, 1), working=False)],
                        rt.clock.now())
    with read_tx(rt.db) as conn:
        refresh_overrides(rt.calendar, conn)
    assert calendar_warnings(rt.calendar, cst(2026, 12, 1)) != []
    with write_tx(rt.db) as conn:
        store_overrides(conn, [OverrideDay(day=date(2027, 1, 1), working=False)],
                        rt.clock.now(), published_years=[2027])
    with read_tx(rt.db) as conn:
        refresh_overrides(rt.calendar, conn)
    assert calendar_warnings(rt.calendar, cst(2026, 12, 1)) == []


def test_a_holiday_loaded_by_another_process_counts_in_this_one(
        rt: Runtime, db_url: str, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """An admin's process declares Thu 5 March 2026 a day off after this (API) process
    started: the next lead created here is due a day later, Tue 10 March, not Mon 9."""
    admin = open_runtime(db_url, default_workflows_dir(), clock=clock)
    try:
        with write_tx(admin.db) as conn:
            store_overrides(conn, [OverrideDay(day=date(2026, 3, 5), working=False)],
                            clock.now())
    finally:
        admin.db.dispose()
    lead = create_item(rt, actor=actors["东城办-联络员"], workflow="lead",
                       jurisdiction_id=jid(rt, "510101"), title="线索",
                       data={"channel": "letter", "category": "law_enforcement"})
    assert lead.due_at == cst(2026, 3, 10)


def test_the_calendar_reloads_only_when_the_revision_moved(rt: Runtime) -> None:
    """Before planning, a process reads one revision row; it reloads the overrides only after
    a load moved it."""
    with read_tx(rt.db) as conn:
        assert not sync_calendar(rt.calendar, conn)
    with write_tx(rt.db) as conn:
        store_overrides(conn, [OverrideDay(day=date(2026, 3, 4), working=False)],
                        rt.clock.now())
    with read_tx(rt.db) as conn:
        assert sync_calendar(rt.calendar, conn)
        assert not sync_calendar(rt.calendar, conn)
    assert not rt.calendar.is_working_day(date(2026, 3, 4))
