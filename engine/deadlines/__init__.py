"""Time limits: China's working-day calendar (调休, admin overrides), the deadline plan of a
state (due, reminder, pauses) and the escalation chain up the jurisdiction tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
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

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "may_edit_calendar": "admin_days", "set_override_day": "admin_days",
    "CHINA_TZ": "calendar", "ChinaCalendar": "calendar", "WorkCalendar": "calendar",
    "calendar_warnings": "calendar",
    "Chain": "escalation", "Office": "escalation", "Target": "escalation",
    "own_offices": "escalation",
    "OverrideDay": "overrides", "OverrideFile": "overrides", "parse_override_file": "overrides",
    "read_overrides": "overrides", "read_published_years": "overrides",
    "refresh_overrides": "overrides", "store_overrides": "overrides",
    "sync_calendar": "overrides",
    "DeadlinePlan": "plan", "Step": "plan", "add_duration": "plan", "due_steps": "plan",
    "plan_on_enter": "plan",
    "write_next_check": "schedule",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "admin_days":
            import engine.deadlines.admin_days as module
        elif name == "calendar":
            import engine.deadlines.calendar as module
        elif name == "escalation":
            import engine.deadlines.escalation as module
        elif name == "overrides":
            import engine.deadlines.overrides as module
        elif name == "plan":
            import engine.deadlines.plan as module
        elif name == "schedule":
            import engine.deadlines.schedule as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
