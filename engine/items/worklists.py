"""Work queues for the console's 工作台: counts and keyset pages of items in scope, in order
of their due time (the item due soonest first; items without a deadline last).

The filters go beyond the API list's (`queries.ItemFilters`): several states at once, a due
window, channel and category, "mine" (assigned to me, or my unit's and unassigned). Which items
the actor may see is decided by the scope rule alone (`_in_scope`), the same as every other
read of items."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, or_, select, true

from engine.errors import InvalidData
from engine.items.lights import Light, LightRule
from engine.items.queries import MAX_LIMIT, Page, _item_select, light_terms
from engine.items.scope import visible_item_branches, visible_items
from engine.kernel import Actor
from engine.storage import ITEM


@dataclass(frozen=True, kw_only=True)
class WorkFilters:
    workflow: str | None = None
    states: tuple[str, ...] | None = None  # any of these (empty: none at all)
    states_not: tuple[str, ...] = ()  # none of these
    channel: str | None = None
    category: str | None = None
    jurisdiction_id: int | None = None  # its subtree
    unit_id: int | None = None
    assignee_id: int | None = None
    # (user, unit, jurisdiction): assigned to the user, or in the unit with nobody assigned,
    # or (when a jurisdiction is given: an office's own work) in that very jurisdiction with
    # no unit yet (received, not yet routed)
    mine: tuple[int, int | None, int | None] | None = None
    open: bool | None = None
    overdue: bool | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    escalation_level: int | None = None
    notice_level: str | None = None  # issued at least one supervision notice of this level
    text: str | None = None  # in the title or the reference
    light: Light | None = None  # showing this warning light, by `light_rule`
    light_rule: LightRule | None = None


@dataclass(frozen=True, kw_only=True)
class JurisdictionCounts:
    """The items of one jurisdiction (itself, not its subtree): open, closed, and the open
    ones past their due time by escalation level."""

    open: int = 0
    closed: int = 0
    overdue_by_level: dict[int, int] = field(default_factory=dict)


def _in_scope(conn: Connection, actor: Actor, within: int | None) -> list[ColumnElement[bool]]:
    """The scope rule as WHERE terms: the one rule of engine.items.scope. Work lists sort by
    due time, so the planner is kept on the due-date index."""
    return visible_items(conn, actor, within=within, by_due=True)


def _where(f: WorkFilters, now: datetime) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.workflow is not None:
        out.append(ITEM.c.workflow == f.workflow)
    if f.states is not None:
        out.append(ITEM.c.state.in_(f.states))
    if f.states_not:
        out.append(ITEM.c.state.not_in(f.states_not))
    for key, value in (("channel", f.channel), ("category", f.category)):
        if value is not None:
            out.append(ITEM.c.data[key].as_string() == value)
    if f.unit_id is not None:
        out.append(ITEM.c.unit_id == f.unit_id)
    if f.assignee_id is not None:
        out.append(ITEM.c.assignee_id == f.assignee_id)
    if f.mine is not None:
        user_id, unit_id, jurisdiction_id = f.mine
        own_unit = ([and_(ITEM.c.unit_id == unit_id, ITEM.c.assignee_id.is_(None))]
                    if unit_id is not None else [])
        unrouted = ([and_(ITEM.c.jurisdiction_id == jurisdiction_id, ITEM.c.unit_id.is_(None),
                          ITEM.c.assignee_id.is_(None))]
                    if jurisdiction_id is not None else [])
        out.append(or_(ITEM.c.assignee_id == user_id, *own_unit, *unrouted))
    if f.open is True:
        out.append(ITEM.c.closed_at.is_(None))
    elif f.open is False:
        out.append(ITEM.c.closed_at.is_not(None))
    if f.overdue is True:
        out += [ITEM.c.due_at < now, ITEM.c.closed_at.is_(None)]
    if f.escalation_level is not None:
        out.append(ITEM.c.escalation_level == f.escalation_level)
    if f.notice_level is not None:  # the counts the notices keep on the item row
        out.append(ITEM.c.supervision_counts[f.notice_level].as_integer() > 0)
    for col, low, high in ((ITEM.c.due_at, f.due_from, f.due_to),
                           (ITEM.c.created_at, f.created_from, f.created_to),
                           (ITEM.c.closed_at, f.closed_from, f.closed_to)):
        if low is not None:
            out.append(col >= low)
        if high is not None:
            out.append(col < high)
    if f.text:
        out.append(or_(ITEM.c.title.icontains(f.text, autoescape=True),
                       ITEM.c.ref.icontains(f.text, autoescape=True)))
    return out + light_terms(f.light, f.light_rule)


def count_work(conn: Connection, actor: Actor, filters: WorkFilters, *, now: datetime) -> int:
    q = select(func.count()).select_from(ITEM).where(
        *_where(filters, now), *_in_scope(conn, actor, filters.jurisdiction_id))
    return int(conn.execute(q).scalar_one())


def count_work_tabs(conn: Connection, actor: Actor, tabs: Mapping[str, WorkFilters], *,
                    within: WorkFilters, now: datetime) -> dict[str, int]:
    """The counts of several work lists in one pass over the scope (one query per
    alternative of the scope rule, not one per tab). Every tab must narrow `within`: its
    terms and the scope rule are the WHERE, each tab's own terms a CASE, so each count
    equals `count_work` of that tab."""
    if not tabs:
        return {}
    keys = list(tabs)
    sums = [func.coalesce(func.sum(case((and_(true(), *_where(tabs[k], now)), 1), else_=0)), 0)
            for k in keys]
    totals = [0] * len(keys)
    for q in count_queries(conn, actor, sums, within, now):
        totals = [t + int(n) for t, n in zip(totals, conn.execute(q).one(), strict=True)]
    return dict(zip(keys, totals, strict=True))


def count_queries(conn: Connection, actor: Actor, sums: list[Any], within: WorkFilters,
                   now: datetime) -> list[Select[Any]]:
    """One query per alternative of the scope rule (a handler: their unit's items, then those
    assigned to them outside it), each excluding the rows of the ones before so no item
    counts twice. Each is then a range of one covering index (`ix_item_unit_work`,
    `ix_item_assignee_work`, migration 0015) read without the table; their OR made both
    databases fetch every row of the scope from the table."""
    branches = visible_item_branches(conn, actor, within=within.jurisdiction_id)
    base = _where(within, now)
    out: list[Select[Any]] = []
    for i, branch in enumerate(branches):
        before = [and_(*b).is_not(true()) for b in branches[:i]]  # NULL is "not before"
        out.append(select(*sums).select_from(ITEM).where(*base, *branch, *before))
    return out


def counts_by_jurisdiction(conn: Connection, actor: Actor, *, now: datetime,
                           workflow: str | None = None) -> dict[int, JurisdictionCounts]:
    """Open, closed and overdue-by-level counts of each jurisdiction in scope, in one
    grouped query (the 督导看板 adds them up its tree)."""
    closed = ITEM.c.closed_at.is_not(None)
    overdue = and_(ITEM.c.closed_at.is_(None), ITEM.c.due_at < now)
    q = (select(ITEM.c.jurisdiction_id, ITEM.c.escalation_level, func.count(),
                func.coalesce(func.sum(case((closed, 1), else_=0)), 0),
                func.coalesce(func.sum(case((overdue, 1), else_=0)), 0))
         .where(*visible_items(conn, actor),
                *([ITEM.c.workflow == workflow] if workflow else []))
         .group_by(ITEM.c.jurisdiction_id, ITEM.c.escalation_level))
    acc: dict[int, list[Any]] = {}
    for jid, level, total, n_closed, n_overdue in conn.execute(q):
        a = acc.setdefault(int(jid), [0, 0, {}])
        a[0] += int(total) - int(n_closed)
        a[1] += int(n_closed)
        if n_overdue:
            a[2][int(level)] = a[2].get(int(level), 0) + int(n_overdue)
    return {jid: JurisdictionCounts(open=o, closed=c, overdue_by_level=lv)
            for jid, (o, c, lv) in acc.items()}


def _encode(row: Any) -> str:
    key = {"d": row.due_at.isoformat() if row.due_at else None, "id": row.id}
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        key = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        due = None if key["d"] is None else datetime.fromisoformat(key["d"])
        if not isinstance(key["id"], int) or (due is not None and due.tzinfo is None):
            raise ValueError("bad cursor")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidData("cursor is not valid for this query; start again without it",
                          fields={"cursor": "invalid"}) from None
    return due, int(key["id"])


def list_work(conn: Connection, actor: Actor, filters: WorkFilters, *, now: datetime,
              limit: int = 50, cursor: str | None = None) -> Page:
    """One page in due order: earliest due first, then items without a due time, by id.

    Two queries, each in the order of an index (`ix_item_due_id`, then by id), so a page
    stops after its rows: one ORDER BY `due_at IS NULL` would sort every item in scope."""
    limit = max(1, min(limit, MAX_LIMIT))
    q = _item_select().where(*_where(filters, now),
                             *_in_scope(conn, actor, filters.jurisdiction_id))
    due, last_id = _decode(cursor) if cursor else (None, None)
    rows: list[Any] = []
    if last_id is None or due is not None:
        dated = q.where(ITEM.c.due_at.is_not(None))
        if due is not None:
            dated = dated.where(or_(ITEM.c.due_at > due,
                                    and_(ITEM.c.due_at == due, ITEM.c.id > last_id)))
        rows = list(conn.execute(dated.order_by(ITEM.c.due_at, ITEM.c.id).limit(limit + 1)))
    if len(rows) <= limit:
        undated = q.where(ITEM.c.due_at.is_(None))
        if due is None and last_id is not None:
            undated = undated.where(ITEM.c.id > last_id)
        rows += conn.execute(undated.order_by(ITEM.c.id).limit(limit + 1 - len(rows)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=_encode(rows[-1]) if more else None)
