"""Databases and Runtimes for the benchmarks: a fresh SQLite file or a fresh PostgreSQL
schema, the shipped workflows, the example org, and production-style logging whose output
is thrown away (so its cost is measured but it does not flood the terminal)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import structlog
from sqlalchemy import text

from engine.kernel import Actor, ManualClock
from engine.logs import configure
from engine.org import actor_for_user, load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.storage import USER, make_engine, read_tx, write_tx
from engine.workflow import default_workflows_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ORG = ROOT / "cli" / "examples" / "org.yaml"
# The benchmarks' "now": Monday 2026-06-01, 09:00 in China.
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def quiet_production_logging() -> None:
    """JSON logs at info level, as in production (their cost is part of every figure), but
    written to /dev/null instead of stderr."""
    configure("json", "info")
    sink = open(os.devnull, "w")  # noqa: SIM115  (open for the life of the process)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink))


@contextlib.contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def runtime(url: str, clock: ManualClock | None = None) -> Runtime:
    """A Runtime with the shipped workflows and the example org on `url`."""
    clock = clock or ManualClock(NOW)
    rt = open_runtime(url, default_workflows_dir(), clock=clock)
    with write_tx(rt.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    return rt


def actors(rt: Runtime) -> dict[str, Actor]:
    """Actors of the example org by user name (e.g. '市办-线索组')."""
    with read_tx(rt.db) as conn:
        rows = conn.execute(USER.select()).all()
        return {r.name: actor_for_user(conn, r.id) for r in rows}
