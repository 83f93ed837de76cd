"""The daily dispatch digest (日调度) and the weekly summary (周例会) for each jurisdiction
that has an office, counted over its whole subtree, written as notifications to the office's
users. A digest_mark per (kind, period, jurisdiction) makes each one happen once, however
many schedulers run the cron job, and lets a scheduler that was down produce the missed
current one when it starts.

Daily (period = the China date of the latest 08:00): new items in the 24 hours before that
08:00, items due within the next 24 hours, overdue items, escalations in the 24 hours.
Weekly (period = ISO week of the latest Monday 08:30): new, closed and escalated in the seven
days before it; open items by state; overdue now; and the performance figures (办结率,
按期办结率, 签收及时率) of the calendar week before, from the same code as the reports. The
text speaks Chinese only: states by their labels in the workflow files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from engine.deadlines import CHINA_TZ, own_offices
from engine.kernel import SYSTEM
from engine.reports import (
    Figure,
    Period,
    definitions,
    performance,
    semantics,
    state_label,
)
from engine.runtime import Runtime
from engine.scheduling.notifications import Notice, write
from engine.storage import DIGEST, ITEM, JUR, MARK, UNIT, write_tx
from engine.transparency import latest_checkpoint_line

DAILY_AT = time(8, 0)
WEEKLY_AT = time(8, 30)  # Mondays
DAY = timedelta(days=1)
OPEN = ITEM.c.closed_at.is_(None)


@dataclass(frozen=True, kw_only=True)
class DigestReport:
    kind: str
    period: str
    produced: int  # jurisdictions that got a digest now
    skipped: int  # already produced (by this or another scheduler)


def daily_boundary(now: datetime) -> datetime:
    """The latest 08:00 China time at or before `now`."""
    local = now.astimezone(CHINA_TZ)
    at = datetime.combine(local.date(), DAILY_AT, tzinfo=CHINA_TZ)
    return at if at <= local else at - DAY


def weekly_boundary(now: datetime) -> datetime:
    """The latest Monday 08:30 China time at or before `now`."""
    local = now.astimezone(CHINA_TZ)
    monday = local.date() - timedelta(days=local.weekday())
    at = datetime.combine(monday, WEEKLY_AT, tzinfo=CHINA_TZ)
    return at if at <= local else at - 7 * DAY


def _by_jurisdiction(conn: Connection, *where: Any) -> Counter[int]:
    rows = conn.execute(select(ITEM.c.jurisdiction_id, func.count()).where(*where)
                        .group_by(ITEM.c.jurisdiction_id))
    return Counter({r[0]: r[1] for r in rows})


def _escalations(conn: Connection, start: datetime, end: datetime) -> dict[int, Counter[int]]:
    """Escalation marks in [start, end) by the item's jurisdiction, then by level."""
    rows = conn.execute(select(ITEM.c.jurisdiction_id, MARK.c.level, func.count())
                        .join(ITEM, ITEM.c.id == MARK.c.item_id)
                        .where(MARK.c.kind == "escalate", MARK.c.at >= start, MARK.c.at < end)
                        .group_by(ITEM.c.jurisdiction_id, MARK.c.level))
    out: dict[int, Counter[int]] = {}
    for jid, level, n in rows:
        out.setdefault(jid, Counter())[level] += n
    return out


class _Tree:
    """Roll per-jurisdiction counts up to every ancestor (nested-set bounds)."""

    def __init__(self, conn: Connection) -> None:
        self.rows = list(conn.execute(select(JUR.c.id, JUR.c.lft, JUR.c.rgt, JUR.c.name)))

    def subtree(self, jid: int) -> list[int]:
        me = next(r for r in self.rows if r.id == jid)
        return [r.id for r in self.rows if me.lft <= r.lft <= me.rgt]

    def total(self, counts: Counter[int], jid: int) -> int:
        return sum(counts[j] for j in self.subtree(jid))


def daily_digest(rt: Runtime) -> DigestReport:
    now = rt.clock.now()
    end = daily_boundary(now)
    start = end - DAY
    period = end.date().isoformat()
    with write_tx(rt.db) as conn:
        tree = _Tree(conn)
        new = _by_jurisdiction(conn, ITEM.c.created_at >= start, ITEM.c.created_at < end)
        soon = _by_jurisdiction(conn, OPEN, ITEM.c.due_at >= now,
                                ITEM.c.due_at < now + DAY)
        overdue = _by_jurisdiction(conn, OPEN, ITEM.c.due_at < now)
        esc = _escalations(conn, start, end)

        def body(jid: int) -> tuple[str, dict[str, Any]]:
            levels = Counter[int]()
            for j in tree.subtree(jid):
                levels.update(esc.get(j, Counter()))
            counts = {"new": tree.total(new, jid), "due_soon": tree.total(soon, jid),
                      "overdue": tree.total(overdue, jid),
                      "escalated": {str(k): v for k, v in sorted(levels.items())}}
            text = (f"新增 {counts['new']} 件；24小时内到期 {counts['due_soon']} 件；"
                    f"已逾期 {counts['overdue']} 件；昨日以来升级 {sum(levels.values())} 次"
                    + "".join(f"（第{k}级 {v}）" for k, v in sorted(levels.items())))
            return text, counts

        return _produce(conn, tree, "daily", period, "日调度", body, now)


