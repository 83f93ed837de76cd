"""The tabs of the 工作台 and what each one holds, as engine work filters.

Which states a tab covers is read from the workflow definitions, not named here:
- 待签收: states entered by a transition that routes the item to a unit (declares a `unit`
  field), not yet left: sent to my unit, not accepted (lead: 已移交, rectification: 已交办);
- 退回待补充: states whose only way on is back to the workflow's initial state (lead: 退回补充);
- the due tabs count working days on the runtime's calendar (明日 = the next working day).
The items any tab shows are still only those the engine's scope rule lets the viewer see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from console.labels import china_day, day_start, next_working_day
from engine.deadlines import WorkCalendar
from engine.items import WorkFilters
from engine.kernel import Actor, Role
from engine.workflow import WorkflowDef


@dataclass(frozen=True, kw_only=True)
class Tab:
    key: str
    label: str
    filters: WorkFilters


def routed_states(workflows: Iterable[WorkflowDef]) -> tuple[str, ...]:
    out: set[str] = set()
    for wf in workflows:
        for t in wf.transitions:
            if any(f.kind == "unit" for f in t.fields) and not wf.states[t.dest].closed:
                out.add(t.dest)
    return tuple(sorted(out))


def returned_states(workflows: Iterable[WorkflowDef]) -> tuple[str, ...]:
    out: set[str] = set()
    for wf in workflows:
        for name, state in wf.states.items():
            if state.initial or state.closed or state.final:
                continue
            dests = {t.dest for t in wf.transitions_from(name)}
            if dests == {wf.initial_state}:
                out.add(name)
    return tuple(sorted(out))


def tabs(actor: Actor, workflows: list[WorkflowDef], calendar: WorkCalendar,
         now: datetime, base: WorkFilters) -> list[Tab]:
    """The tabs in display order, each narrowing `base` (the filters from the URL)."""
    today = china_day(now)
    tomorrow = next_working_day(calendar, today)
    week_end = today + timedelta(days=7 - today.isoweekday())  # Sunday
    incoming = routed_states(workflows)
    assert actor.user_id is not None
    # an office's own work includes what arrived in its jurisdiction and is not routed yet
    office = actor.role in (Role.office.value, Role.admin.value)
    mine = (actor.user_id, actor.unit_id, actor.jurisdiction_id if office else None)
    return [
        Tab(key="incoming", label="待签收", filters=replace(
            base, states=_narrow(base.states, incoming), unit_id=base.unit_id or actor.unit_id,
            open=True)),
        Tab(key="mine", label="我的待办", filters=replace(
            base, mine=mine, open=True, states_not=incoming)),
        Tab(key="today", label="今日到期", filters=replace(
            base, open=True, due_from=now, due_to=day_start(today + timedelta(days=1)))),
        Tab(key="tomorrow", label="明日到期", filters=replace(
            base, open=True, due_from=max(now, day_start(tomorrow)),
            due_to=day_start(tomorrow + timedelta(days=1)))),
        Tab(key="week", label="本周到期", filters=replace(
            base, open=True, due_from=now, due_to=day_start(week_end + timedelta(days=1)))),
        Tab(key="overdue", label="已超期", filters=replace(base, overdue=True)),
        Tab(key="returned", label="退回待补充", filters=replace(
            base, states=_narrow(base.states, returned_states(workflows)), open=True)),
        Tab(key="closed", label="已办结", filters=replace(base, open=False)),
        Tab(key="open", label="全部在办", filters=replace(base, open=True)),
        Tab(key="all", label="全部", filters=base),
    ]


def _narrow(chosen: tuple[str, ...] | None, tab: tuple[str, ...]) -> tuple[str, ...]:
    """The states both the URL's filter and the tab allow."""
    return tab if chosen is None else tuple(s for s in chosen if s in tab)


DEFAULT_TAB = "mine"
