"""One calendar override day added by an admin in the console (`leadflow calendar load`
adds a file of them): a working day or a holiday with its reason. The calendar is the whole
country's, so only an admin of a root jurisdiction (the province) may change it."""

from __future__ import annotations

from datetime import date, datetime

import structlog
from sqlalchemy import Connection, select

from engine.deadlines.overrides import OverrideDay, store_overrides
from engine.errors import Forbidden, InvalidData
from engine.kernel import Actor, Role
from engine.storage import JUR

log = structlog.get_logger("engine.deadlines.admin_days")
MAX_NOTE = 200


def may_edit_calendar(conn: Connection, actor: Actor) -> bool:
    if actor.role != Role.admin.value:
        return False
    if actor.scope is None:  # the bootstrap admin
        return True
    parent = conn.execute(select(JUR.c.parent_id).where(JUR.c.id == actor.jurisdiction_id)
                          ).first()
    return parent is not None and parent.parent_id is None


def set_override_day(conn: Connection, *, actor: Actor, day: date, working: bool, note: str,
                     now: datetime) -> None:
    """Store the day (replacing an override of the same day) and move the calendar's
    revision, so every process reloads it before its next deadline."""
    if not may_edit_calendar(conn, actor):
        raise Forbidden("only an admin of the province may change the working-day calendar")
    reason = note.strip()
    if not reason:
        raise InvalidData("a calendar override needs its reason", fields={"note": "is required"})
    if len(reason) > MAX_NOTE:
        raise InvalidData("the reason is too long", fields={"note": f"at most {MAX_NOTE}"})
    store_overrides(conn, [OverrideDay(day=day, working=working, note=reason)], now)
    log.info("calendar_override_set", day=day.isoformat(), working=working, by=actor.label)
