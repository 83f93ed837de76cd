"""The audit trail on both databases: append-only at the database, and verify() reports
exactly which item and event were tampered with."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from engine.items.audit import BrokenChain, EventRecord, verify
from engine.items.transition import Change, apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage.db import is_postgres, read_tx, write_tx
from tests.engine.helpers import EVENT, ITEM, event_count, events, jid

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

OFFICE = "市办-线索组"


def closed_lead(rt: Runtime, actors: dict[str, Actor]) -> Change:
    """A lead with four events: create, transfer, accept, close."""
    office = actors[OFFICE]
    c = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                    title="审计", data={"channel": "phone", "category": "violation"})
    apply(rt, actor=office, item_id=c.item_id, trigger="transfer", data={"unit": "city-police"})
    apply(rt, actor=office, item_id=c.item_id, trigger="accept", data=ACCEPT)
    apply(rt, actor=office, item_id=c.item_id, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    return c


def tamper(rt: Runtime, statement: Any) -> None:
    """Run `statement` after lifting the append-only guard, as an attacker with DDL rights
    could (the guard is a database trigger created by migration 0001)."""
    with write_tx(rt.db) as conn:
        if is_postgres(conn):
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
        conn.execute(statement)


def broken(rt: Runtime) -> list[BrokenChain]:
    with read_tx(rt.db) as conn:
        return verify(conn).broken


def of_event(item_id: int, seq: int) -> Any:
    return (EVENT.c.item_id == item_id) & (EVENT.c.seq == seq)


def test_an_untouched_trail_verifies(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Two items' chains verify; the report counts items and events."""
    closed_lead(rt, actors)
    closed_lead(rt, actors)
    with read_tx(rt.db) as conn:
        report = verify(conn)
    assert report.ok
    assert (report.items, report.events) == (2, 8)


