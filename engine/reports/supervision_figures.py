"""The supervision (督办) and extension (延期) figures of the performance report, counted in
the database per (jurisdiction, unit) like the others and added up the tree in
`Counts.extra`; formulas in docs/reports.md.

- 督办通知数: notices issued in the period, on items in scope.
- 督办按期反馈率: of those, the ones whose first reply came by the reply deadline they were
  issued with (a return or a raise moves the deadline, not this judgement).
- 延期批准率: extension requests approved / decided in the period.
- 延期办结数: items closed in the period whose deadline was extended (an extended item is
  on time when it meets the extended deadline: no late mark is written before it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, select

from engine.reports.figures import Counts, Figure
from engine.reports.period import Period
from engine.storage import EXTENSION, ITEM, NOTICE

Key = tuple[int, int | None]
LABELS: dict[str, str] = {
    "supervision_notices": "督办通知数",
    "supervision_replied_on_time": "督办按期反馈率",
    "extensions_granted": "延期批准率",
    "closed_extended": "延期办结数",
}


def _n(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def count_supervision(conn: Connection, where: list[Any], p: Period,
                      into: dict[Key, Counts]) -> None:
    """Add the period's notice and extension counts of the items `where` selects."""
    groups = (ITEM.c.jurisdiction_id, ITEM.c.unit_id)
    notices = (select(*groups, func.count(), _n(NOTICE.c.first_replied_at
                                                <= NOTICE.c.first_due_at))
               .select_from(NOTICE.join(ITEM, ITEM.c.id == NOTICE.c.item_id))
               .where(*where, NOTICE.c.issued_at >= p.start, NOTICE.c.issued_at < p.end)
               .group_by(*groups))
    for jid, uid, issued, on_time in conn.execute(notices):
        extra = into.setdefault((jid, uid), Counts()).extra
        extra["notices"] += int(issued)
        extra["notices_replied_on_time"] += int(on_time)
    decided = (select(*groups, func.count(), _n(EXTENSION.c.state == "approved"))
               .select_from(EXTENSION.join(ITEM, ITEM.c.id == EXTENSION.c.item_id))
               .where(*where, EXTENSION.c.decided_at >= p.start,
                      EXTENSION.c.decided_at < p.end)
               .group_by(*groups))
    for jid, uid, n_decided, granted in conn.execute(decided):
        extra = into.setdefault((jid, uid), Counts()).extra
        extra["extensions_decided"] += int(n_decided)
        extra["extensions_granted"] += int(granted)
    extended = exists().where(EXTENSION.c.item_id == ITEM.c.id,
                              EXTENSION.c.state == "approved")
    closed = (select(*groups, func.count())
              .where(*where, and_(ITEM.c.closed_at >= p.start, ITEM.c.closed_at < p.end),
                     extended)
              .group_by(*groups))
    for jid, uid, n in conn.execute(closed):
        into.setdefault((jid, uid), Counts()).extra["closed_extended"] += int(n)


def _rate(key: str, num: int, den: int) -> Figure:
    return Figure(key=key, label=LABELS[key], numerator=num, denominator=den,
                  value=round(num / den, 4) if den else None)


def supervision_figures(c: Counts) -> tuple[Figure, ...]:
    x = c.extra
    return (
        Figure(key="supervision_notices", label=LABELS["supervision_notices"],
               numerator=x["notices"], denominator=None, value=x["notices"]),
        _rate("supervision_replied_on_time", x["notices_replied_on_time"], x["notices"]),
        _rate("extensions_granted", x["extensions_granted"], x["extensions_decided"]),
        _rate("closed_extended", x["closed_extended"], c.closed),
    )
