"""Shared by the supervision tests: a lead under investigation by 东城公安, and readers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, EXTENSION, ITEM, NOTE, NOTICE, SCHEDULE, USER
from engine.storage.db import read_tx
from tests.engine.helpers import jid


def investigating_lead(rt: Runtime, actors: dict[str, Actor], title: str = "线索") -> int:
    """A lead of 东城区 transferred to 东城公安 and accepted by its handler (investigating)."""
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "510101"),
                          title=title, data={"channel": "letter", "category": "law_enforcement"}
                          ).item_id
    apply(rt, actor=office, item_id=item_id, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=handler, item_id=item_id, trigger="accept",
          data={"disposal": "preliminary_check"})
    return item_id


def row(rt: Runtime, item_id: int) -> Any:
    with read_tx(rt.db) as conn:
        return conn.execute(select(ITEM, SCHEDULE.c.next_check_at)
                            .outerjoin(SCHEDULE, SCHEDULE.c.item_id == ITEM.c.id)
                            .where(ITEM.c.id == item_id)).one()


def triggers(rt: Runtime, item_id: int) -> list[str]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(EVENT.c.trigger).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)).scalars())


def notified(rt: Runtime, kind: str) -> list[str]:
    """Names of the users notified of `kind`, in order."""
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(USER.c.name).join(NOTE, NOTE.c.recipient_id == USER.c.id)
                                 .where(NOTE.c.kind == kind).order_by(NOTE.c.id)).scalars())


def written(rt: Runtime) -> tuple[int, int, int, int]:
    """Rows that any step writes: events, notices, extensions, notifications."""
    with read_tx(rt.db) as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                     for t in (EVENT, NOTICE, EXTENSION, NOTE))  # type: ignore[return-value]
