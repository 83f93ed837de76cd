"""`--help` answers without the database stack: the command modules and the engine's package
faces import SQLAlchemy, FastAPI and Alembic only when a command runs (start-up, issue 14).
Checked in a fresh interpreter, by what it imported, not by a timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "fastapi", "alembic")
PROBE = """
import json, sys
from cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""


def imported(*argv: str) -> list[str]:
    """The heavy modules a fresh `leadflow ARGV` imported (its stdout's last line)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *argv],
        capture_output=True, text=True, check=True, timeout=120)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("argv", [["--help"], ["verify", "--help"], ["items", "--help"],
                                  ["sweep", "--help"], ["serve", "--help"]])
def test_help_imports_no_database_or_http_stack(argv: list[str]) -> None:
    assert imported(*argv) == []


def test_the_probe_sees_a_command_that_needs_the_database(tmp_path: object) -> None:
    """The check can fail: a command that runs (here against a missing database) does import
    SQLAlchemy."""
    assert "sqlalchemy" in imported("--database-url", f"sqlite:///{tmp_path}/none.db", "verify")


# `leadflow verify` on a real database: the revision check (engine.storage.revision) and the
# verification (engine.items.audit's light table clauses) need none of the table modules,
# SQLModel or the ORM, half a second of its start-up (issue 14). pydantic stays: Settings.
# ... and the workflow loader: verify reads no workflow file (yaml and the model were a
# seventh of its start-up when the settings took their default folder from the loader)
TABLE_STACK = ("sqlmodel", "sqlalchemy.orm", "alembic", "engine.storage.tables",
               "engine.storage.schema", "engine.storage.api_tables", "yaml",
               "engine.workflow.loader")
VERIFY_PROBE = """
import json, sys
from cli.main import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in sys.modules if m.startswith({stack}))]))
"""


def verify_run(url: str) -> tuple[int, list[str]]:
    """`leadflow verify` in a fresh interpreter: its exit code and the table-stack modules
    it imported."""
    done = subprocess.run(
        [sys.executable, "-c", VERIFY_PROBE.format(stack=TABLE_STACK), "--database-url", url,
         "verify", "--workers", "1"], capture_output=True, text=True, check=True, timeout=120)
    code, found = json.loads(done.stdout.strip().splitlines()[-1])
    return code, found


def test_verify_of_a_database_needs_no_table_modules(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An intact trail verifies (exit 0) without the table stack; an altered event and a
    deleted event are still found (exit 1), still without it."""
    from sqlalchemy import delete, text, update

    from engine.storage import EVENT, make_engine, write_tx
    from tests.cli.test_core import LEAD, loaded, run

    url = f"sqlite:///{tmp_path / 'verify.db'}"
    office = str(loaded(capsys, url)["市办-线索组"])
    for item in ("1", "2"):
        run(capsys, "--database-url", url, "items", "create", "--as", office, "--workflow",
            "lead", "--jurisdiction", "5101", "--title", "线索", "--data", LEAD)
        assert run(capsys, "--database-url", url, "items", "fire", item, "transfer", "--as",
                   office, "--data", '{"unit": "city-police"}')[0] == 0
    assert verify_run(url) == (0, [])
    db = make_engine(url)
    with write_tx(db) as conn:
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        conn.execute(update(EVENT).where(EVENT.c.item_id == 1, EVENT.c.seq == 2)
                     .values(comment="改过"))
    assert verify_run(url) == (1, [])
    with write_tx(db) as conn:
        conn.execute(update(EVENT).where(EVENT.c.item_id == 1, EVENT.c.seq == 2)
                     .values(comment=""))
    assert verify_run(url) == (0, [])
    with write_tx(db) as conn:
        conn.execute(delete(EVENT).where(EVENT.c.item_id == 2, EVENT.c.seq == 2))
    db.dispose()
    assert verify_run(url) == (1, [])
