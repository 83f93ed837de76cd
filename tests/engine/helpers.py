"""Small readers shared by the engine tests: ids by code, an item's row, its audit events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from engine.items.transition import Change, apply
from engine.kernel.actors import Actor
from engine.org.tree import jurisdiction_by_code, unit_by_code
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM
from engine.storage.db import read_tx


def jid(rt: Runtime, code: str) -> int:
    with read_tx(rt.db) as conn:
        return int(jurisdiction_by_code(conn, code).id)


def unit_id(rt: Runtime, code: str) -> int:
    with read_tx(rt.db) as conn:
        return int(unit_by_code(conn, code).id)


def item_row(rt: Runtime, item_id: int) -> Any:
    with read_tx(rt.db) as conn:
        return conn.execute(select(ITEM).where(ITEM.c.id == item_id)).one()


def events(rt: Runtime, item_id: int) -> list[Any]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(EVENT).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)))


def event_count(rt: Runtime) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(EVENT)).scalar_one())


def fire_all(rt: Runtime, actor: Actor, item_id: int,
             steps: Sequence[tuple[str, Mapping[str, Any]]]) -> Change | None:
    """Fire each (trigger, data) in turn; return the last change."""
    last = None
    for trigger, data in steps:
        last = apply(rt, actor=actor, item_id=item_id, trigger=trigger, data=data)
    return last
