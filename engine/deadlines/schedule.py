"""An item's next check, stored in the scheduler's own row (`item_schedule`), not on the
audited item: the one writer puts the deadline plan's next check there in the transaction of
each state change; the sweep moves it after each look without touching the item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.storage import SCHEDULE, Prepared


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (item_id) DO UPDATE, which both databases speak; the lease is
    the sweeper's and stays as it is."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(SCHEDULE)
    return stmt.on_conflict_do_update(
        index_elements=[SCHEDULE.c.item_id],
        set_={"next_check_at": stmt.excluded.next_check_at,
              "state_entry_seq": stmt.excluded.state_entry_seq})


# built once per dialect and run on the driver's cursor (engine/storage/prepared.py): on
# the hot path SQLAlchemy's execution machinery cost more than the statement
_UPSERT = {name: Prepared(_upsert(name)) for name in ("postgresql", "sqlite")}
_DELETE = Prepared(delete(SCHEDULE).where(SCHEDULE.c.item_id == bindparam("item_id")))


def write_next_check(conn: Connection, *, item_id: int, next_check_at: datetime | None,
                     state_entry_seq: int) -> None:
    """Set when the sweep looks at `item_id` next (for the state entry `state_entry_seq`);
    None removes the row: a closed, paused or deadline-free item is never looked at."""
    if next_check_at is None:
        _DELETE.execute(conn, {"item_id": item_id})
        return
    _UPSERT[conn.dialect.name].execute(conn, {
        "item_id": item_id, "next_check_at": next_check_at,
        "state_entry_seq": state_entry_seq})
