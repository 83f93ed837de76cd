"""The thread-affine write connections (engine/storage/held.py): several threads writing
through apply() at once lose no acknowledged write and leave verifying chains (both
databases); each thread keeps its own connection and never another's; disposal, errors,
left execution options, ended threads and a fork drop them; the number held is bounded."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from engine.errors import VersionConflict
from engine.items.audit import verify
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM
from engine.storage.db import make_engine, read_tx, write_tx
from engine.storage.held import HeldWriters
from tests.engine.helpers import jid

OFFICE = "市办-线索组"
LEAD = {"channel": "letter", "category": "law_enforcement"}
CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "preliminary_check"}
REOPEN = {"reason": "新的举报材料"}


def _investigating(rt: Runtime, office: Actor) -> int:
    item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="并发写", data=LEAD).item_id
    apply(rt, actor=office, item_id=item, trigger="transfer", data={"unit": "city-police"})
    apply(rt, actor=office, item_id=item, trigger="accept",
          data={"disposal": "preliminary_check"})
    return item


def _in_threads(n: int, job: Callable[[int], object]) -> list[object]:
    out: list[object] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait(timeout=30)
        try:
            out[i] = job(i)
        except Exception as exc:  # asserted on below
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def test_threads_writing_at_once_lose_no_acknowledged_write(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    """Six threads, each cycling its own lead and racing for a shared one: every apply()
    that returned is in the database (its event at its seq with its hash, the item at the
    version it returned), and every chain verifies."""
    office = actors[OFFICE]
    own = [_investigating(rt, office) for _ in range(6)]
    shared = _investigating(rt, office)
    rounds = 8

    def job(i: int) -> list[Any]:
        done = []
        for r in range(rounds):
            trigger, data = ("close", CLOSE) if r % 2 == 0 else ("reopen", REOPEN)
            done.append(apply(rt, actor=office, item_id=own[i], trigger=trigger, data=data))
            with read_tx(rt.db) as conn:
                seen = conn.execute(select(ITEM.c.version, ITEM.c.state)
                                    .where(ITEM.c.id == shared)).one()
            move = ("close", CLOSE) if seen.state == "investigating" else ("reopen", REOPEN)
            # a lost race (VersionConflict) is not acknowledged, so there is nothing to find
            with contextlib.suppress(VersionConflict):
                done.append(apply(rt, actor=office, item_id=shared, trigger=move[0],
                                  data=move[1], expected_version=seen.version))
        return done

    results = _in_threads(6, job)
    assert not [r for r in results if isinstance(r, Exception)], results
    acknowledged = [c for r in results for c in r]  # type: ignore[attr-defined]
    assert len([c for c in acknowledged if c.item_id != shared]) == 6 * rounds
    with read_tx(rt.db) as conn:
        for change in acknowledged:
            stored = conn.execute(select(EVENT.c.hash, EVENT.c.trigger).where(
                EVENT.c.item_id == change.item_id, EVENT.c.seq == change.seq)).one()
            assert (stored.hash, stored.trigger) == (change.hash, change.trigger)
        for item in own:
            assert conn.execute(select(ITEM.c.version).where(ITEM.c.id == item)
                                ).scalar() == 3 + rounds
        shared_events = conn.execute(select(EVENT.c.seq).where(EVENT.c.item_id == shared)
                                     ).scalars().all()
        assert len(shared_events) == 3 + len([c for c in acknowledged
                                              if c.item_id == shared])
        report = verify(conn)
    assert report.ok, report.broken


def _engine(tmp_path: Path, name: str = "held.db", **kwargs: Any) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / name}", **kwargs)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who TEXT)"))
    return engine


def _driver_connections(engine: Engine) -> list[sqlite3.Connection]:
    """Every sqlite3 connection the engine's pool opens from now on."""
    opened: list[sqlite3.Connection] = []
    event.listen(engine, "connect", lambda dbapi, _record: opened.append(dbapi))
    return opened


def _is_closed(dbapi: Any) -> bool:
    try:
        dbapi.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def _write(engine: Engine, who: str) -> Any:
    """One write transaction; the driver connection it ran on."""
    with write_tx(engine) as conn:
        conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": who})
        return conn.connection.driver_connection


