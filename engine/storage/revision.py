"""Where a database's schema stands against this code's migrations, read without the table
modules: every command checks the revision before it runs, and the table modules (SQLModel,
pydantic, the ORM) cost half a second of a command's start-up that a command such as
`leadflow verify` never needs otherwise. `engine.storage.schema` holds the metadata and
upgrades; this module imports no table and no Alembic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True, kw_only=True)
class SchemaRevision:
    """Where a database's schema stands against this code's migrations."""

    current: str | None  # None: no leadflow schema in it (an empty database)
    head: str
    known: bool  # whether `current` is one of this code's revisions (not a newer leadflow's)


def schema_revision(engine: Engine) -> SchemaRevision:
    """Read the database's migration revision; writes nothing (a command that only uses a
    database checks it with this before anything could create or change a schema)."""
    with engine.connect() as conn:
        current = None
        if inspect(conn).has_table("alembic_version"):
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head, revisions = migrations()
    known = current is None or current in revisions
    return SchemaRevision(current=current, head=head, known=known)


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w-]+|None)",
                            re.M)


@cache
def migrations() -> tuple[str, frozenset[str]]:
    """(head, every revision) of this code's migrations, from their `revision` and
    `down_revision` lines (tests/engine/storage check it against Alembic's own reading)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, str] = {m.group(1): m.group(2)
                                 for m in _REVISION_LINE.finditer(path.read_text("utf-8"))}
        if "revision" in found:
            revisions.add(found["revision"])
            if found.get("down_revision") not in (None, "None"):
                parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return heads.pop(), frozenset(revisions)
