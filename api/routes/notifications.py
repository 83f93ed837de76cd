"""A user's notifications (reminders, escalations, digests): unread first; mark read.
Only the caller's own: another user's notification is 404, like one that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Person, RuntimeDep
from api.errors import problems
from api.schemas import MarkedRead, NotificationOut, NotificationPage
from engine.scheduling import MAX_PAGE, NotificationView, inbox, mark_all_read, mark_read
from engine.storage import read_tx, write_tx

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


def _out(n: NotificationView) -> NotificationOut:
    return NotificationOut(id=n.id, kind=n.kind, item_id=n.item_id,
                           jurisdiction_id=n.jurisdiction_id, level=n.level, subject=n.subject,
                           body=n.body, data=n.data, created_at=n.created_at,
                           read_at=n.read_at)


@router.get("", response_model=NotificationPage, responses=problems(401, 403))
def list_notifications(
        actor: Person, rt: RuntimeDep,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        unread_only: bool = False) -> NotificationPage:
    """The caller's notifications, unread first, newest first within each group."""
    assert actor.user_id is not None  # Person guarantees a real user
    with read_tx(rt.db) as conn:
        box = inbox(conn, actor.user_id, limit=limit, offset=offset, unread_only=unread_only)
    more = offset + len(box.items) < box.total
    return NotificationPage(items=[_out(n) for n in box.items], unread=box.unread,
                            total=box.total, next_offset=offset + len(box.items) if more
                            else None)


@router.post("/read-all", response_model=MarkedRead, responses=problems(401, 403))
def read_all(actor: Person, rt: RuntimeDep) -> MarkedRead:
    """Mark every unread notification of the caller read."""
    assert actor.user_id is not None
    with write_tx(rt.db) as conn:
        return MarkedRead(marked=mark_all_read(conn, actor.user_id, rt.clock.now()))


@router.post("/{notification_id}/read", response_model=MarkedRead,
             responses=problems(401, 403, 404))
def read_one(actor: Person, rt: RuntimeDep,
             notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> MarkedRead:
    """Mark one of the caller's notifications read (again is fine: marked 0)."""
    assert actor.user_id is not None
    with write_tx(rt.db) as conn:
        return MarkedRead(marked=mark_read(conn, actor.user_id, [notification_id],
                                           rt.clock.now()))
