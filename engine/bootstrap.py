"""Open a ready Runtime: connect, create or upgrade the schema, store the workflow files'
definitions (refusing changed bodies under an old version) and compile them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from engine.calendar import ChinaCalendar, WorkCalendar, refresh_overrides
from engine.clock import Clock, SystemClock
from engine.db import make_engine, read_tx, write_tx
from engine.loader import load_dir
from engine.registry import registry_from_db, store_definitions
from engine.runtime import Runtime
from engine.schema import upgrade


def load_workflows(db: Engine, directory: Path, clock: Clock) -> list[str]:
    """Validate every file in `directory` and store new versions; all or nothing."""
    defs = load_dir(directory)
    with write_tx(db) as conn:
        return store_definitions(conn, defs, clock.now())


def open_runtime(database_url: str, workflows_dir: Path, *, clock: Clock | None = None,
                 calendar: WorkCalendar | None = None, migrate: bool = True) -> Runtime:
    clock = clock or SystemClock()
    db = make_engine(database_url)
    if migrate:
        upgrade(db)
    load_workflows(db, workflows_dir, clock)
    calendar = calendar or ChinaCalendar()
    with read_tx(db) as conn:
        registry = registry_from_db(conn)
        refresh_overrides(calendar, conn)  # an admin's 调休 days count in every process
    return Runtime(db=db, registry=registry, clock=clock, calendar=calendar)
