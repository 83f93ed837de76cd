"""Extensions (延期申请): before its deadline the handler asks for more working days with a
reason; the office approves (possibly fewer days) or refuses with a reason. Approval moves
the item's due time, its reminder and its next check by the granted working days, in the
transaction of the audit event; refusal records the event only. The limits (how many per
stay in a state, how many days each, who asks, who decides) come from the workflow file's
`extensions:` section."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.deadlines import CHINA_TZ, Chain, sync_calendar, write_next_check
from engine.errors import InvalidData, NotFound, RoleForbidden, TransitionRefused
from engine.items import get_item, record_step
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import EXTENSION, inserted_id, read_tx, write_tx
from engine.supervision.common import ExtensionRecord, days, item_for_step, notify, text
from engine.workflow import ExtensionRule, WorkflowDef


def request_extension(rt: Runtime, *, actor: Actor, item_id: int, working_days: int,
                      reason: str) -> ExtensionRecord:
    """Ask for `working_days` more on the deadline of the item's current state."""
    reason = text("reason", reason)
    with write_tx(rt.db) as conn:
        item, wf = item_for_step(conn, rt, actor, item_id, "extension_request")
        rule = _rule(wf, item, "extension_request")
        if actor.role not in rule.request_roles:
            raise RoleForbidden(trigger="extension_request", role=actor.role,
                                roles=rule.request_roles)
        n = days("working_days", working_days, rule.max_working_days)
        now = rt.clock.now()
        if item.due_at is None:
            raise TransitionRefused(trigger="extension_request", state=item.state, allowed=[])
        if now >= item.due_at:
            raise InvalidData(f"the deadline passed at {_local(item.due_at)}; an extension is "
                              "asked for before it", fields={"working_days": "too late"})
        stay = _of_stay(conn, item)
        pending = [e for e in stay if e.state == "requested"]
        if pending:
            raise InvalidData(f"extension {pending[0].id} is still waiting for a decision",
                              fields={"working_days": "a request is pending"})
        granted = sum(1 for e in stay if e.state == "approved")
        if granted >= rule.max_count:
            raise InvalidData(f"{item.state} allows {rule.max_count} extension(s) per stay; "
                              f"{granted} granted already",
                              fields={"working_days": f"at most {rule.max_count} extensions"})
        ext_id = inserted_id(conn.execute(insert(EXTENSION).values(
            item_id=item.id, item_state=item.state, state_entry_seq=item.state_entry_seq,
            state="requested", days_asked=n, reason=reason, requested_by=actor.label,
            requested_at=now, original_due_at=item.due_at)))
        record_step(rt, actor=actor, item_id=item.id, trigger="extension_request",
                    data={"extension_id": ext_id, "working_days": n, "reason": reason,
                          "due_at": item.due_at.isoformat()},
                    expected_version=item.version, conn=conn)
        notify(conn, targets=[Chain().for_level(conn, item.jurisdiction_id, 1)],
               kind="extension_request",
               subject=f"延期申请：{wf.title} {item.ref} 申请延期 {n} 个工作日",
               body=reason, item=item, level=0,
               data={"extension_id": ext_id, "ref": item.ref}, now=now)
        return _record(conn, ext_id)


def approve_extension(rt: Runtime, *, actor: Actor, item_id: int, extension_id: int,
                      working_days: int | None = None, comment: str = "") -> ExtensionRecord:
    """Grant the request, with `working_days` (at most those asked; all of them when None).
    The deadline must not have passed yet: an item that went overdue stays late."""
    comment = text("comment", comment) if comment.strip() else ""

    def step(conn: Connection, item: Any, wf: WorkflowDef, ext: Any) -> None:
        n = days("working_days", ext.days_asked if working_days is None else working_days,
                 ext.days_asked)
        now = rt.clock.now()
        if item.due_at is None or now >= item.due_at:
            raise InvalidData("the deadline passed before the decision; the item is late "
                              "and can no longer be extended",
                              fields={"working_days": "too late"})
        sync_calendar(rt.calendar, conn)
        due = rt.calendar.add_working_days(item.due_at, n)
        remind = rt.calendar.add_working_days(item.remind_at, n) \
            if item.remind_at is not None else None
        # the next check, before the item row (the sweep's lock order): the moved reminder
        # if it is still to come at level 0, else the new due time
        nxt = remind if remind is not None and item.escalation_level == 0 \
            and remind > now else due
        write_next_check(conn, item_id=item.id, next_check_at=nxt,
                         state_entry_seq=item.state_entry_seq)
        conn.execute(update(EXTENSION).where(EXTENSION.c.id == ext.id).values(
            state="approved", days_granted=n, decision=comment or None,
            decided_by=actor.label, decided_at=now, new_due_at=due))
        record_step(rt, actor=actor, item_id=item.id, trigger="extension_approve",
                    data={"extension_id": ext.id, "working_days": n,
                          "original_due_at": item.due_at.isoformat(),
                          "due_at": due.isoformat()},
                    comment=comment, expected_version=item.version,
                    values={"due_at": due, "remind_at": remind}, conn=conn)
        notify(conn, targets=[Chain().for_reminder(conn, item)], kind="extension_approve",
               subject=f"延期已批准：{wf.title} {item.ref} 延期 {n} 个工作日，"
                       f"新时限 {_local(due)}", body=comment, item=item, level=0,
               data={"extension_id": ext.id, "ref": item.ref}, now=now)

    return _decide(rt, actor, item_id, extension_id, "extension_approve", step)


