"""Generated data sets (bench/datagen.py) cached as SQLite files in bench/.cache/
(gitignored), keyed by profile, size, overdue count, the schema (sqlite_master of a freshly
migrated database), the generator's source and the workflow and org files. A new file
replaces the stale ones of the same profile and sizes. Benchmarks that write work on a copy
(`copy_of`)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench import datagen
from bench.env import EXAMPLE_ORG, runtime
from bench.harness import CACHE_DIR

GENERATOR = Path(datagen.__file__)


@dataclass(frozen=True, kw_only=True)
class DataSet:
    path: Path
    profile: str
    items: int
    overdue: int
    events: int

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def dataset(profile: str, items: int, overdue: int) -> DataSet:
    """The cached data set, generated first if missing (or if its inputs changed)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    (CACHE_DIR / ".gitignore").write_text("*\n")  # generated data never enters git
    stem = f"{profile}-{items}-{overdue}-"
    path = CACHE_DIR / f"{stem}{_cache_key(profile, items, overdue)}.db"
    if not path.exists():
        # a name of its own: two runs generating the same set do not write one file
        tmp = CACHE_DIR / f"{path.stem}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        datagen.generate(tmp, profile, items, overdue)
        with sqlite3.connect(tmp) as conn:  # fold the WAL in: one self-contained file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        tmp.rename(path)
        for stale in CACHE_DIR.glob(f"{stem}*.db*"):
            if not stale.name.startswith(path.name):  # older schema, generator or workflow
                stale.unlink(missing_ok=True)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        events = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    return DataSet(path=path, profile=profile, items=items, overdue=overdue, events=events)


def copy_of(ds: DataSet, dest: Path) -> DataSet:
    """A private copy for benchmarks that write."""
    shutil.copyfile(ds.path, dest)
    return DataSet(path=dest, profile=ds.profile, items=ds.items, overdue=ds.overdue,
                   events=ds.events)


def _cache_key(profile: str, items: int, overdue: int) -> str:
    h = hashlib.sha256(f"{profile}:{items}:{overdue}".encode())
    h.update(_schema_sql().encode())
    root = Path(__file__).resolve().parent.parent
    for f in (GENERATOR, root / "workflows" / "lead.yaml", EXAMPLE_ORG):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


_SCHEMA: list[str] = []


def _schema_sql() -> str:
    """The schema a fresh database gets from the migrations (cached for the process)."""
    if not _SCHEMA:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            rt = runtime(f"sqlite:///{tmp}/schema.db")
            rt.db.dispose()
            with sqlite3.connect(f"{tmp}/schema.db") as conn:
                rows = conn.execute("SELECT type, name, sql FROM sqlite_master "
                                    "ORDER BY type, name").fetchall()
        _SCHEMA.append(repr(rows))
    return _SCHEMA[0]


