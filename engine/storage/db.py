"""Database engines and transactions, the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from engine.storage.held import HeldWriters

DEFAULT_SQLITE_URL = "sqlite:///leadflow.db"


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    """Create an engine. SQLite gets WAL, foreign keys, a busy timeout and write transactions
    that take the write lock up front (BEGIN IMMEDIATE), so read-then-write never deadlocks."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if memory:
            kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False},
                               **kwargs)
        _configure_sqlite(engine)
        HeldWriters.attach(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, echo=echo, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("leadflow_write", False)
        # straight to the driver: exec_driver_sql's statement machinery cost a tenth of
        # a short write transaction (bench/b_transitions.py)
        conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            "BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction: commits on success, rolls back on any exception. On SQLite
    it runs on the calling thread's own held connection when it has one
    (engine/storage/held.py): the pool's checkout and return cost a tenth of `apply()`."""
    held = HeldWriters.of(engine)
    slot = held.take() if held is not None else None
    if slot is None:
        with engine.connect() as conn:
            conn = conn.execution_options(leadflow_write=True)
            with conn.begin():
                yield conn
        return
    ok = False
    try:
        with slot.conn.begin():
            yield slot.conn
        ok = True
    finally:
        held.give_back(slot, ok=ok)  # type: ignore[union-attr]


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def snapshot_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one snapshot across all its statements (PostgreSQL:
    REPEATABLE READ; SQLite's read transactions already do), so a check that reads items
    and then their events never mistakes a transition committed in between for damage."""
    with engine.connect() as conn:
        if is_postgres(conn):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def answers(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (readiness); never raises for a
    database that is down or unreachable."""
    try:
        with read_tx(engine) as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def is_postgres(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - only for INSERTs without a primary key
        raise RuntimeError("INSERT returned no primary key")
    return int(key[0])