def refuse_extension(rt: Runtime, *, actor: Actor, item_id: int, extension_id: int,
                     reason: str) -> ExtensionRecord:
    """Refuse the request with a reason: the deadline stays as it is."""
    reason = text("reason", reason)

    def step(conn: Connection, item: Any, wf: WorkflowDef, ext: Any) -> None:
        now = rt.clock.now()
        conn.execute(update(EXTENSION).where(EXTENSION.c.id == ext.id).values(
            state="refused", decision=reason, decided_by=actor.label, decided_at=now))
        record_step(rt, actor=actor, item_id=item.id, trigger="extension_refuse",
                    data={"extension_id": ext.id, "reason": reason},
                    expected_version=item.version, conn=conn)
        notify(conn, targets=[Chain().for_reminder(conn, item)], kind="extension_refuse",
               subject=f"延期未批准：{wf.title} {item.ref}", body=reason, item=item,
               level=0, data={"extension_id": ext.id, "ref": item.ref}, now=now)

    return _decide(rt, actor, item_id, extension_id, "extension_refuse", step)


def _decide(rt: Runtime, actor: Actor, item_id: int, extension_id: int, trigger: str,
            work: Any) -> ExtensionRecord:
    with write_tx(rt.db) as conn:
        item, wf = item_for_step(conn, rt, actor, item_id, trigger)
        ext = conn.execute(select(EXTENSION).where(
            EXTENSION.c.id == extension_id, EXTENSION.c.item_id == item.id)).first()
        if ext is None:
            raise NotFound(f"extension {extension_id} of item {item_id} not found")
        if ext.state != "requested":
            raise TransitionRefused(trigger=trigger, state=f"extension {ext.state}",
                                    allowed=[])
        if ext.state_entry_seq != item.state_entry_seq:  # asked for a stay that is over
            raise TransitionRefused(trigger=trigger, state=item.state, allowed=[])
        rule = _rule(wf, item, trigger)
        if actor.role not in rule.decide_roles:
            raise RoleForbidden(trigger=trigger, role=actor.role, roles=rule.decide_roles)
        work(conn, item, wf, ext)
        return _record(conn, extension_id)


def _rule(wf: WorkflowDef, item: Any, trigger: str) -> ExtensionRule:
    rule = wf.extensions.get(item.state)
    if rule is None:  # the state takes no extensions
        raise TransitionRefused(trigger=trigger, state=item.state, allowed=[])
    return rule


def _of_stay(conn: Connection, item: Any) -> list[Any]:
    return list(conn.execute(select(EXTENSION.c.id, EXTENSION.c.state).where(
        EXTENSION.c.item_id == item.id, EXTENSION.c.state_entry_seq == item.state_entry_seq)
        .order_by(EXTENSION.c.id)))


def _local(at: Any) -> str:
    return str(at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"))


def _record(conn: Connection, extension_id: int) -> ExtensionRecord:
    return record_of(conn.execute(select(EXTENSION).where(
        EXTENSION.c.id == extension_id)).one())


def record_of(row: Any) -> ExtensionRecord:
    return ExtensionRecord(
        id=row.id, item_id=row.item_id, item_state=row.item_state, state=row.state,
        days_asked=row.days_asked, days_granted=row.days_granted, reason=row.reason,
        decision=row.decision, requested_by=row.requested_by, requested_at=row.requested_at,
        decided_by=row.decided_by, decided_at=row.decided_at,
        original_due_at=row.original_due_at, new_due_at=row.new_due_at)


def list_extensions(rt: Runtime, actor: Actor, item_id: int) -> list[ExtensionRecord]:
    """The item's extension requests, oldest first; NotFound when the item is not visible."""
    with read_tx(rt.db) as conn:
        get_item(conn, actor, item_id)
        return [record_of(r) for r in conn.execute(select(EXTENSION).where(
            EXTENSION.c.item_id == item_id).order_by(EXTENSION.c.id))]

