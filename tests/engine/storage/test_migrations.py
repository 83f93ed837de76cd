"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, inspect

from engine.storage.db import make_engine
from engine.storage.schema import alembic_config, metadata, upgrade


@pytest.fixture
def migrated(blank_db_url: str) -> Iterator[Engine]:
    db = make_engine(blank_db_url)
    upgrade(db)
    try:
        yield db
    finally:
        db.dispose()


def test_migrated_schema_matches_the_models(migrated: Engine) -> None:
    """autogenerate finds no difference in tables, columns, types, indexes or defaults."""
    with migrated.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(migrated: Engine) -> None:
    """Upgrading an up-to-date database changes nothing (what `leadflow init` relies on)."""
    before = sorted(inspect(migrated).get_table_names())
    upgrade(migrated)
    assert sorted(inspect(migrated).get_table_names()) == before


def test_downgrade_to_base_removes_every_table(migrated: Engine) -> None:
    """Each revision's downgrade undoes its upgrade; then upgrade rebuilds the schema."""
    command.downgrade(alembic_config(migrated), "base")
    assert inspect(migrated).get_table_names() == ["alembic_version"]
    upgrade(migrated)
    assert set(metadata.tables) <= set(inspect(migrated).get_table_names())


def test_the_comparison_notices_a_missing_column(migrated: Engine) -> None:
    """The check is not vacuous: a model column the migrations lack shows up as a diff."""
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["item"].append_column(Column("priority", Integer, nullable=True))
    with migrated.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), changed)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "item", "priority")]


def test_the_revision_check_reads_the_migrations_as_alembic_does() -> None:
    """`schema_revision` reads the migrations' revision lines without Alembic (start-up);
    the head and the revisions must be Alembic's own."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from engine.storage.revision import MIGRATIONS, migrations

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert migrations() == (script.get_current_head(),
                            frozenset(r.revision for r in script.walk_revisions()))
