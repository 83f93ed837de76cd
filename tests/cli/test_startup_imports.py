"""`--help` answers without the database stack: the command modules and the engine's package
faces import SQLAlchemy, FastAPI and Alembic only when a command runs (start-up, issue 14).
Checked in a fresh interpreter, by what it imported, not by a timing."""

from __future__ import annotations

import json
import subprocess
import sys

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
