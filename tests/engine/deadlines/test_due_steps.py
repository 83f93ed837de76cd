"""The escalation timeline as a pure function of the workflow's escalation block and time."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.deadlines.calendar import ChinaCalendar
from engine.deadlines.plan import Step, due_steps
from engine.kernel.durations import Duration, DurationUnit
from engine.workflow.model import EscalationDef

CAL = ChinaCalendar()
WD1 = Duration(unit=DurationUnit.working_days, amount=1)


def cst(m: int, d: int, h: int = 9) -> datetime:
    return datetime(2026, m, d, h - 8, tzinfo=UTC)


def steps_at(esc: EscalationDef, now: datetime, level: int = 0,
             next_check: datetime | None = None) -> tuple[list[Step], datetime | None]:
    due = cst(3, 9)
    return due_steps(esc=esc, now=now, due_at=due, remind_at=None,
                     next_check_at=next_check or due, level=level, calendar=CAL)


def test_without_interval_levels_are_one_working_day_apart() -> None:
    """No `interval` in the workflow: level 2 comes one working day after level 1."""
    steps, nxt = steps_at(EscalationDef(max_level=3), cst(3, 10))
    assert [(s.kind, s.level, s.at) for s in steps] == [
        ("escalate", 1, cst(3, 9)), ("escalate", 2, cst(3, 10))]
    assert nxt == cst(3, 11)


def test_a_look_before_the_reminder_owes_nothing_until_it() -> None:
    """Looked at before the reminder is due, the item owes nothing; the next look is the
    reminder time (never an early reminder)."""
    esc = EscalationDef(max_level=3)
    early = due_steps(esc=esc, now=cst(3, 4), due_at=cst(3, 9), remind_at=cst(3, 6),
                      next_check_at=cst(3, 3), level=0, calendar=CAL)
    assert early == ([], cst(3, 6))
    on_time = due_steps(esc=esc, now=cst(3, 6), due_at=cst(3, 9), remind_at=cst(3, 6),
                        next_check_at=cst(3, 6), level=0, calendar=CAL)
    assert on_time == ([Step(kind="remind", level=0, at=cst(3, 6))], cst(3, 9))


def test_without_repeat_the_top_is_looked_at_no_more() -> None:
    """Reaching the top with no `repeat_at_top` leaves no next check."""
    _, nxt = steps_at(EscalationDef(max_level=1), cst(3, 9))
    assert nxt is None


def test_max_level_zero_gives_one_overdue_notice() -> None:
    """max_level 0: an `overdue` notice at the due time, then repeats if configured."""
    steps, nxt = steps_at(EscalationDef(max_level=0, repeat_at_top=WD1), cst(3, 9))
    assert [(s.kind, s.level) for s in steps] == [("overdue", 0)]
    assert nxt == cst(3, 10)


def test_repeat_at_top_counts_on_from_the_previous_ones() -> None:
    """At the top since an earlier sweep, the third repeat is numbered 3."""
    esc = EscalationDef(max_level=1, repeat_at_top=WD1)
    steps = due_steps(esc=esc, now=cst(3, 12), due_at=cst(3, 9), remind_at=None,
                      next_check_at=cst(3, 12), level=1, calendar=CAL, repeats_done=2)[0]
    assert [(s.kind, s.level) for s in steps] == [("repeat", 3)]


def test_levels_wait_across_the_spring_festival() -> None:
    """Due Fri 13 Feb 2026 with 2 working days per level: level 2 on Tue 24 Feb (春节)."""
    esc = EscalationDef(max_level=3, interval=Duration(unit=DurationUnit.working_days,
                                                       amount=2))
    due = datetime(2026, 2, 13, 1, tzinfo=UTC)
    _, nxt = due_steps(esc=esc, now=due, due_at=due, remind_at=None, next_check_at=due,
                       level=0, calendar=CAL)
    assert nxt == datetime(2026, 2, 24, 1, tzinfo=UTC)
