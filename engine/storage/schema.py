"""Import every table module so SQLModel.metadata knows the whole schema, and create or
upgrade a database with Alembic.

Alembic is imported only to migrate. The revision check every command makes before it runs
is `engine.storage.revision`, which needs neither Alembic nor these table modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect
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
from engine.storage.revision import MIGRATIONS

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
