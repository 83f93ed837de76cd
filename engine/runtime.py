"""Everything the engine's functions need, passed explicitly: database, definitions, clock,
calendar. Built once per process (CLI command, API app, scheduler)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from engine.calendar import ChinaCalendar, WorkCalendar
from engine.clock import Clock, SystemClock
from engine.db import read_tx
from engine.registry import Registry, registry_from_db


@dataclass(kw_only=True)
class Runtime:
    db: Engine
    registry: Registry
    clock: Clock = field(default_factory=SystemClock)
    calendar: WorkCalendar = field(default_factory=ChinaCalendar)

    def reload_registry(self) -> None:
        with read_tx(self.db) as conn:
            self.registry = registry_from_db(conn)
