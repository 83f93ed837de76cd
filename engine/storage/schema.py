"""Import every table module so SQLModel.metadata knows the whole schema, and create or
upgrade a database with Alembic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

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
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Create the schema on an empty database, or bring an existing one up to date."""
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
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = script.get_current_head()
    assert head is not None  # the package ships its migrations
    known = current is None or current in {r.revision for r in script.walk_revisions()}
    return SchemaRevision(current=current, head=head, known=known)
