"""Definitions by (name, version), each compiled once into a shared Machine.

The database is the record of every version ever loaded; items keep the version they started
on, so the registry is built from the database, not from whatever files are on disk today."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime

import structlog
from sqlalchemy import Connection, Engine, func, insert, select
from transitions import Machine

from engine.errors import DefinitionConflict, NotFound
from engine.storage import DEF
from engine.workflow.loader import parse_definition
from engine.workflow.machines import compile_machine
from engine.workflow.model import WorkflowDef

log = structlog.get_logger(__name__)


class Registry:
    """Every definition version with its compiled Machine, shared by the threads of a process.

    The table of versions is replaced whole, never changed in place: a reader takes it once
    and sees a consistent set (never a definition without its machine, never a dict changing
    under an iteration) without a lock. Writers (a late load, `add`) take the lock, so two
    threads that both miss a new version parse and compile it once."""

    def __init__(self, defs: Iterable[WorkflowDef] = (), *, source: Engine | None = None
                 ) -> None:
        self._entries: Mapping[tuple[str, int], tuple[WorkflowDef, Machine]] = {}
        self._lock = threading.Lock()
        # The database the definitions came from: another process (`leadflow init`, a newer
        # API node) may store a version after we started, and items may already use it.
        self._source = source
        with self._lock:
            self._publish(list(defs))

    def add(self, wf: WorkflowDef) -> None:
        with self._lock:
            self._publish([wf])

    def _publish(self, defs: list[WorkflowDef]) -> None:
        """Compile first, then swap in a new table (the caller holds the lock)."""
        entries = dict(self._entries)
        for wf in defs:
            entries[wf.key] = (wf, compile_machine(wf))
        self._entries = entries

    def _entry(self, name: str, version: int) -> tuple[WorkflowDef, Machine]:
        entry = self._entries.get((name, version))
        if entry is None and self._source is not None:
            self._load_new()
            entry = self._entries.get((name, version))
        if entry is None:
            raise NotFound(f"workflow {name!r} version {version} is not loaded")
        return entry

    def get(self, name: str, version: int) -> WorkflowDef:
        return self._entry(name, version)[0]

    def _load_new(self) -> None:
        """Add versions stored since this registry was built (never replaces a known one)."""
        if self._source is None:
            return
        with self._lock:  # a thread that waited here finds the versions its peer loaded
            with self._source.connect() as conn:
                rows = conn.execute(select(DEF.c.name, DEF.c.version, DEF.c.body)).all()
            new = [parse_definition(r.body, f"<db:{r.name} v{r.version}>") for r in rows
                   if (r.name, r.version) not in self._entries]
            self._publish(new)
        for wf in new:
            log.info("workflow_loaded_late", workflow=wf.name, version=wf.version)

    def machine(self, name: str, version: int) -> Machine:
        return self._entry(name, version)[1]

    def latest(self, name: str) -> WorkflowDef:
        """The newest version of `name`, including one another process stored after this
        one started (one indexed max() read of the definitions table)."""
        if self._source is not None:
            with self._source.connect() as conn:
                newest = conn.execute(select(func.max(DEF.c.version))
                                      .where(DEF.c.name == name)).scalar()
            if newest is not None and (name, newest) not in self._entries:
                self._load_new()
        entries = self._entries
        versions = [v for (n, v) in entries if n == name]
        if not versions:
            raise NotFound(f"no workflow named {name!r}")
        return entries[(name, max(versions))][0]

    def names(self) -> list[str]:
        return sorted({n for (n, _) in self._entries})

    def versions(self, name: str) -> list[int]:
        return sorted(v for (n, v) in self._entries if n == name)

    def all(self) -> list[WorkflowDef]:
        entries = self._entries
        return [entries[k][0] for k in sorted(entries)]


def store_definitions(conn: Connection, defs: Iterable[WorkflowDef], now: datetime) -> list[str]:
    """Record each definition; a known (name, version) must have the same body.

    Returns a line per newly stored version. Raises DefinitionConflict, naming the file, when
    a body changed without a new version number (running items would silently change)."""
    stored: list[str] = []
    for wf in defs:
        row = conn.execute(select(DEF.c.content_hash).where(
            DEF.c.name == wf.name, DEF.c.version == wf.version)).first()
        if row is None:
            conn.execute(insert(DEF).values(name=wf.name, version=wf.version,
                                            content_hash=wf.content_hash, body=wf.body,
                                            loaded_at=now))
            stored.append(f"{wf.name} v{wf.version} stored ({wf.content_hash[:12]})")
            log.info("workflow_stored", workflow=wf.name, version=wf.version)
        elif row.content_hash != wf.content_hash:
            raise DefinitionConflict(
                f"{wf.source_file}: {wf.name} version {wf.version} is already loaded with a "
                f"different body (stored {row.content_hash[:12]}, file "
                f"{wf.content_hash[:12]}); running items depend on it. Fix: raise `version:` "
                "in the file to publish the change as a new version.")
    return stored


def registry_from_db(conn: Connection) -> Registry:
    rows = conn.execute(select(DEF.c.name, DEF.c.version, DEF.c.body)).all()
    return Registry((parse_definition(r.body, f"<db:{r.name} v{r.version}>") for r in rows),
                    source=conn.engine)
