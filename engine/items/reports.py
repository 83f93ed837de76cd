"""The figures the offices put in their bulletins, counted over the caller's scope only.

Over a million items every scan counts, so the counts come from one grouped scan (a "cube"
over state, channel, category, disposal, unit, jurisdiction and the overdue level, a few
thousand rows) that Python folds into each dimension, and each median from a histogram
(one grouped scan) and the one or two buckets holding the middle (docs/reports.md)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Integer, case, cast, func, select

from engine.items.scope import visible_items
from engine.kernel import Actor
from engine.storage import ITEM, JUR, UNIT

UNSET = "(none)"  # the bucket for items without the field
# seconds per histogram bucket of a median: an hour holds a few hundred of a million items
# spread over months; any width gives the same (exact) median, only the middle bucket's size
BUCKET_S = 3600


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
    out = Summary()
    _fold_cube(conn, where, now, out)
    out.median_seconds_to_transferred, out.median_seconds_to_closed = _medians(conn, where)
    return out


def _fold_cube(conn: Connection, where: list[Any], now: datetime, out: Summary) -> None:
    """One grouped scan; each row adds its count to every dimension it names."""
    overdue_level = case((ITEM.c.closed_at.is_(None) & (ITEM.c.due_at < now),
                          ITEM.c.escalation_level), else_=None)
    keys = (ITEM.c.state, ITEM.c.data["channel"].as_string(),
            ITEM.c.data["category"].as_string(), ITEM.c.data["disposal"].as_string(),
            ITEM.c.unit_id, ITEM.c.jurisdiction_id, overdue_level)
    q = (select(*keys, func.count(), func.count(ITEM.c.closed_at)).where(*where)
         .group_by(*keys))
    dims: dict[str, Counter[str]] = {d: Counter() for d in (
        "state", "channel", "category", "disposal", "unit", "jurisdiction", "overdue")}
    unit_ids: Counter[int | None] = Counter()
    jur_ids: Counter[int] = Counter()
    for state, channel, category, disposal, unit_id, jur_id, level, n, closed in \
            conn.execute(q):
        for dim, value in (("state", state), ("channel", channel), ("category", category),
                           ("disposal", disposal)):
            dims[dim][_label(value)] += n
        unit_ids[unit_id] += n
        jur_ids[jur_id] += n
        if level is not None:
            dims["overdue"][str(level)] += n
        out.total += n
        out.closed += closed
    out.open = out.total - out.closed
    out.by_state, out.by_channel = dict(dims["state"]), dict(dims["channel"])
    out.by_category, out.by_disposal = dict(dims["category"]), dict(dims["disposal"])
    out.overdue_by_escalation_level = dict(dims["overdue"])
    out.by_unit = _by_code(conn, UNIT, unit_ids)
    out.by_jurisdiction = _by_code(conn, JUR, jur_ids)


def _label(value: Any) -> str:
    return str(value) if value is not None else UNSET


def _by_code(conn: Connection, table: Any, counts: Counter[Any]) -> dict[str, int]:
    """Counts per row id -> per code (codes of the few ids counted, read in one query)."""
    ids = [i for i in counts if i is not None]
    code: dict[int, str] = dict(conn.execute(
        select(table.c.id, table.c.code).where(table.c.id.in_(ids))).all()) if ids else {}
    out: Counter[str] = Counter()
    for i, n in counts.items():
        out[_label(code.get(i) if i is not None else None)] += n
    return dict(out)


def _medians(conn: Connection, where: list[Any]) -> tuple[float | None, float | None]:
    transferred = ITEM.c.state_entries["transferred"].as_string()
    return (median_seconds(conn, where, transferred),
            median_seconds(conn, where, ITEM.c.closed_at))


def _seconds(conn: Connection, end: Any) -> Any:
    if conn.dialect.name == "postgresql":
        end_at = end if end is ITEM.c.closed_at else cast(end, DateTime(timezone=True))
        return func.extract("epoch", end_at - ITEM.c.created_at)
    # SQLite: julianday() reads both the stored timestamps and ISO text with offset
    return (func.julianday(end) - func.julianday(ITEM.c.created_at)) * 86400.0


def median_seconds(conn: Connection, where: list[Any], end: Any, *,
                   bucket_s: int = BUCKET_S) -> float | None:
    """Exact median seconds from creation to `end` (a timestamp column or an ISO text) in
    the database, without sorting every value: a count per bucket (a monotone function of
    the value, so the buckets in order are the sorted list in slices), then the values of
    the one or two buckets that hold the middle position(s), sorted, and the middle taken."""
    seconds = _seconds(conn, end)
    bucket = cast(seconds / bucket_s, Integer)  # truncating or rounding: monotone either way
    present = [*where, end.is_not(None)]
    hist = conn.execute(select(bucket, func.count()).where(*present).group_by(bucket)
                        .order_by(bucket)).all()
    n = sum(int(k) for _, k in hist)
    if not n:
        return None
    lo, hi = (n - 1) // 2, n // 2  # the middle position(s), 0-based
    before, wanted, first = 0, [], None
    for b, k in hist:
        if before <= hi and lo < before + k:  # this bucket holds lo or hi (or both)
            wanted.append(b)
            first = before if first is None else first
        before += k
    assert first is not None
    middle = [float(v) for v in conn.execute(
        select(seconds).where(*present, bucket.in_(wanted)).order_by(seconds)
        .limit(hi - lo + 1).offset(lo - first)).scalars()]
    # julianday() is a float of days: round away its sub-millisecond noise
    return round(statistics.mean(middle), 3)
