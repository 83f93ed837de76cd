"""Shared helpers of the scheduler tests: make leads, read marks, events and notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.items.transition import create_item
from engine.kernel.actors import Actor
from engine.org.tree import jurisdiction_by_code
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, MARK, NOTE, SCHEDULE, USER
from engine.storage.db import read_tx


def jid(rt: Runtime, code: str) -> int:
    with read_tx(rt.db) as conn:
        return int(jurisdiction_by_code(conn, code).id)


def new_lead(rt: Runtime, actor: Actor, jurisdiction: str = "510101", title: str = "线索") -> int:
    change = create_item(rt, actor=actor, workflow="lead", jurisdiction_id=jid(rt, jurisdiction),
                         title=title, data={"channel": "letter", "category": "law_enforcement"})
    return change.item_id


def item(rt: Runtime, item_id: int) -> Any:
    """The item's row, with the scheduler's `next_check_at` for it (None: no schedule row)."""
    with read_tx(rt.db) as conn:
        return conn.execute(select(ITEM, SCHEDULE.c.next_check_at)
                            .outerjoin(SCHEDULE, SCHEDULE.c.item_id == ITEM.c.id)
                            .where(ITEM.c.id == item_id)).one()


def schedule(rt: Runtime, item_id: int) -> Any:
    """The item's schedule row (next check, state entry, lease), or None."""
    with read_tx(rt.db) as conn:
        return conn.execute(select(SCHEDULE).where(SCHEDULE.c.item_id == item_id)).first()


def marks(rt: Runtime, item_id: int | None = None) -> list[tuple[str, int]]:
    """(kind, level) of every escalation mark, oldest first."""
    with read_tx(rt.db) as conn:
        q = select(MARK.c.kind, MARK.c.level).order_by(MARK.c.id)
        if item_id is not None:
            q = q.where(MARK.c.item_id == item_id)
        return [(r.kind, r.level) for r in conn.execute(q)]


def system_events(rt: Runtime, item_id: int) -> list[dict[str, Any]]:
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(EVENT).where(EVENT.c.item_id == item_id,
                                                EVENT.c.actor == "system")
                            .order_by(EVENT.c.seq)).all()
        return [dict(r.data) | {"trigger": r.trigger, "at": r.at} for r in rows]


def count(rt: Runtime, table: Any, *where: Any) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def user_id(rt: Runtime, name: str) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(USER.c.id).where(USER.c.name == name)).scalar_one())


def recipients(rt: Runtime, item_id: int, kind: str, level: int) -> set[str]:
    """Names of the users notified of one step of an item."""
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(USER.c.name).join(NOTE, NOTE.c.recipient_id == USER.c.id)
                            .where(NOTE.c.item_id == item_id, NOTE.c.kind == kind,
                                   NOTE.c.level == level))
        return {r.name for r in rows}
