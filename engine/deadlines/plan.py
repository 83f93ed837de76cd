"""Deadlines: when an item in a state is due, when to remind, when the sweep looks next.

Pure functions of (definition, state change, now, calendar); the transition function calls
`plan_on_enter` in the same transaction as every state change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.deadlines.calendar import WorkCalendar, add_working_seconds, working_seconds_between
from engine.kernel import Duration, DurationUnit
from engine.workflow import EscalationDef, StateDef, WorkflowDef


def add_duration(start: datetime, duration: Duration, calendar: WorkCalendar) -> datetime:
    if duration.unit is DurationUnit.working_days:
        return calendar.add_working_days(start, duration.amount)
    seconds = {DurationUnit.seconds: 1, DurationUnit.hours: 3600, DurationUnit.days: 86400}
    return start + timedelta(seconds=duration.amount * seconds[duration.unit])


def subtract_duration(end: datetime, duration: Duration, calendar: WorkCalendar) -> datetime:
    if duration.unit is DurationUnit.working_days:
        return calendar.subtract_working_days(end, duration.amount)
    seconds = {DurationUnit.seconds: 1, DurationUnit.hours: 3600, DurationUnit.days: 86400}
    return end - timedelta(seconds=duration.amount * seconds[duration.unit])


@dataclass(frozen=True, kw_only=True)
class DeadlinePlan:
    """The deadline columns of an item after it enters a state."""

    due_at: datetime | None
    remind_at: datetime | None
    next_check_at: datetime | None
    paused_remaining_s: float | None
    paused_state: str | None


def reminder_time(state: StateDef, start: datetime, due: datetime,
                  calendar: WorkCalendar) -> datetime | None:
    if state.reminder is None:
        return None
    if state.reminder.before is not None:
        at = subtract_duration(due, state.reminder.before, calendar)
    elif state.reminder.at_fraction is not None:
        at = start + (due - start) * state.reminder.at_fraction
    else:
        return None
    return max(at, start)


def plan_on_enter(*, wf: WorkflowDef, from_state: str | None, to_state: str, now: datetime,
                  due_at: datetime | None, paused_remaining_s: float | None,
                  paused_state: str | None, calendar: WorkCalendar) -> DeadlinePlan:
    """Deadline columns after moving `from_state` → `to_state` at `now`.

    Entering a clock-pausing state keeps the remaining time of the state we left; leaving it
    back into that same state resumes with that remaining time; any other state starts its
    own deadline afresh."""
    dest = wf.states[to_state]
    if dest.closed:
        return DeadlinePlan(due_at=None, remind_at=None, next_check_at=None,
                            paused_remaining_s=None, paused_state=None)
    if dest.pauses_clock:
        source_paused = from_state is not None and wf.states[from_state].pauses_clock
        if source_paused:  # pause → pause keeps what was saved
            remaining, saved_state = paused_remaining_s, paused_state
        else:
            remaining = _remaining(wf, from_state, now, due_at, calendar) if due_at else None
            saved_state = from_state if due_at else None
        # a parked state reviewed periodically: the sweep's first look is one period on
        review = add_duration(now, dest.review, calendar) if dest.review else None
        return DeadlinePlan(due_at=None, remind_at=None, next_check_at=review,
                            paused_remaining_s=remaining, paused_state=saved_state)
    if paused_state == to_state and paused_remaining_s is not None:
        due = _resume_due(dest, now, paused_remaining_s, calendar)
        remind = _resume_reminder(dest, now, due, calendar)
        return DeadlinePlan(due_at=due, remind_at=remind, next_check_at=remind or due,
                            paused_remaining_s=None, paused_state=None)
    if dest.deadline is None:
        return DeadlinePlan(due_at=None, remind_at=None, next_check_at=None,
                            paused_remaining_s=None, paused_state=None)
    due = add_duration(now, dest.deadline, calendar)
    remind = reminder_time(dest, now, due, calendar)
    return DeadlinePlan(due_at=due, remind_at=remind, next_check_at=remind or due,
                        paused_remaining_s=None, paused_state=None)


def _counts_working_days(state: StateDef | None) -> bool:
    return (state is not None and state.deadline is not None
            and state.deadline.unit is DurationUnit.working_days)


def _remaining(wf: WorkflowDef, from_state: str | None, now: datetime, due_at: datetime,
               calendar: WorkCalendar) -> float:
    """Time left on the deadline when the clock stops: working-day seconds for a deadline in
    working days (a weekend inside a pause costs nothing), calendar seconds otherwise."""
    state = wf.states[from_state] if from_state is not None else None
    if _counts_working_days(state):
        return working_seconds_between(calendar, now, due_at)
    return max((due_at - now).total_seconds(), 0.0)


def _resume_due(state: StateDef, now: datetime, remaining_s: float,
                calendar: WorkCalendar) -> datetime:
    if _counts_working_days(state):
        return add_working_seconds(calendar, now, remaining_s)
    return now + timedelta(seconds=remaining_s)


def _resume_reminder(state: StateDef, now: datetime, due: datetime,
                     calendar: WorkCalendar) -> datetime | None:
    """A resumed state reminds at the same point of its full period as a fresh one would
    (`before`: that long before due; `at_fraction`: when (1 - f) of a full period is left).
    A point already behind us reminds now: the item is that close to its due time, so its
    light is yellow and the sweep reminds at once (once: the resume is a new state entry,
    and reminder marks are per entry)."""
    if state.reminder is None or state.deadline is None:
        return None
    if state.reminder.at_fraction is not None:
        full = add_duration(now, state.deadline, calendar) - now
        at: datetime | None = due - full * (1 - state.reminder.at_fraction)
    else:
        at = reminder_time(state, now, due, calendar)
    return None if at is None else max(at, now)


# --- escalation timeline -------------------------------------------------------------------

DEFAULT_INTERVAL = Duration(unit=DurationUnit.working_days, amount=1)


@dataclass(frozen=True, kw_only=True)
class Step:
    """One thing the sweep owes an item: a reminder, an escalation to `level`, or the
    `level`-th repeat at the top of the chain; `at` is when it was due."""

    kind: str  # remind | escalate | repeat
    level: int
    at: datetime


def escalation_time(esc: EscalationDef, due_at: datetime, level: int,
                    calendar: WorkCalendar) -> datetime:
    """When an item due at `due_at` reaches `level` (level 1 at the due time itself; each
    further level one `interval` later, 1 working day when the workflow sets none)."""
    at = due_at
    for _ in range(level - 1):
        at = add_duration(at, esc.interval or DEFAULT_INTERVAL, calendar)
    return at


def due_steps(*, esc: EscalationDef, now: datetime, due_at: datetime,
              remind_at: datetime | None, next_check_at: datetime, level: int,
              calendar: WorkCalendar, repeats_done: int = 0
              ) -> tuple[list[Step], datetime | None]:
    """What an item owes at `now`, in order, and when to look at it next.

    A scheduler that was down catches up: every missed escalation level is returned (each
    becomes its own audit event and notification); a reminder whose due time has already
    passed is dropped (the escalation says more). At the top the item is reminded again
    `repeat_at_top` after the previous notice, so missed repeats collapse into one. With
    max_level 0 the handling side gets one `overdue` notice at the due time instead."""
    if level == 0 and remind_at is not None and next_check_at < due_at and now < due_at:
        if now < remind_at:  # looked at early (a stale or recomputed check): not yet
            return [], remind_at
        return [Step(kind="remind", level=0, at=remind_at)], due_at
    steps: list[Step] = []
    top = esc.max_level
    if top == 0 and next_check_at <= due_at <= now:
        steps.append(Step(kind="overdue", level=0, at=due_at))
    if level < top:
        at = escalation_time(esc, due_at, level + 1, calendar)
        while at <= now:
            level += 1
            steps.append(Step(kind="escalate", level=level, at=at))
            if level == top:
                break
            at = add_duration(at, esc.interval or DEFAULT_INTERVAL, calendar)
        if level < top:
            return steps, at
    if esc.repeat_at_top is None:
        return steps, None
    if not steps:  # at the top since an earlier sweep, and the next repeat is due
        steps.append(Step(kind="repeat", level=repeats_done + 1, at=next_check_at))
    return steps, add_duration(now, esc.repeat_at_top, calendar)
