"""Shared fixtures: a database on each backend, a Runtime on a ManualClock, the example org.

Storage tests take `db_url`, parametrised over SQLite and the throwaway PostgreSQL that
`scripts/with-postgres` starts (LEADFLOW_TEST_PG_URL). Each test starts from a fresh state
of the schema that was migrated once per pytest process (tests/fixtures/db.py): a copy of a
template file on SQLite, this process's database put back into that state on PostgreSQL.
Tests never see each other's rows, and only the migration tests run the migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import actor_for_user, load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.storage.db import read_tx, write_tx
from engine.storage.tables import User
from engine.workflow.loader import default_workflows_dir
from engine.workflow.model import WorkflowDef
from tests.fixtures.db import (
    EXAMPLE_ORG,
    ROOT,
    START,
    Kind,
    PgTemplates,
    PgWorkerDatabase,
    SqliteTemplates,
    runtime_on_copy,
)

# fixtures that tests of several packages use (the HTTP client, lead intake)
pytest_plugins = ["tests.fixtures.api", "tests.fixtures.intake"]

__all__ = ["EXAMPLE_ORG", "ROOT", "START", "actors_of"]

PG_URL = os.environ.get("LEADFLOW_TEST_PG_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True, kw_only=True)
class Database:
    url: str
    # the loaded template's definitions when this is a copy of it, else None
    defs: tuple[WorkflowDef, ...] | None = None


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def pg_templates() -> Iterator[PgTemplates]:
    assert PG_URL  # only asked for when there is a server
    templates = PgTemplates(PG_URL, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    yield templates
    templates.close()


@pytest.fixture(scope="session")
def pg_worker(pg_templates: PgTemplates) -> Iterator[PgWorkerDatabase]:
    worker = PgWorkerDatabase(pg_templates)
    yield worker
    worker.drop()


def _wants_loaded(request: pytest.FixtureRequest, runtime_fixture: str) -> bool:
    """Whether the test's Runtime fixture can start from the loaded template: only when its
    clock still reads START, the time the template's rows were written at."""
    if runtime_fixture not in request.fixturenames:
        return False
    clock: ManualClock = request.getfixturevalue("clock")
    return clock.now() == START


def _sqlite_database(request: pytest.FixtureRequest, tmp_path: Path,
                     runtime_fixture: str) -> Database:
    templates: SqliteTemplates = request.getfixturevalue("sqlite_templates")
    dest = tmp_path / "leadflow.db"
    if _wants_loaded(request, runtime_fixture):
        url = templates.copy("loaded", dest)  # builds the template first, and so its defs
        return Database(url=url, defs=templates.defs)
    return Database(url=templates.copy("empty", dest))


def _require_pg() -> str:
    if not PG_URL:
        if os.environ.get("CI") or os.environ.get("LEADFLOW_REQUIRE_PG"):
            pytest.fail("LEADFLOW_TEST_PG_URL is not set: run the suite via `make test`")
        pytest.skip("no PostgreSQL: run via `make test` (scripts/with-postgres)")
    return PG_URL


@pytest.fixture(params=BACKENDS)
def _database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The test's own database on SQLite or PostgreSQL; see `db_url` and `rt`."""
    if request.param == "sqlite":
        yield _sqlite_database(request, tmp_path, "rt")
        return
    _require_pg()
    worker: PgWorkerDatabase = request.getfixturevalue("pg_worker")
    kind: Kind = "loaded" if _wants_loaded(request, "rt") else "empty"
    url = worker.reset(kind)
    yield Database(url=url, defs=worker.defs if kind == "loaded" else None)


@pytest.fixture
def db_url(_database: Database) -> str:
    """A fresh database URL on SQLite (a file, WAL) and on PostgreSQL: migrated, no rows.
    In a test that also takes `rt`, it is the database `rt` runs on."""
    return _database.url


@pytest.fixture(params=BACKENDS)
def blank_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with no tables at all, for the tests of the migrations."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leadflow.db'}"
        return
    _require_pg()
    templates: PgTemplates = request.getfixturevalue("pg_templates")
    name = templates.new_blank()
    try:
        yield templates.url(name)
    finally:
        templates.drop(name)


@pytest.fixture
def _sqlite_only_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    return _sqlite_database(request, tmp_path, "rt_sqlite")


@pytest.fixture
def sqlite_url(_sqlite_only_database: Database) -> str:
    """For tests that are about engine logic, not storage: SQLite only, migrated, no rows.
    In a test that also takes `rt_sqlite`, it is the database `rt_sqlite` runs on."""
    return _sqlite_only_database.url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _runtime(database: Database, clock: ManualClock) -> Iterator[Runtime]:
    if database.defs is not None:
        if clock.now() != START:
            pytest.fail("the clock moved between the database's set-up and the Runtime's; "
                        "the loaded template's rows are at START")
        rt = runtime_on_copy(database.url, database.defs, clock)
    else:  # the clock was not at START: load as a new installation would, at its time
        rt = open_runtime(database.url, default_workflows_dir(), clock=clock, migrate=False)
        with write_tx(rt.db) as conn:
            load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    try:
        yield rt
    finally:
        rt.db.dispose()


@pytest.fixture
def rt(_database: Database, clock: ManualClock) -> Iterator[Runtime]:
    """A Runtime with the shipped workflows and the example org, on both backends."""
    yield from _runtime(_database, clock)


@pytest.fixture
def rt_sqlite(_sqlite_only_database: Database, clock: ManualClock) -> Iterator[Runtime]:
    yield from _runtime(_sqlite_only_database, clock)


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


@pytest.fixture(autouse=True)
def _structlog_config() -> Iterator[None]:
    """A test that runs `main()` configures structlog (level, renderer) for the process; put
    it back, so a later test's `capture_logs()` sees every level it expects."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
