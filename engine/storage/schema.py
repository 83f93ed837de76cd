"""Import every table module so SQLModel.metadata knows the whole schema, and create or
upgrade a database with Alembic.

Alembic is imported only to migrate: every command checks the schema's revision before it
runs, and reading it (one row) and this code's migrations (two lines of each file) needs
none of Alembic's machinery, which cost a third of a CLI command's start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from alembic.config import Config

# every table module, so that metadata (and Alembic's comparison) sees the whole schema
import engine.storage.api_tables
import engine.storage.auth_tables
import engine.storage.calendar_tables
import engine.storage.export_tables
import engine.storage.intake_tables
import engine.storage.scheduler_tables
import engine.storage.supervision_tables
import engine.storage.tables
import engine.storage.tlog_tables  # noqa: F401

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = SQLModel.metadata


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Create the schema on an empty database, or bring an existing one up to date."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("item")


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
