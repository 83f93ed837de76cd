"""Everything the engine's functions need, passed explicitly: database, definitions, clock,
calendar. Built once per process (CLI command, API app, scheduler) by `open_runtime`, which
connects, creates or upgrades the schema, stores the workflow files' definitions (refusing
changed bodies under an old version) and compiles them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from engine.deadlines import ChinaCalendar, WorkCalendar, refresh_overrides
from engine.kernel import Clock, SystemClock
from engine.storage import make_engine, read_tx, upgrade, write_tx
from engine.workflow import Registry, load_dir, registry_from_db, store_definitions


@dataclass(kw_only=True)
class Runtime:
    db: Engine
    registry: Registry
    clock: Clock = field(default_factory=SystemClock)
    calendar: WorkCalendar = field(default_factory=ChinaCalendar)

    def reload_registry(self) -> None:
        with read_tx(self.db) as conn:
            self.registry = registry_from_db(conn)


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
