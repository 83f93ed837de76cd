"""The warning light (预警灯) of an item: the one rule, in two faces.

An open item whose clock runs is red (红) once its due time has come, yellow (黄) from its
yellow point on, green (绿) before; a closed item, or one whose clock is paused or that has
no deadline, has no light. The yellow point is the state's reminder point (`remind_at`),
unless the item's workflow version declares `lights: {yellow: {before: D}}`: then it is D
before the due time.

`light_case` is the rule as a SQL CASE over the item columns (lists, filters, counts);
`LightRule.of` is the same rule for a row in hand. Both compare the due time with one
horizon computed once per workflow version (`now + D`), so they cannot disagree; a test
holds them to the same answers on both databases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, literal, null

from engine.deadlines import WorkCalendar, add_duration
from engine.storage import ITEM
from engine.workflow import WorkflowDef

Light = Literal["green", "yellow", "red"]
LIGHTS: tuple[Light, ...] = ("green", "yellow", "red")
# what a person reads: a light is never shown as a colour alone
LIGHT_WORDS: Mapping[str, str] = {"green": "绿", "yellow": "黄", "red": "红"}


def light_word(light: str | None) -> str:
    """绿 / 黄 / 红, or "" for no light."""
    return LIGHT_WORDS.get(light or "", "")


@dataclass(frozen=True, kw_only=True)
class LightRule:
    """The rule at `now`: for each workflow version that declares its yellow point, the due
    time up to which an item is yellow."""

    now: datetime
    horizons: Mapping[tuple[str, int], datetime]

    def of(self, *, workflow: str, version: int, due_at: datetime | None,
           remind_at: datetime | None, closed: bool) -> Light | None:
        if closed or due_at is None:
            return None
        if due_at <= self.now:
            return "red"
        horizon = self.horizons.get((workflow, version))
        if horizon is not None:
            return "yellow" if due_at <= horizon else "green"
        return "yellow" if remind_at is not None and remind_at <= self.now else "green"

    def of_row(self, row: Any) -> Light | None:
        """The light of an item row (workflow, workflow_version, due_at, remind_at,
        closed_at)."""
        return self.of(workflow=row.workflow, version=row.workflow_version, due_at=row.due_at,
                       remind_at=row.remind_at, closed=row.closed_at is not None)


def light_rule(defs: Iterable[WorkflowDef], now: datetime, calendar: WorkCalendar) -> LightRule:
    return LightRule(now=now, horizons={
        wf.key: add_duration(now, wf.lights.yellow_before, calendar)
        for wf in defs if wf.lights.yellow_before is not None})


def light_case(rule: LightRule) -> ColumnElement[Any]:
    """The light as SQL: 'green' | 'yellow' | 'red', NULL for no light."""
    now = literal(rule.now, ITEM.c.due_at.type)
    whens: list[tuple[Any, Any]] = [
        (ITEM.c.closed_at.is_not(None), null()),
        (ITEM.c.due_at.is_(None), null()),
        (ITEM.c.due_at <= now, "red"),
    ]
    for (name, version), horizon in sorted(rule.horizons.items()):
        this = and_(ITEM.c.workflow == name, ITEM.c.workflow_version == version)
        whens += [(and_(this, ITEM.c.due_at <= literal(horizon, ITEM.c.due_at.type)),
                   "yellow"),
                  (this, "green")]
    whens.append((ITEM.c.remind_at <= now, "yellow"))
    return case(*whens, else_="green")


def light_is(rule: LightRule, light: Light) -> list[ColumnElement[bool]]:
    """WHERE terms for items showing `light`: the CASE, plus the plain column terms it
    implies so the planner can still use the due-date index."""
    return [ITEM.c.closed_at.is_(None), ITEM.c.due_at.is_not(None), light_case(rule) == light]
