"""The performance report (办结率, 按期办结率, 签收及时率 …) of a period over a jurisdiction
subtree, per unit and per jurisdiction rolled up the tree. The database counts per
(jurisdiction, unit) in three grouped queries; Python only adds the groups up the tree and
turns (received day, closed day) pairs into working days with China's calendar (调休
included), since the calendar lives in the engine, not in a table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, or_, select

from engine.deadlines import WorkCalendar
from engine.items import scope_ids, visible_items, visible_jurisdiction
from engine.kernel import Actor
from engine.reports.disposal import disposal_figures
from engine.reports.event_scan import covers_most_events, unindexed
from engine.reports.figures import Counts, Figure, figures
from engine.reports.labels import NO_UNIT, Semantics, definitions, semantics
from engine.reports.period import Period
from engine.reports.supervision_figures import count_supervision, supervision_figures
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, JUR, MARK, UNIT, read_tx

# an escalation mark of one of these kinds means a deadline of the item passed
LATE_KINDS = ("overdue", "escalate", "repeat")
Key = tuple[int, int | None]  # (jurisdiction id, unit id)


@dataclass(frozen=True, kw_only=True)
class Row:
    kind: str  # jurisdiction | unit
    code: str
    name: str
    jurisdiction_code: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True, kw_only=True)
class Performance:
    period: Period
    jurisdiction_code: str | None
    jurisdiction_name: str
    workflow: str | None
    total: tuple[Figure, ...]
    jurisdictions: tuple[Row, ...]  # each with its whole subtree
    units: tuple[Row, ...]
    disposals: tuple[Figure, ...] = ()  # 处置方式 of the whole scope (engine.reports.disposal)


def china_day(conn: Connection, col: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", col))
    return func.date(col, "+8 hours")  # SQLite stores naive UTC; China has no DST


def _any_late(item_id: Any) -> Any:
    return exists().where(MARK.c.item_id == item_id, MARK.c.kind.in_(LATE_KINDS))


def _flags(p: Period, sem: Semantics) -> Any:
    """Per item with a return or a reopening event: whether it was ever sent back, whether it
    was reopened in the period; one grouped pass over those (rare) events, by trigger index,
    instead of an EXISTS per item."""
    def ever(triggers: frozenset[str], *extra: Any) -> Any:
        if not triggers:
            return literal(0)
        return func.max(case((and_(EVENT.c.trigger.in_(sorted(triggers)), *extra), 1),
                             else_=0))

    return (select(EVENT.c.item_id,
                   ever(sem.returns).label("returned"),
                   ever(sem.reopens, EVENT.c.at >= p.start, EVENT.c.at < p.end)
                   .label("reopened"))
            .where(EVENT.c.trigger.in_(sorted(sem.returns | sem.reopens)))
            .group_by(EVENT.c.item_id).cte("flags"))


def _counts(conn: Connection, where: list[Any], p: Period, now: datetime,
            sem: Semantics) -> dict[Key, Counts]:
    start, end = p.start, p.end
    created = and_(ITEM.c.created_at >= start, ITEM.c.created_at < end)
    closed = and_(ITEM.c.closed_at >= start, ITEM.c.closed_at < end)
    open_ = ITEM.c.closed_at.is_(None)

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    # the items with a late mark, and the event flags, each grouped once and joined
    late = select(MARK.c.item_id).where(MARK.c.kind.in_(LATE_KINDS)).distinct().cte("late")
    source = ITEM.outerjoin(late, late.c.item_id == ITEM.c.id)
    returned: Any = literal(False)
    reopened: Any = literal(False)
    if sem.returns or sem.reopens:
        flags = _flags(p, sem)
        source = source.outerjoin(flags, flags.c.item_id == ITEM.c.id)
        returned, reopened = flags.c.returned == 1, flags.c.reopened == 1
    q = (select(ITEM.c.jurisdiction_id, ITEM.c.unit_id,
                n(created), n(closed), n(and_(created, ITEM.c.closed_at < end)),
                n(and_(closed, late.c.item_id.is_not(None))),
                n(or_(closed, and_(open_, ITEM.c.due_at >= start, ITEM.c.due_at < end))),
                n(and_(open_, ITEM.c.due_at < min(end, now))),
                n(and_(created, returned)), n(and_(closed, reopened)))
         .select_from(source)
         .where(*where, or_(created, closed, open_))
         .group_by(ITEM.c.jurisdiction_id, ITEM.c.unit_id))
    out: dict[Key, Counts] = {}
    for row in conn.execute(q):
        out[(row[0], row[1])] = Counts(
            received=row[2], closed=row[3], closed_of_received=row[4], closed_late=row[5],
            due=row[6], overdue_open=row[7], returned_of_received=row[8], reopened=row[9])
    return out


def _sign_for(conn: Connection, where: list[Any], p: Period, sem: Semantics,
              into: dict[Key, Counts]) -> None:
    """Acceptances in the period; late when the stay they ended passed its deadline."""
    if not sem.sign_for:
        return
    entry = EVENT.alias("entry")
    entered = (select(func.max(entry.c.seq)).where(
        entry.c.item_id == EVENT.c.item_id, entry.c.to_state == EVENT.c.from_state,
        entry.c.seq < EVENT.c.seq,
        or_(entry.c.from_state.is_(None), entry.c.from_state != entry.c.to_state))
        .correlate(EVENT).scalar_subquery())  # nested two deep: say whose EVENT it is
    # most items never got a late mark: one index probe rules them out before the stay's
    # entry is looked up
    late = and_(_any_late(EVENT.c.item_id),
                exists().where(MARK.c.item_id == EVENT.c.item_id, MARK.c.kind.in_(LATE_KINDS),
                               MARK.c.state_entry_seq == entered))
    # a period over most of the events: one pass over them beats the trigger index
    one_pass = covers_most_events(conn, p)
    at, trig = ((unindexed(EVENT.c.at), unindexed(EVENT.c.trigger)) if one_pass
                else (EVENT.c.at, EVENT.c.trigger))
    which = or_(*(and_(EVENT.c.workflow == wf, EVENT.c.from_state == state, trig == trigger)
                  for wf, state, trigger in sem.sign_for))
    q = (select(ITEM.c.jurisdiction_id, ITEM.c.unit_id, func.count(),
                func.coalesce(func.sum(case((late, 1), else_=0)), 0))
         .select_from(EVENT.join(ITEM, ITEM.c.id == EVENT.c.item_id))
         .where(*where, which, at >= p.start, at < p.end)
         .group_by(ITEM.c.jurisdiction_id, ITEM.c.unit_id))
    for jid, uid, total, n_late in conn.execute(q):
        c = into.setdefault((jid, uid), Counts())
        c.signed_for, c.signed_for_late = int(total), int(n_late)


def _handling(conn: Connection, where: list[Any], p: Period, calendar: WorkCalendar,
              into: dict[Key, Counts]) -> None:
    """Working days from the day received to the day closed, for items closed in the period:
    the database groups items by the two China dates, the calendar counts each pair once."""
    got, done = china_day(conn, ITEM.c.created_at), china_day(conn, ITEM.c.closed_at)
    q = (select(ITEM.c.jurisdiction_id, ITEM.c.unit_id, got, done, func.count())
         .where(*where, ITEM.c.closed_at >= p.start, ITEM.c.closed_at < p.end)
         .group_by(ITEM.c.jurisdiction_id, ITEM.c.unit_id, got, done))
    rows = [(j, u, _as_date(a), _as_date(b), int(k)) for j, u, a, b, k in conn.execute(q)]
    if not rows:
        return
    ordinal = _working_ordinals(calendar, min(r[2] for r in rows), max(r[3] for r in rows))
    for jid, uid, a, b, k in rows:
        into.setdefault((jid, uid), Counts()).handling_days[ordinal[b] - ordinal[a]] += k


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _working_ordinals(calendar: WorkCalendar, first: date, last: date) -> dict[date, int]:
    """Working days in (first, day] for every day: a span is one subtraction."""
    out, n, day = {}, 0, first
    while day <= last:
        if day != first and calendar.is_working_day(day):
            n += 1
        out[day] = n
        day += timedelta(days=1)
    return out


def performance(conn: Connection, actor: Actor, *, period: Period, now: datetime,
                calendar: WorkCalendar, semantics: Semantics, workflow: str | None = None,
                jurisdiction_id: int | None = None) -> Performance:
    """The report over the actor's scope (or the subtree of `jurisdiction_id`, NotFound when
    out of scope)."""
    ids = scope_ids(conn, actor, jurisdiction_id)  # the jurisdictions the rows are about
    where: list[Any] = visible_items(conn, actor, within=jurisdiction_id)
    if workflow is not None:
        where.append(ITEM.c.workflow == workflow)
    counts = _counts(conn, where, period, now, semantics)
    _sign_for(conn, where, period, semantics, counts)
    _handling(conn, where, period, calendar, counts)
    count_supervision(conn, where, period, counts)
    report = _assemble(conn, counts, ids, period, workflow, jurisdiction_id)
    return replace(report, disposals=disposal_figures(conn, where, period,
                                                      semantics.disposals))


def _figures(c: Counts) -> tuple[Figure, ...]:
    return (*figures(c), *supervision_figures(c))


def _assemble(conn: Connection, counts: dict[Key, Counts], ids: list[int] | None,
              period: Period, workflow: str | None, root: int | None) -> Performance:
    jurs = [r for r in conn.execute(select(JUR.c.id, JUR.c.code, JUR.c.name, JUR.c.lft,
                                           JUR.c.rgt).order_by(JUR.c.lft))
            if ids is None or r.id in ids]
    by_jur: dict[int, Counts] = {}
    for (jid, _), c in counts.items():
        by_jur.setdefault(jid, Counts()).add(c)
    jur_rows = []
    for j in jurs:
        total = Counts()
        for other in jurs:
            if j.lft <= other.lft <= j.rgt and other.id in by_jur:
                total.add(by_jur[other.id])
        jur_rows.append(Row(kind="jurisdiction", code=j.code, name=j.name,
                            jurisdiction_code=j.code, figures=_figures(total)))
    units = {r.id: r for r in conn.execute(select(UNIT.c.id, UNIT.c.code, UNIT.c.name))}
    code_of = {j.id: j.code for j in jurs}
    unit_rows = []
    for (jid, uid), c in sorted(counts.items(), key=lambda kv: (
            code_of.get(kv[0][0], ""), units[kv[0][1]].code if kv[0][1] else "")):
        u = units.get(uid) if uid is not None else None
        unit_rows.append(Row(kind="unit", code=u.code if u else "", name=u.name if u else NO_UNIT,
                             jurisdiction_code=code_of.get(jid, ""), figures=_figures(c)))
    grand = Counts()
    for c in counts.values():
        grand.add(c)
    top = next((j for j in jurs if j.id == root), None)
    return Performance(period=period, jurisdiction_code=top.code if top else None,
                       jurisdiction_name=top.name if top else "全部辖区", workflow=workflow,
                       total=_figures(grand), jurisdictions=tuple(jur_rows),
                       units=tuple(unit_rows))


def performance_report(rt: Runtime, actor: Actor, *, period: Period,
                       workflow: str | None = None,
                       jurisdiction_code: str | None = None) -> Performance:
    """The report as the API, the CLI, the files and the digests read it: labels and
    semantics from the runtime's workflow definitions, time from its clock."""
    with read_tx(rt.db) as conn:
        jid = visible_jurisdiction(conn, actor, jurisdiction_code).id \
            if jurisdiction_code else None
        return performance(conn, actor, period=period, now=rt.clock.now(),
                           calendar=rt.calendar,
                           semantics=semantics(definitions(rt.registry)),
                           workflow=workflow, jurisdiction_id=jid)
