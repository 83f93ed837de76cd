"""Deadlines: when an item in a state is due, when to remind, when the sweep looks next.

Pure functions of (definition, state change, now, calendar); the transition function calls
`plan_on_enter` in the same transaction as every state change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.calendar import WorkCalendar
from engine.definitions import StateDef, WorkflowDef
from engine.durations import Duration, DurationUnit


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
            remaining = max((due_at - now).total_seconds(), 0.0) if due_at else None
            saved_state = from_state if due_at else None
        return DeadlinePlan(due_at=None, remind_at=None, next_check_at=None,
                            paused_remaining_s=remaining, paused_state=saved_state)
    if paused_state == to_state and paused_remaining_s is not None:
        due = now + timedelta(seconds=paused_remaining_s)
        remind = reminder_time(dest, now, due, calendar)
        remind = remind if remind is not None and remind > now else None
        return DeadlinePlan(due_at=due, remind_at=remind, next_check_at=remind or due,
                            paused_remaining_s=None, paused_state=None)
    if dest.deadline is None:
        return DeadlinePlan(due_at=None, remind_at=None, next_check_at=None,
                            paused_remaining_s=None, paused_state=None)
    due = add_duration(now, dest.deadline, calendar)
    remind = reminder_time(dest, now, due, calendar)
    return DeadlinePlan(due_at=due, remind_at=remind, next_check_at=remind or due,
                        paused_remaining_s=None, paused_state=None)
