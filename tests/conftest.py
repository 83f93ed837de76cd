"""Shared fixtures: a database on each backend, a Runtime on a ManualClock, the example org.

Storage tests take `db_url`, parametrised over SQLite and the throwaway PostgreSQL that
`scripts/with-postgres` starts (LEADFLOW_TEST_PG_URL). Each PostgreSQL test gets its own
schema, so tests never see each other's rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.env import pg_schema
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import actor_for_user, load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.storage.db import read_tx, write_tx
from engine.storage.tables import User
from engine.workflow.loader import default_workflows_dir

# fixtures that tests of several packages use (the HTTP client, lead intake)
pytest_plugins = ["tests.fixtures.api", "tests.fixtures.intake"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ORG = ROOT / "cli" / "examples" / "org.yaml"
PG_URL = os.environ.get("LEADFLOW_TEST_PG_URL")
# 2026-03-02 is a Monday; 09:00 in China.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _pg_schema_url(base: str) -> Iterator[str]:
    """A URL whose search_path is a new schema, dropped after the test (bench uses it too)."""
    with pg_schema(base) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on SQLite (a file, WAL) and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leadflow.db'}"
        return
    if not PG_URL:
        if os.environ.get("CI") or os.environ.get("LEADFLOW_REQUIRE_PG"):
            pytest.fail("LEADFLOW_TEST_PG_URL is not set: run the suite via `make test`")
        pytest.skip("no PostgreSQL: run via `make test` (scripts/with-postgres)")
    yield from _pg_schema_url(PG_URL)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests that are about engine logic, not storage: SQLite only."""
    return f"sqlite:///{tmp_path / 'leadflow.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _runtime(url: str, clock: ManualClock) -> Iterator[Runtime]:
    rt = open_runtime(url, default_workflows_dir(), clock=clock)
    with write_tx(rt.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    try:
        yield rt
    finally:
        rt.db.dispose()


@pytest.fixture
def rt(db_url: str, clock: ManualClock) -> Iterator[Runtime]:
    """A Runtime with the shipped workflows and the example org, on both backends."""
    yield from _runtime(db_url, clock)


@pytest.fixture
def rt_sqlite(sqlite_url: str, clock: ManualClock) -> Iterator[Runtime]:
    yield from _runtime(sqlite_url, clock)


def actors_of(rt: Runtime) -> dict[str, Actor]:
    """Actors of the example org by user name (e.g. '市办-线索组')."""
    with read_tx(rt.db) as conn:
        rows = conn.execute(User.__table__.select()).all()  # type: ignore[attr-defined]
        return {r.name: actor_for_user(conn, r.id) for r in rows}


@pytest.fixture
def actors(rt: Runtime) -> dict[str, Actor]:
    return actors_of(rt)


@pytest.fixture
def actors_sqlite(rt_sqlite: Runtime) -> dict[str, Actor]:
    return actors_of(rt_sqlite)
