"""The disposal breakdown (处置方式) of a period: how many items were disposed of in it, and
by which method, each method a share of that total (numerator and denominator, labels from
the workflow files). An item counts once, under the method of its latest disposal in the
period (a lead taken up for 初步核实 and closed 予以了结 in one month counts as 予以了结);
the database counts, from the audit events that recorded a disposal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Text, and_, func, select, true, type_coerce

from engine.reports.event_scan import covers_most_events, unindexed
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
    at = unindexed(EVENT.c.at) if covers_most_events(conn, period) else EVENT.c.at
    in_period = and_(at >= period.start, at < period.end, _may_hold(conn),
                     method.is_not(None))
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


def _may_hold(conn: Connection) -> Any:
    """On SQLite, events whose stored JSON text names the field at all: a substring test is
    a fraction of parsing each event's data (one event in three holds a disposal), and
    json.dumps writes an ASCII key as it is, so no event holding one is left out."""
    if conn.dialect.name != "sqlite":
        return true()
    return func.instr(type_coerce(EVENT.c.data, Text), f'"{FIELD}"') > 0