def test_each_thread_keeps_its_own_connection_and_never_another_threads(
        tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        done = threading.Barrier(4)

        def job(i: int) -> list[Any]:
            used = [_write(engine, f"t{i}") for _ in range(5)]
            done.wait(timeout=30)  # all alive together: an ended thread's connection
            return used            # may go to a later thread, which is no sharing

        used = _in_threads(4, job)
        per_thread = [set(map(id, u)) for u in used]  # type: ignore[call-overload]
        assert all(len(s) == 1 for s in per_thread)  # one connection per thread, kept
        assert len(set.union(*per_thread)) == 4  # and no two threads shared one
        with read_tx(engine) as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 20
    finally:
        engine.dispose()


def test_disposal_closes_every_held_connection(tmp_path: Path) -> None:
    """Many engines, each written from several threads that stay alive, then disposed:
    no driver connection any of them opened is left open."""
    for n in range(12):
        engine = _engine(tmp_path, f"many{n}.db")
        opened = _driver_connections(engine)
        release = threading.Event()
        wrote = threading.Barrier(4)

        def job(i: int, engine: Engine = engine, release: threading.Event = release,
                wrote: threading.Barrier = wrote) -> None:
            _write(engine, f"t{i}")
            wrote.wait(timeout=30)
            release.wait(timeout=30)  # alive, holding its connection, until disposal

        threads = [threading.Thread(target=job, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        wrote.wait(timeout=30)
        held = HeldWriters.of(engine)
        assert held is not None
        assert held.held() == 3
        engine.dispose()
        assert held.held() == 0
        assert opened
        assert all(_is_closed(c) for c in opened)
        release.set()
        for t in threads:
            t.join(timeout=30)


def test_a_connection_in_use_at_disposal_is_closed_when_its_transaction_ends(
        tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    opened = _driver_connections(engine)
    with write_tx(engine) as conn:
        conn.execute(text("INSERT INTO t (who) VALUES ('during')"))
        engine.dispose()
        assert not _is_closed(conn.connection.driver_connection)  # still committing on it
    assert all(_is_closed(c) for c in opened)
    with read_tx(engine) as conn:  # the write committed; the engine still works
        assert conn.execute(text("SELECT who FROM t")).scalar() == "during"
    engine.dispose()


def test_an_error_drops_the_connection(tmp_path: Path) -> None:
    """The failed transaction's Connection is not the thread's any more: it went back to
    the pool (rolled back, reset) as with a per-transaction checkout."""
    engine = _engine(tmp_path)
    held = HeldWriters.of(engine)
    assert held is not None

    def sa_conn(who: str) -> Any:
        with write_tx(engine) as conn:
            conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": who})
            return conn

    try:
        first = sa_conn("a")
        def failing() -> None:
            with write_tx(engine) as conn:
                assert conn is first
                conn.execute(text("INSERT INTO t (who) VALUES ('rolled back')"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            failing()
        assert first.closed
        assert held.held() == 0
        second = sa_conn("b")
        assert second is not first
        assert sa_conn("c") is second  # held again after a clean transaction
        with read_tx(engine) as conn:
            assert conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all() == [
                "a", "b", "c"]
    finally:
        engine.dispose()


def test_an_execution_option_left_on_the_connection_drops_it(tmp_path: Path) -> None:
    """A transaction that sets an option on its connection (they stay set in SQLAlchemy 2)
    must not hand it to the thread's next transaction."""
    engine = _engine(tmp_path)
    try:
        with write_tx(engine) as conn:
            conn.execution_options(stream_results=True)
            first = conn
        with write_tx(engine) as conn:
            assert not conn.get_execution_options().get("stream_results")
            assert conn.get_execution_options()["leadflow_write"] is True
            assert conn is not first
            assert first.closed
    finally:
        engine.dispose()


def test_held_connections_are_bounded_and_ended_threads_give_theirs_up(
        tmp_path: Path) -> None:
    engine = _engine(tmp_path, pool_size=2)
    held = HeldWriters.of(engine)
    assert held is not None
    try:
        release = threading.Event()
        wrote = threading.Barrier(5)

        def job(i: int) -> None:
            _write(engine, f"t{i}")
            wrote.wait(timeout=30)
            release.wait(timeout=30)

        threads = [threading.Thread(target=job, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        wrote.wait(timeout=30)
        assert held.held() == 2  # the other two wrote on pool connections
        release.set()
        for t in threads:
            t.join(timeout=30)
        _write(engine, "after")  # their places are free again: this thread takes one
        assert held.held() == 1
    finally:
        engine.dispose()


def test_a_nested_write_transaction_does_not_reuse_the_busy_connection(
        tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    held = HeldWriters.of(engine)
    assert held is not None
    try:
        with write_tx(engine):
            slot = held.take()  # what a write_tx nested on this thread would get
            assert slot is None
    finally:
        engine.dispose()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_never_uses_the_parents_connection(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        parent = _write(engine, "parent")
        pid = os.fork()
        if pid == 0:  # the child: a connection of its own, the parent's left alone
            code = 1
            try:
                code = 0 if _write(engine, "child") is not parent else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert _write(engine, "parent again") is parent
        assert not _is_closed(parent)
        with read_tx(engine) as conn:
            assert sorted(conn.execute(text("SELECT who FROM t")).scalars().all()) == [
                "child", "parent", "parent again"]
    finally:
        engine.dispose()


def test_memory_and_postgres_engines_hold_nothing(db_url: str) -> None:
    """`:memory:` (each connection its own database) and PostgreSQL (pre-ping, the pool's
    limits under uvicorn's threads) keep checking out per transaction."""
    for url in ("sqlite://", db_url):
        engine = make_engine(url)
        try:
            if url == "sqlite://" or url.startswith("postgresql"):
                assert HeldWriters.of(engine) is None
        finally:
            engine.dispose()
