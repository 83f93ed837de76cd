"""The disposal breakdown (处置方式) of a period: how many items were disposed of in it, and
by which method, each method a share of that total (numerator and denominator, labels from
the workflow files). An item counts once, under the method of its latest disposal in the
period (a lead taken up for 初步核实 and closed 予以了结 in one month counts as 予以了结);
the database counts, from the audit events that recorded a disposal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, literal_column, select

from engine.reports.figures import Figure
from engine.reports.labels import DISPOSAL_FIELD as FIELD
from engine.reports.labels import DISPOSAL_TOTAL
from engine.reports.period import Period
from engine.storage import EVENT, ITEM


def disposal_figures(conn: Connection, where: list[Any], period: Period,
                     methods: tuple[tuple[str, str], ...]) -> tuple[Figure, ...]:
    """The total, then one share per declared method (zero included); none when no workflow
    declares disposal methods."""
    if not methods:
        return ()
    method = EVENT.c.data[FIELD].as_string()
    at = _event_at(conn, period)
    in_period = and_(at >= period.start, at < period.end, method.is_not(None))
    latest = (select(EVENT.c.item_id, func.max(EVENT.c.seq).label("seq"))
              .where(in_period).group_by(EVENT.c.item_id).subquery())
    q = (select(method, func.count())
         .select_from(EVENT.join(latest, and_(EVENT.c.item_id == latest.c.item_id,
                                              EVENT.c.seq == latest.c.seq))
                      .join(ITEM, ITEM.c.id == EVENT.c.item_id))
         .where(*where).group_by(method))
    counts = {str(code): int(n) for code, n in conn.execute(q)}
    total = sum(counts.values())
    shares = tuple(Figure(key=f"{FIELD}.{code}", label=label, numerator=counts.get(code, 0),
                          denominator=total,
                          value=round(counts.get(code, 0) / total, 4) if total else None)
                   for code, label in methods)
    return (Figure(key=FIELD, label=DISPOSAL_TOTAL, numerator=total, denominator=None,
                   value=total), *shares)


# the share of the events' time span a period must cover before SQLite reads the events in
# (item, seq) order instead of by time
WIDE = 0.5


def _event_at(conn: Connection, period: Period) -> Any:
    """`audit_event.at`, or on SQLite, for a period covering most of the span the events
    have, the same column in a form (`+at`) its planner cannot take to ix_audit_at: with no
    statistics it walks that index for any range and fetches each event out of order, which
    over most of the table costs several times a pass in (item, seq) order, the order the
    latest-per-item grouping wants anyway. Two index end points decide."""
    if conn.dialect.name != "sqlite":
        return EVENT.c.at
    first = conn.execute(select(func.min(EVENT.c.at))).scalar()
    last = conn.execute(select(func.max(EVENT.c.at))).scalar()
    if first is None or last is None or last <= first:
        return EVENT.c.at
    covered = min(last, period.end) - max(first, period.start)
    if covered / (last - first) < WIDE:
        return EVENT.c.at
    return literal_column(f"+{EVENT.name}.at", type_=EVENT.c.at.type)
