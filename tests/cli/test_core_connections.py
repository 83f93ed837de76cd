"""`items create` and `items fire` close their database connections when they are done: a
connection left to the garbage collector is never closed cleanly (on PostgreSQL psycopg
warns and the server keeps the session until the process exits)."""

from __future__ import annotations

import gc
import re
import warnings

import pytest
import structlog

from cli.main import main
from tests.conftest import EXAMPLE_ORG


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_items_create_and_fire_leave_no_connection_behind(
        db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        run(capsys, "--database-url", db_url, "init")
        out = run(capsys, "--database-url", db_url, "org", "load", str(EXAMPLE_ORG))
        office = re.search(r"user (\d+): 市办-线索组 ", out)
        assert office
        gc.collect()  # whatever the set-up left behind is not this test's concern
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            out = run(capsys, "--database-url", db_url, "items", "create", "--as", office[1],
                      "--workflow", "lead", "--jurisdiction", "5101", "--title", "线索",
                      "--data", '{"channel": "letter", "category": "violation"}')
            item = re.search(r"created item (\d+) ", out)
            assert item
            run(capsys, "--database-url", db_url, "items", "fire", item[1], "transfer",
                "--as", office[1], "--data", '{"unit": "city-police"}')
            gc.collect()  # an engine nobody disposed closes its connections here, warning
        leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
        assert leaks == []
    finally:
        structlog.reset_defaults()  # main() pointed structlog at the captured stderr
