"""Definitions by (name, version), each compiled once into a shared Machine.

The database is the record of every version ever loaded; items keep the version they started
on, so the registry is built from the database, not from whatever files are on disk today."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import structlog
from sqlalchemy import Connection, Engine, insert, select
from transitions import Machine

from engine.errors import DefinitionConflict, NotFound
from engine.storage import DEF
from engine.workflow.loader import parse_definition
from engine.workflow.machines import compile_machine
from engine.workflow.model import WorkflowDef

log = structlog.get_logger(__name__)


class Registry:
    def __init__(self, defs: Iterable[WorkflowDef] = (), *, source: Engine | None = None
                 ) -> None:
        self._defs: dict[tuple[str, int], WorkflowDef] = {}
        self._machines: dict[tuple[str, int], Machine] = {}
        # The database the definitions came from: another process (`leadflow init`, a newer
        # API node) may store a version after we started, and items may already use it.
        self._source = source
        for d in defs:
            self.add(d)

    def add(self, wf: WorkflowDef) -> None:
        self._defs[wf.key] = wf
        self._machines[wf.key] = compile_machine(wf)

    def get(self, name: str, version: int) -> WorkflowDef:
        if (name, version) not in self._defs and self._source is not None:
            self._load_new()
        try:
            return self._defs[(name, version)]
        except KeyError:
            raise NotFound(f"workflow {name!r} version {version} is not loaded") from None

    def _load_new(self) -> None:
        """Add versions stored since this registry was built (never replaces a known one)."""
        if self._source is None:
            return
        with self._source.connect() as conn:
            rows = conn.execute(select(DEF.c.name, DEF.c.version, DEF.c.body)).all()
        for r in rows:
            if (r.name, r.version) not in self._defs:
                self.add(parse_definition(r.body, f"<db:{r.name} v{r.version}>"))
                log.info("workflow_loaded_late", workflow=r.name, version=r.version)

    def machine(self, name: str, version: int) -> Machine:
        self.get(name, version)
        return self._machines[(name, version)]

    def latest(self, name: str) -> WorkflowDef:
        versions = [v for (n, v) in self._defs if n == name]
        if not versions:
            raise NotFound(f"no workflow named {name!r}")
        return self._defs[(name, max(versions))]

    def names(self) -> list[str]:
        return sorted({n for (n, _) in self._defs})

    def versions(self, name: str) -> list[int]:
        return sorted(v for (n, v) in self._defs if n == name)

    def all(self) -> list[WorkflowDef]:
        return [self._defs[k] for k in sorted(self._defs)]


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
