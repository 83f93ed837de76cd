"""Import every table module so SQLModel.metadata knows the whole schema, and create or
upgrade a database with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

# every table module, so that metadata (and Alembic's comparison) sees the whole schema
import engine.storage.api_tables
import engine.storage.calendar_tables
import engine.storage.export_tables
import engine.storage.intake_tables
import engine.storage.scheduler_tables
import engine.storage.tables  # noqa: F401

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