def test_events_link_each_hash_to_the_previous(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Event n's prev_hash is event n-1's hash; the first links to the genesis hash."""
    trail = events(rt, closed_lead(rt, actors).item_id)
    assert trail[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in trail[1:]] == [e.hash for e in trail[:-1]]


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET comment = 'x'",
                                       "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_events(rt: Runtime, actors: dict[str, Actor],
                                               statement: str) -> None:
    """UPDATE and DELETE on audit_event fail at the database; the events stay."""
    closed_lead(rt, actors)
    with pytest.raises(DBAPIError, match="append-only"), write_tx(rt.db) as conn:
        conn.execute(text(statement))
    assert event_count(rt) == 4
    assert broken(rt) == []


def test_altered_event_data_is_caught(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Rewriting an event's data breaks that event's hash."""
    c = closed_lead(rt, actors)
    tamper(rt, update(EVENT).where(of_event(c.item_id, 2)).values(data={"unit": "dc-police"}))
    (b,) = broken(rt)
    assert (b.item_id, b.ref, b.seq) == (c.item_id, c.ref, 2)
    assert "altered" in b.reason


def test_altered_hash_is_caught(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Replacing an event's stored hash is caught at that event."""
    c = closed_lead(rt, actors)
    tamper(rt, update(EVENT).where(of_event(c.item_id, 3)).values(hash="f" * 64))
    (b,) = broken(rt)
    assert (b.item_id, b.seq) == (c.item_id, 3)


def test_rehashed_event_breaks_the_next_link(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Altering an event and recomputing its hash still breaks the following event's link."""
    c = closed_lead(rt, actors)
    second = events(rt, c.item_id)[1]
    forged = EventRecord(
        item_id=c.item_id, seq=2, at=second.at, actor=second.actor,
        actor_role=second.actor_role, trigger=second.trigger, from_state=second.from_state,
        to_state=second.to_state, data={"unit": "dc-police"}, comment=second.comment,
        workflow=second.workflow, workflow_version=second.workflow_version,
        prev_hash=second.prev_hash)
    tamper(rt, update(EVENT).where(of_event(c.item_id, 2)).values(
        data={"unit": "dc-police"}, hash=forged.digest()))
    (b,) = broken(rt)
    assert (b.item_id, b.seq) == (c.item_id, 3)
    assert "prev_hash" in b.reason


def test_deleted_newest_event_is_caught_by_the_items_head(rt: Runtime,
                                                          actors: dict[str, Actor]) -> None:
    """Deleting the last event leaves a valid-looking chain that disagrees with the item."""
    c = closed_lead(rt, actors)
    tamper(rt, delete(EVENT).where(of_event(c.item_id, 4)))
    (b,) = broken(rt)
    assert (b.item_id, b.seq) == (c.item_id, 4)
    assert "item head is seq 4 but the chain ends at seq 3" in b.reason


def test_deleted_middle_event_is_caught(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A gap in the sequence names the missing event."""
    c = closed_lead(rt, actors)
    tamper(rt, delete(EVENT).where(of_event(c.item_id, 2)))
    (b,) = broken(rt)
    assert (b.item_id, b.seq, b.reason) == (c.item_id, 2, "event 2 is missing")


def test_altered_item_state_is_caught_by_replay(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Setting an item's state behind the engine's back disagrees with the replayed chain."""
    c = closed_lead(rt, actors)
    with write_tx(rt.db) as conn:
        conn.execute(update(ITEM).where(ITEM.c.id == c.item_id).values(state="investigating"))
    (b,) = broken(rt)
    assert b.item_id == c.item_id
    assert "replayed state 'closed' differs from item state 'investigating'" in b.reason


def test_only_the_tampered_item_is_reported(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Of two items, only the one with an altered event is broken; verify can target it."""
    good, bad = closed_lead(rt, actors), closed_lead(rt, actors)
    tamper(rt, update(EVENT).where(of_event(bad.item_id, 1)).values(comment="改过"))
    assert [b.item_id for b in broken(rt)] == [bad.item_id]
    with read_tx(rt.db) as conn:
        assert verify(conn, item_ids=[good.item_id]).ok
        assert not verify(conn, item_ids=[bad.item_id]).ok


def test_sqlite_reads_the_events_on_the_driver_cursor(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    """On SQLite the events and items reach verify() as the driver's tuples, not through
    SQLAlchemy's statement execution and Row objects (a quarter of its time); the scoped
    selections (ids, a jurisdiction's subtree) still bind their parameters."""
    from sqlalchemy import event

    if is_postgres(rt.db):
        pytest.skip("PostgreSQL streams through SQLAlchemy's server-side cursor")
    one, two = closed_lead(rt, actors), closed_lead(rt, actors)
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(rt.db, "before_cursor_execute", record)
    try:
        with read_tx(rt.db) as conn:
            everything = verify(conn)
            chosen = verify(conn, item_ids=[two.item_id])
            city = verify(conn, jurisdiction_id=jid(rt, "5101"))
            county = verify(conn, jurisdiction_id=jid(rt, "510101"))
    finally:
        event.remove(rt.db, "before_cursor_execute", record)
    assert [s for s in seen if "audit_event" in s or "FROM item" in s] == []
    assert (everything.events, chosen.events, city.events, county.events) == (8, 4, 8, 0)
    assert everything.ok
    assert chosen.ok
    assert (chosen.items, city.items) == (1, 2)
    assert one.item_id != two.item_id


def test_a_remembered_payload_still_catches_an_altered_event(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    """verify() remembers the canonical text of payloads it has seen; two items sharing the
    same payloads, one of them altered to another already-seen payload, is still caught."""
    good, bad = closed_lead(rt, actors), closed_lead(rt, actors)
    # event 2 (transfer, {"unit": ...}) gets event 3's payload, which verify has seen
    with read_tx(rt.db) as conn:
        accept_data = conn.execute(EVENT.select().where(of_event(good.item_id, 3))).one().data
    tamper(rt, update(EVENT).where(of_event(bad.item_id, 2)).values(data=accept_data))
    (b,) = broken(rt)
    assert (b.item_id, b.seq) == (bad.item_id, 2)
    assert "content does not match its hash" in b.reason


def test_each_stored_payload_is_decoded_once(rt: Runtime, actors: dict[str, Actor],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Two leads with the same payloads: verify() decodes each distinct stored text once
    (SQLite; PostgreSQL's driver hands over decoded payloads)."""
    import engine.items.audit as audit

    closed_lead(rt, actors), closed_lead(rt, actors)
    decoded: list[Any] = []
    real = audit.json.loads
    monkeypatch.setattr(audit.json, "loads", lambda s: decoded.append(s) or real(s))
    with read_tx(rt.db) as conn:
        assert verify(conn).ok
    if not is_postgres(rt.db):
        assert len(decoded) == len(set(decoded)) > 0