def weekly_summary(rt: Runtime) -> DigestReport:
    now = rt.clock.now()
    end = weekly_boundary(now)
    start = end - 7 * DAY
    iso = end.isocalendar()
    period = f"{iso.year}-W{iso.week:02d}"
    with write_tx(rt.db) as conn:
        tree = _Tree(conn)
        new = _by_jurisdiction(conn, ITEM.c.created_at >= start, ITEM.c.created_at < end)
        closed = _by_jurisdiction(conn, ITEM.c.closed_at >= start, ITEM.c.closed_at < end)
        overdue = _by_jurisdiction(conn, OPEN, ITEM.c.due_at < now)
        esc = _escalations(conn, start, end)
        defs = definitions(rt.registry)
        sem = semantics(defs)
        week = Period(label="上周", first=(end - 7 * DAY).date(), last=(end - DAY).date())
        states: dict[int, Counter[tuple[str, str]]] = {}
        for jid, wf, state, n in conn.execute(
                select(ITEM.c.jurisdiction_id, ITEM.c.workflow, ITEM.c.state, func.count())
                .where(OPEN).group_by(ITEM.c.jurisdiction_id, ITEM.c.workflow, ITEM.c.state)):
            states.setdefault(jid, Counter())[(wf, state)] += n

        def body(jid: int) -> tuple[str, dict[str, Any]]:
            by_state, levels = Counter[tuple[str, str]](), Counter[int]()
            for j in tree.subtree(jid):
                by_state.update(states.get(j, Counter()))
                levels.update(esc.get(j, Counter()))
            figures = performance(conn, SYSTEM, period=week, now=now, calendar=rt.calendar,
                                  semantics=sem, jurisdiction_id=jid).total
            plain = Counter[str]()
            for (_, state), n in by_state.items():
                plain[state] += n
            counts = {"new": tree.total(new, jid), "closed": tree.total(closed, jid),
                      "overdue": tree.total(overdue, jid),
                      "escalated": {str(k): v for k, v in sorted(levels.items())},
                      "open_by_state": dict(sorted(plain.items())),
                      "figures": {f.key: [f.numerator, f.denominator] for f in figures
                                  if f.key in WEEKLY_FIGURES}}
            in_hand = "、".join(f"{state_label(defs, wf, st)} {n}"
                                for (wf, st), n in sorted(by_state.items()))
            text = (f"本周新增 {counts['new']} 件，办结 {counts['closed']} 件，"
                    f"当前逾期 {counts['overdue']} 件，升级 {sum(levels.values())} 次；"
                    f"在办：{in_hand or '无'}；上周"
                    + "，".join(_ratio(f) for f in figures if f.key in WEEKLY_FIGURES))
            return text, counts

        return _produce(conn, tree, "weekly", period, "周例会", body, now)


WEEKLY_FIGURES = ("closure_rate", "on_time_rate_of_closed", "sign_for_rate")


def _ratio(f: Figure) -> str:
    return f"{f.label} {f.numerator:g}/{f.denominator}"


def _produce(conn: Connection, tree: _Tree, kind: str, period: str, title: str,
             body: Any, now: datetime) -> DigestReport:
    produced = skipped = 0
    checkpoint = latest_checkpoint_line(conn)  # the audit log's state the digest was made at
    for jur in _office_jurisdictions(conn, (r.id for r in tree.rows)):
        target = own_offices(conn, jur)
        if target is None:
            continue
        try:
            with conn.begin_nested():
                conn.execute(insert(DIGEST).values(kind=kind, period=period,
                                                   jurisdiction_id=jur, at=now))
        except IntegrityError:
            skipped += 1
            continue
        text, counts = body(jur)
        if checkpoint is not None:
            text += f"\n审计日志检查点：{checkpoint}"
            counts = counts | {"checkpoint": checkpoint}
        name = next(r.name for r in tree.rows if r.id == jur)
        write(conn, Notice(kind=f"digest_{kind}", subject=f"{title}（{period}）：{name}",
                           body=text, jurisdiction_id=jur,
                           data={"period": period, **counts},
                           payload={"period": period, "jurisdiction": target.jurisdiction_code,
                                    **counts}),
              recipients=target.recipients, offices=target.offices, now=now)
        produced += 1
    return DigestReport(kind=kind, period=period, produced=produced, skipped=skipped)


def _office_jurisdictions(conn: Connection, ids: Iterable[int]) -> list[int]:
    with_office = set(conn.execute(select(UNIT.c.jurisdiction_id)
                                   .where(UNIT.c.kind == "office")).scalars())
    return sorted(j for j in ids if j in with_office)
