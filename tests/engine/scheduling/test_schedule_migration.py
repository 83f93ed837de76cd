"""Migration 0005 moves each open item's next check and lease from `item` to
`item_schedule`, and back on downgrade, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text

from engine.storage.db import make_engine
from engine.storage.schema import alembic_config

AT = datetime(2026, 3, 6, 1, tzinfo=UTC)
LEASE = datetime(2026, 3, 6, 1, 2, tzinfo=UTC)


@pytest.fixture
def at_0004(blank_db_url: str) -> Iterator[Engine]:
    db = make_engine(blank_db_url)
    command.upgrade(alembic_config(db), "0004")
    try:
        yield db
    finally:
        db.dispose()


def _item(conn: Connection, item_id: int, *, next_check: datetime | None, closed: bool,
          claimed: bool = False) -> None:
    conn.execute(text(
        "INSERT INTO item (id, workflow, title, ref, workflow_version, state, jurisdiction_id, "
        "data, version, created_at, updated_at, state_entered_at, state_entry_seq, "
        "state_entries, closed_at, next_check_at, escalation_level, claimed_by, "
        "claimed_until, audit_seq, audit_head) VALUES (:id, 'lead', 't', :ref, 1, 's', 1, "
        "'{}', 1, :at, :at, :at, 3, '{}', :closed, :next, 0, :by, :until, 3, '')"),
        {"id": item_id, "ref": f"r{item_id}", "at": AT, "next": next_check,
         "closed": AT if closed else None, "by": "w1" if claimed else None,
         "until": LEASE if claimed else None})


def test_upgrade_copies_open_next_checks_and_leases_then_drops_the_columns(
        at_0004: Engine) -> None:
    """An open item's next check and lease arrive in item_schedule; a closed one and one
    without a next check get no row; the item columns and their index are gone; a downgrade
    puts the values back."""
    with at_0004.begin() as conn:
        conn.execute(text("INSERT INTO jurisdiction (id, code, name, level, lft, rgt, depth) "
                          "VALUES (1, '51', 'p', 'province', 1, 2, 0)"))
        _item(conn, 1, next_check=AT, closed=False, claimed=True)
        _item(conn, 2, next_check=AT, closed=True)
        _item(conn, 3, next_check=None, closed=False)
    command.upgrade(alembic_config(at_0004), "0005")
    with at_0004.connect() as conn:
        rows = conn.execute(text("SELECT item_id, state_entry_seq, claimed_by "
                                 "FROM item_schedule")).all()
    assert [tuple(r) for r in rows] == [(1, 3, "w1")]
    columns = {c["name"] for c in inspect(at_0004).get_columns("item")}
    assert not {"next_check_at", "claimed_by", "claimed_until"} & columns
    assert "ix_item_next_check" not in {i["name"] for i in inspect(at_0004).get_indexes("item")}
    command.downgrade(alembic_config(at_0004), "0004")
    with at_0004.connect() as conn:
        back = conn.execute(text("SELECT id, claimed_by FROM item "
                                 "WHERE next_check_at IS NOT NULL ORDER BY id")).all()
    assert [tuple(r) for r in back] == [(1, "w1")]
