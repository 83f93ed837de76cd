"""The ledgers (台账) of leads and rectification items: one row per item in scope, labels from
the workflow definitions, streamed from the database in pages (a 100k-row ledger never sits in
memory). Reporter identity is never read: only the item row and its supervision notices."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from engine.deadlines import CHINA_TZ, WorkCalendar
from engine.items import LightRule, light_rule, light_word, visible_items
from engine.kernel import Actor
from engine.reports.labels import DISPOSAL_FIELD, LEDGER_COLUMNS, state_label, vocabulary_label
from engine.storage import ITEM, NOTICE, UNIT
from engine.workflow import WorkflowDef

PAGE = 2000


@dataclass(frozen=True, kw_only=True)
class LedgerFilter:
    workflow: str
    jurisdiction_id: int | None = None
    created_from: datetime | None = None  # [from, to)
    created_to: datetime | None = None
    open: bool | None = None


def _china(at: datetime | None) -> str:
    return at.astimezone(CHINA_TZ).date().isoformat() if at else ""


def _working_days_left(calendar: WorkCalendar, now: datetime, due: datetime | None) -> int | str:
    """Working days from today to the due day (negative when overdue), counted by day."""
    if due is None:
        return ""
    a, b = now.astimezone(CHINA_TZ).date(), due.astimezone(CHINA_TZ).date()
    step, sign = (timedelta(days=1), 1) if b >= a else (timedelta(days=-1), -1)
    n, day = 0, a
    while day != b:
        day += step
        if calendar.is_working_day(day):
            n += sign
    return n


def ledger_where(conn: Connection, actor: Actor, f: LedgerFilter) -> list[Any]:
    """WHERE terms of the ledger's items: the filter, within what the actor sees."""
    where: list[Any] = [ITEM.c.workflow == f.workflow,
                        *visible_items(conn, actor, within=f.jurisdiction_id)]
    if f.created_from is not None:
        where.append(ITEM.c.created_at >= f.created_from)
    if f.created_to is not None:
        where.append(ITEM.c.created_at < f.created_to)
    if f.open is not None:
        where.append(ITEM.c.closed_at.is_(None) if f.open else ITEM.c.closed_at.is_not(None))
    return where


def ledger_rows(conn: Connection, actor: Actor, f: LedgerFilter, *, wf: WorkflowDef,
                defs: list[WorkflowDef], now: datetime,
                calendar: WorkCalendar) -> Iterator[list[Any]]:
    """Rows in LEDGER_COLUMNS[workflow] order, by item id, paged by keyset."""
    where = ledger_where(conn, actor, f)
    # 督办次数: the supervision notices issued on the item
    marks = (select(func.count()).where(NOTICE.c.item_id == ITEM.c.id).scalar_subquery())
    lights = light_rule(defs, now, calendar)
    q = (select(ITEM.c.id, ITEM.c.ref, ITEM.c.workflow, ITEM.c.workflow_version,
                ITEM.c.state, ITEM.c.data, ITEM.c.created_at,
                ITEM.c.closed_at, ITEM.c.due_at, ITEM.c.remind_at, UNIT.c.name.label("unit"),
                marks.label("marks"))
         .outerjoin(UNIT, UNIT.c.id == ITEM.c.unit_id).order_by(ITEM.c.id).limit(PAGE))
    after, n = 0, 0
    cache: dict[date, int] = {}
    while True:
        page = conn.execute(q.where(and_(*where, ITEM.c.id > after))).all()
        for r in page:
            n += 1
            yield _row(n, r, wf, defs, lights, calendar, cache)
        if len(page) < PAGE:
            return
        after = page[-1].id


def _row(n: int, r: Any, wf: WorkflowDef, defs: list[WorkflowDef], lights: LightRule,
         calendar: WorkCalendar, cache: dict[date, int]) -> list[Any]:
    data = r.data or {}
    now = lights.now
    lit = lights.of_row(r)
    due = r.due_at.astimezone(CHINA_TZ).date() if r.due_at else None
    if due is not None and due not in cache:
        cache[due] = int(_working_days_left(calendar, now, r.due_at))
    got = data.get("subject")
    subject: dict[str, Any] = got if isinstance(got, dict) else {}
    values = {
        "seq": n, "ref": r.ref, "received": _china(r.created_at),
        "channel": vocabulary_label(wf, "channel", data.get("channel")),
        "source": vocabulary_label(wf, "source", data.get("source")),
        "category": vocabulary_label(wf, "category", data.get("category")),
        "subject_unit": str(subject.get("unit", "")),
        "unit": r.unit or "", "due": _china(r.due_at),
        "state": state_label(defs, wf.name, r.state),
        "days_left": cache[due] if due is not None else "",
        "light": f"{light_word(lit)}灯" if lit else "", "supervisions": int(r.marks or 0),
        "disposal": vocabulary_label(wf, DISPOSAL_FIELD, data.get(DISPOSAL_FIELD)),
        "closed": _china(r.closed_at),
        "outcome": vocabulary_label(wf, "outcome", data.get("outcome")),
        "measures": str(data.get("measures", "")),
        "verification": str(data.get("verification", "")),
    }
    return [values[key] for key, _ in LEDGER_COLUMNS[wf.name]]
