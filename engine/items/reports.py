"""The figures the offices put in their bulletins, counted over the caller's scope only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, cast, func, select

from engine.items.scope import visible_items
from engine.kernel import Actor
from engine.storage import ITEM, JUR, UNIT

UNSET = "(none)"  # the bucket for items without the field


@dataclass(kw_only=True)
class Summary:
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_unit: dict[str, int] = field(default_factory=dict)
    by_jurisdiction: dict[str, int] = field(default_factory=dict)
    by_disposal: dict[str, int] = field(default_factory=dict)  # 处置方式 codes
    overdue_by_escalation_level: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    open: int = 0
    # median seconds from creation (received) to the latest entry into `transferred`, and to
    # closing; None when no item has got there yet
    median_seconds_to_transferred: float | None = None
    median_seconds_to_closed: float | None = None


def summary(conn: Connection, actor: Actor, *, now: datetime, workflow: str | None = None,
            jurisdiction_id: int | None = None) -> Summary:
    """Counts by state, channel, category, unit and jurisdiction; overdue counts by
    escalation level; median times. Raises NotFound for a jurisdiction out of scope."""
    where: list[Any] = list(visible_items(conn, actor, within=jurisdiction_id))
    if workflow is not None:
        where.append(ITEM.c.workflow == workflow)

    def grouped(col: Any, *joins: tuple[Any, Any]) -> dict[str, int]:
        q = select(col, func.count()).select_from(ITEM)
        for table, on in joins:
            q = q.outerjoin(table, on)
        rows = conn.execute(q.where(*where).group_by(col)).all()
        return {(str(k) if k is not None else UNSET): int(n) for k, n in rows}

    out = Summary()
    out.by_state = grouped(ITEM.c.state)
    out.total = sum(out.by_state.values())
    out.by_channel = grouped(ITEM.c.data["channel"].as_string())
    out.by_category = grouped(ITEM.c.data["category"].as_string())
    out.by_disposal = grouped(ITEM.c.data["disposal"].as_string())
    out.by_unit = grouped(UNIT.c.code, (UNIT, UNIT.c.id == ITEM.c.unit_id))
    out.by_jurisdiction = grouped(JUR.c.code, (JUR, JUR.c.id == ITEM.c.jurisdiction_id))
    out.closed = int(conn.execute(select(func.count()).select_from(ITEM).where(
        *where, ITEM.c.closed_at.is_not(None))).scalar_one())
    out.open = out.total - out.closed
    overdue = conn.execute(
        select(ITEM.c.escalation_level, func.count()).where(
            *where, ITEM.c.due_at < now, ITEM.c.closed_at.is_(None))
        .group_by(ITEM.c.escalation_level)).all()
    out.overdue_by_escalation_level = {str(lvl): int(n) for lvl, n in overdue}
    out.median_seconds_to_transferred, out.median_seconds_to_closed = _medians(conn, where)
    return out


def _medians(conn: Connection, where: list[Any]) -> tuple[float | None, float | None]:
    transferred = ITEM.c.state_entries["transferred"].as_string()
    return (_median_seconds(conn, where, transferred),
            _median_seconds(conn, where, ITEM.c.closed_at))


def _median_seconds(conn: Connection, where: list[Any], end: Any) -> float | None:
    """Median seconds from creation to `end` (a timestamp column or an ISO text), computed
    in the database: one count, then the middle one or two values of the sorted list, so a
    report over a million items never ships them to Python."""
    if conn.dialect.name == "postgresql":
        end_at = end if end is ITEM.c.closed_at else cast(end, DateTime(timezone=True))
        seconds: Any = func.extract("epoch", end_at - ITEM.c.created_at)
    else:  # SQLite: julianday() reads both the stored timestamps and ISO text with offset
        seconds = (func.julianday(end) - func.julianday(ITEM.c.created_at)) * 86400.0
    n = conn.execute(select(func.count()).select_from(ITEM).where(
        *where, end.is_not(None))).scalar_one()
    if not n:
        return None
    middle = [float(v) for v in conn.execute(
        select(seconds).where(*where, end.is_not(None)).order_by(seconds)
        .limit(2 - n % 2).offset((n - 1) // 2)).scalars()]
    # julianday() is a float of days: round away its sub-millisecond noise
    return round(statistics.mean(middle), 3)
