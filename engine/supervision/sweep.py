"""The sweep's supervision step: an unanswered notice past its reply deadline is raised
(提级) exactly once per deadline: one level up, or at the top level to the parent office of
its issuer (提级督办), with a new reply deadline, a `supervise_raise` audit event by the
system and notifications to the unit and the office now pressing it.

Exactly once rests on three things, as escalation does: the notice is re-read due in the
raising transaction (on PostgreSQL locked FOR UPDATE SKIP LOCKED, so a second sweeper skips
it), the item's version is expected, and a unique supervision_mark row (notice, n-th raise)
is inserted with the event, so a second writer of the same raise fails and rolls back.
A notice on a closed item, of a workflow that does not raise, or at the top of the tree
stays as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, insert, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError

from engine.deadlines import Chain, sync_calendar
from engine.errors import LeadflowError
from engine.items import record_step
from engine.kernel import SYSTEM
from engine.runtime import Runtime
from engine.storage import ITEM, JUR, NOTICE, SUPERVISION_MARK, is_postgres, write_tx
from engine.supervision.common import notify
from engine.supervision.notices import AWAITING_REPLY

log = structlog.get_logger("engine.supervision.sweep")
BATCH = 200


@dataclass
class RaiseReport:
    raised: int = 0  # one level up
    climbed: int = 0  # to the parent office at the top level
    failed: list[tuple[int, str]] = field(default_factory=list)


def raise_overdue_notices(rt: Runtime, *, batch_size: int = BATCH) -> RaiseReport:
    """Raise every notice whose reply deadline passed at `rt.clock.now()`; safe to run from
    many threads and processes at once."""
    now = rt.clock.now()
    report = RaiseReport()
    after: tuple[datetime, int] | None = None
    while True:
        with write_tx(rt.db) as conn:
            q = (select(NOTICE.c.id, NOTICE.c.reply_due_at)
                 .join(ITEM, ITEM.c.id == NOTICE.c.item_id)
                 .where(NOTICE.c.state.in_(AWAITING_REPLY), NOTICE.c.reply_due_at <= now,
                        ITEM.c.closed_at.is_(None)))
            if after is not None:
                q = q.where(tuple_(NOTICE.c.reply_due_at, NOTICE.c.id) > after)
            due = conn.execute(q.order_by(NOTICE.c.reply_due_at, NOTICE.c.id)
                               .limit(batch_size)).all()
        if not due:
            break
        after = (due[-1].reply_due_at, due[-1].id)
        for row in due:
            try:
                with write_tx(rt.db) as conn:
                    _raise(conn, rt, row.id, now, report)
            except (LeadflowError, SQLAlchemyError) as exc:
                # another sweeper raised it first (mark, version), or it cannot be raised
                report.failed.append((row.id, type(exc).__name__))
                log.info("supervision_raise_skipped", notice_id=row.id,
                         error=type(exc).__name__)
    if report.raised or report.climbed:
        log.info("supervision_raised", raised=report.raised, climbed=report.climbed)
    return report


def _raise(conn: Connection, rt: Runtime, notice_id: int, now: datetime,
           report: RaiseReport) -> None:
    q = select(NOTICE).where(NOTICE.c.id == notice_id, NOTICE.c.state.in_(AWAITING_REPLY),
                             NOTICE.c.reply_due_at <= now)
    if is_postgres(rt.db):
        q = q.with_for_update(skip_locked=True)
    notice = conn.execute(q).first()
    if notice is None:  # answered, or raised by another sweeper since it was found
        return
    item = conn.execute(select(ITEM).where(ITEM.c.id == notice.item_id)).one()
    wf = rt.registry.get(item.workflow, item.workflow_version)
    sup = wf.supervision
    if sup is None or sup.on_overdue != "raise" or item.closed_at is not None:
        return
    up = sup.above(notice.level)
    level, jur = notice.level, notice.issuer_jurisdiction_id
    if up is not None:
        level = up.code
    else:
        parent = conn.execute(select(JUR.c.parent_id).where(JUR.c.id == jur)).scalar_one()
        if parent is None:  # the top of the tree: nobody above to climb to
            return
        jur = parent
    sync_calendar(rt.calendar, conn)
    due = rt.calendar.add_working_days(now, notice.reply_working_days)
    step = notice.raises + 1
    conn.execute(update(NOTICE).where(NOTICE.c.id == notice.id).values(
        level=level, issuer_jurisdiction_id=jur, reply_due_at=due, raises=step))
    values: dict[str, Any] = {}
    if level != notice.level:
        counts = dict(item.supervision_counts or {})
        counts[notice.level] = max(counts.get(notice.level, 0) - 1, 0)
        counts[level] = counts.get(level, 0) + 1
        values["supervision_counts"] = counts
    codes = dict(conn.execute(select(JUR.c.id, JUR.c.code).where(
        JUR.c.id.in_({jur, notice.issuer_jurisdiction_id}))).all())
    change = record_step(rt, actor=SYSTEM, item_id=item.id, trigger="supervise_raise", data={
        "notice_id": notice.id, "step": step, "from_level": notice.level, "to_level": level,
        "from_jurisdiction": codes[notice.issuer_jurisdiction_id],
        "to_jurisdiction": codes[jur], "scheduled_at": notice.reply_due_at.isoformat(),
        "reply_due_at": due.isoformat()},
        expected_version=item.version, values=values, conn=conn)
    conn.execute(insert(SUPERVISION_MARK).values(
        notice_id=notice.id, step=step, at=now, audit_seq=change.seq))
    lv = sup.level(level)
    label = lv.label if lv else level
    chain = Chain()
    what = f"提级督办（{label}）" if up is None else f"督办升级为{label}"
    notify(conn, targets=[chain.for_reminder(conn, item), chain.for_level(conn, jur, 1)],
           kind="supervise_raise",
           subject=f"{what}：{wf.title} {item.ref} 未按期反馈", body=notice.requirement,
           item=item, level=lv.order if lv else 0,
           data={"notice_id": notice.id, "level": level, "ref": item.ref}, now=now)
    if up is None:
        report.climbed += 1
    else:
        report.raised += 1


