"""Supervision notices (督办): an office issues one on an item (a level, the requirement, a
reply deadline in working days); the handling unit replies (反馈); the issuer accepts the
reply or returns it for a new one. Each step, in one write transaction: the checks of the
workflow's `supervision:` section, the notice row, the audit event through the one writer
(engine.items.record_step, expecting the version read) and the notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.deadlines import CHINA_TZ, Chain, sync_calendar
from engine.errors import Forbidden, InvalidData, NotFound, RoleForbidden, TransitionRefused
from engine.items import get_item, record_step
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import JUR, NOTICE, inserted_id, read_tx, write_tx
from engine.supervision.common import (
    NoticeRecord,
    days,
    item_for_step,
    notify,
    supervision_of,
    text,
)
from engine.workflow import SupervisionDef, WorkflowDef

AWAITING_REPLY = ("open", "returned")
MAX_REPLY_DAYS = 60


def issue_notice(rt: Runtime, *, actor: Actor, item_id: int, level: str, requirement: str,
                 reply_days: int | None = None) -> NoticeRecord:
    """Issue a notice on the item; the reply is due `reply_days` working days from now (the
    workflow's default when None)."""
    requirement = text("requirement", requirement)
    with write_tx(rt.db) as conn:
        item, wf = item_for_step(conn, rt, actor, item_id, "supervise")
        sup = supervision_of(wf, item, "supervise")
        if actor.role not in sup.issue_roles:
            raise RoleForbidden(trigger="supervise", role=actor.role, roles=sup.issue_roles)
        lv = sup.level(level)
        if lv is None:
            codes = ", ".join(f"{x.code} ({x.label})" for x in sup.levels)
            raise InvalidData(f"unknown supervision level {level!r}; use one of: {codes}",
                              fields={"level": f"one of {[x.code for x in sup.levels]}"})
        n = days("reply_days", sup.reply_working_days if reply_days is None else reply_days,
                 MAX_REPLY_DAYS)
        now = rt.clock.now()
        sync_calendar(rt.calendar, conn)
        due = rt.calendar.add_working_days(now, n)
        issuer_jur = actor.jurisdiction_id if actor.jurisdiction_id is not None \
            else item.jurisdiction_id
        notice_id = inserted_id(conn.execute(insert(NOTICE).values(
            item_id=item.id, level=lv.code, requirement=requirement, state="open",
            issuer=actor.label, issuer_jurisdiction_id=issuer_jur, reply_working_days=n,
            issued_at=now, first_due_at=due, reply_due_at=due, raises=0,
            issue_seq=item.audit_seq + 1)))
        counts = dict(item.supervision_counts or {})
        counts[lv.code] = counts.get(lv.code, 0) + 1
        data = {"notice_id": notice_id, "level": lv.code, "requirement": requirement,
                "reply_working_days": n, "reply_due_at": due.isoformat(),
                "issuer_jurisdiction": _code(conn, issuer_jur)}
        record_step(rt, actor=actor, item_id=item.id, trigger="supervise", data=data,
                    expected_version=item.version, values={"supervision_counts": counts},
                    conn=conn)
        chain = Chain()
        notify(conn, targets=[chain.for_reminder(conn, item)], kind="supervise",
               subject=f"督办通知（{lv.label}）：{wf.title} {item.ref}，请于 "
                       f"{_local(due)} 前反馈", body=requirement, item=item,
               level=lv.order, data={"notice_id": notice_id, "level": lv.code,
                                     "ref": item.ref}, now=now)
        return _record(conn, wf, notice_id)


def reply_notice(rt: Runtime, *, actor: Actor, item_id: int, notice_id: int,
                 reply: str) -> NoticeRecord:
    """The handling unit's reply (反馈) to an open or returned notice."""
    reply = text("reply", reply)

    def step(conn: Connection, item: Any, wf: WorkflowDef, sup: SupervisionDef,
             notice: Any) -> None:
        _needs(notice, AWAITING_REPLY, "supervise_reply")
        if actor.role not in sup.reply_roles:
            raise RoleForbidden(trigger="supervise_reply", role=actor.role,
                                roles=sup.reply_roles)
        now = rt.clock.now()
        on_time = now <= notice.reply_due_at
        conn.execute(update(NOTICE).where(NOTICE.c.id == notice.id).values(
            state="replied", reply=reply, replied_at=now,
            first_replied_at=notice.first_replied_at or now))
        record_step(rt, actor=actor, item_id=item.id, trigger="supervise_reply",
                    data={"notice_id": notice.id, "reply": reply, "on_time": on_time},
                    expected_version=item.version, conn=conn)
        notify(conn, targets=[Chain().for_level(conn, notice.issuer_jurisdiction_id, 1)],
               kind="supervise_reply", subject=f"督办反馈：{wf.title} {item.ref}",
               body=reply, item=item, level=_order(sup, notice.level),
               data={"notice_id": notice.id, "ref": item.ref}, now=now)

    return _step(rt, actor, item_id, notice_id, "supervise_reply", step)


def accept_reply(rt: Runtime, *, actor: Actor, item_id: int, notice_id: int,
                 comment: str = "") -> NoticeRecord:
    """The issuer accepts the reply: the notice is done."""
    return _decide(rt, actor, item_id, notice_id, "supervise_accept", comment)


def return_reply(rt: Runtime, *, actor: Actor, item_id: int, notice_id: int,
                 reason: str) -> NoticeRecord:
    """The issuer sends the reply back: a new reply is due in the notice's working days."""
    return _decide(rt, actor, item_id, notice_id, "supervise_return", text("reason", reason))


def _decide(rt: Runtime, actor: Actor, item_id: int, notice_id: int, trigger: str,
            comment: str) -> NoticeRecord:
    accept = trigger == "supervise_accept"
    if comment:
        comment = text("comment", comment)

    def step(conn: Connection, item: Any, wf: WorkflowDef, sup: SupervisionDef,
             notice: Any) -> None:
        _needs(notice, ("replied",), trigger)
        if actor.role not in sup.decide_roles:
            raise RoleForbidden(trigger=trigger, role=actor.role, roles=sup.decide_roles)
        if not actor.sees(notice.issuer_jurisdiction_id):
            issuer = _code(conn, notice.issuer_jurisdiction_id)
            raise Forbidden(f"only the issuing office ({issuer}) or one above it decides on "
                            "this reply")
        now = rt.clock.now()
        values: dict[str, Any] = {"state": "accepted" if accept else "returned",
                                  "decided_at": now}
        data: dict[str, Any] = {"notice_id": notice.id}
        if not accept:
            sync_calendar(rt.calendar, conn)
            due = rt.calendar.add_working_days(now, notice.reply_working_days)
            values["reply_due_at"] = due
            data |= {"reason": comment, "reply_due_at": due.isoformat()}
        conn.execute(update(NOTICE).where(NOTICE.c.id == notice.id).values(**values))
        record_step(rt, actor=actor, item_id=item.id, trigger=trigger, data=data,
                    comment=comment if accept else "", expected_version=item.version,
                    conn=conn)
        what = "督办反馈已认可" if accept else "督办反馈被退回，请重新反馈"
        notify(conn, targets=[Chain().for_reminder(conn, item)], kind=trigger,
               subject=f"{what}：{wf.title} {item.ref}", body=comment, item=item,
               level=_order(sup, notice.level), data={"notice_id": notice.id,
                                                      "ref": item.ref}, now=now)

    return _step(rt, actor, item_id, notice_id, trigger, step)


def _step(rt: Runtime, actor: Actor, item_id: int, notice_id: int, trigger: str,
          work: Any) -> NoticeRecord:
    with write_tx(rt.db) as conn:
        item, wf = item_for_step(conn, rt, actor, item_id, trigger)
        sup = supervision_of(wf, item, trigger)
        notice = conn.execute(select(NOTICE).where(
            NOTICE.c.id == notice_id, NOTICE.c.item_id == item.id)).first()
        if notice is None:
            raise NotFound(f"notice {notice_id} of item {item_id} not found")
        work(conn, item, wf, sup, notice)
        return _record(conn, wf, notice_id)


def _needs(notice: Any, states: tuple[str, ...], trigger: str) -> None:
    if notice.state not in states:
        raise TransitionRefused(trigger=trigger, state=f"notice {notice.state}", allowed=[])


def _order(sup: SupervisionDef, code: str) -> int:
    lv = sup.level(code)
    return lv.order if lv is not None else 0


def _code(conn: Connection, jurisdiction_id: int) -> str:
    return str(conn.execute(select(JUR.c.code).where(JUR.c.id == jurisdiction_id)).scalar_one())


def _local(at: Any) -> str:
    return str(at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"))


def _record(conn: Connection, wf: WorkflowDef, notice_id: int) -> NoticeRecord:
    row = conn.execute(select(NOTICE, JUR.c.code.label("jur_code"))
                       .join(JUR, JUR.c.id == NOTICE.c.issuer_jurisdiction_id)
                       .where(NOTICE.c.id == notice_id)).one()
    return record_of(wf, row)


def record_of(wf: WorkflowDef, row: Any) -> NoticeRecord:
    lv = wf.supervision.level(row.level) if wf.supervision else None
    return NoticeRecord(
        id=row.id, item_id=row.item_id, level=row.level,
        level_label=lv.label if lv else row.level, requirement=row.requirement,
        state=row.state, issuer=row.issuer, issuer_jurisdiction=row.jur_code,
        reply_working_days=row.reply_working_days, issued_at=row.issued_at,
        first_due_at=row.first_due_at, reply_due_at=row.reply_due_at, reply=row.reply,
        replied_at=row.replied_at, decided_at=row.decided_at, raises=row.raises)


def list_notices(rt: Runtime, actor: Actor, item_id: int) -> list[NoticeRecord]:
    """The item's notices, oldest first; NotFound when the item is not visible."""
    with read_tx(rt.db) as conn:
        item = get_item(conn, actor, item_id)
        wf = rt.registry.get(item.workflow, item.workflow_version)
        rows = conn.execute(select(NOTICE, JUR.c.code.label("jur_code"))
                            .join(JUR, JUR.c.id == NOTICE.c.issuer_jurisdiction_id)
                            .where(NOTICE.c.item_id == item_id).order_by(NOTICE.c.id)).all()
        return [record_of(wf, r) for r in rows]
