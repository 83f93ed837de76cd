"""Time limits: China's working-day calendar (调休, admin overrides), the deadline plan of a
state (due, reminder, pauses) and the escalation chain up the jurisdiction tree."""

from engine.deadlines.admin_days import may_edit_calendar, set_override_day
from engine.deadlines.calendar import CHINA_TZ, ChinaCalendar, WorkCalendar, calendar_warnings
from engine.deadlines.escalation import Chain, Office, Target, own_offices
from engine.deadlines.overrides import (
    OverrideDay,
    OverrideFile,
    parse_override_file,
    read_overrides,
    read_published_years,
    refresh_overrides,
    store_overrides,
    sync_calendar,
)
from engine.deadlines.plan import DeadlinePlan, Step, add_duration, due_steps, plan_on_enter
from engine.deadlines.schedule import write_next_check

__all__ = [
    "CHINA_TZ",
    "Chain",
    "ChinaCalendar",
    "DeadlinePlan",
    "Office",
    "OverrideDay",
    "OverrideFile",
    "Step",
    "Target",
    "WorkCalendar",
    "add_duration",
    "calendar_warnings",
    "due_steps",
    "may_edit_calendar",
    "own_offices",
    "parse_override_file",
    "plan_on_enter",
    "read_overrides",
    "read_published_years",
    "refresh_overrides",
    "set_override_day",
    "store_overrides",
    "sync_calendar",
    "write_next_check",
]
