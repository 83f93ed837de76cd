"""`leadflow report performance` prints the same figures as the engine computes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cli.main import main
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.reports import TITLE_ROWS
from engine.runtime import Runtime
from engine.storage import EXPORT, read_tx
from tests.engine.reports.scenario import march
from tests.engine.scheduling.helpers import user_id


def test_report_performance_json_and_table(
        capsys: pytest.CaptureFixture[str], rt_sqlite: Runtime, sqlite_url: str,
        clock: ManualClock, actors_sqlite: dict[str, Actor]) -> None:
    march(rt_sqlite, clock, actors_sqlite)
    capsys.readouterr()  # the scenario's own log lines
    me = str(user_id(rt_sqlite, "市办-线索组"))
    base = ["--database-url", sqlite_url, "report", "performance", "--as", me,
            "--month", "2026-03"]
    assert main([*base, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    rate = next(f for f in body["total"] if f["key"] == "on_time_rate_of_due")
    assert (rate["numerator"], rate["denominator"]) == (1, 3)
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "办结率 2/4 = 0.5" in out
    assert "签收及时率 1/2 = 0.5" in out
    assert main([*base[:-2], "--month", "2026-13"]) == 1


def test_export_ledger_and_monthly(
        capsys: pytest.CaptureFixture[str], rt_sqlite: Runtime, sqlite_url: str,
        clock: ManualClock, actors_sqlite: dict[str, Actor], tmp_path: Path) -> None:
    march(rt_sqlite, clock, actors_sqlite)
    capsys.readouterr()
    me = str(user_id(rt_sqlite, "东城办-联络员"))
    ledger = tmp_path / "ledger.xlsx"
    assert main(["--database-url", sqlite_url, "export", "ledger", "--as", me,
                 "--workflow", "lead", str(ledger)]) == 0
    assert "3 rows" in capsys.readouterr().out
    ws = load_workbook(ledger).active
    assert ws is not None
    assert ws.max_row == TITLE_ROWS + 1 + 3
    monthly = tmp_path / "monthly.xlsx"
    assert main(["--database-url", sqlite_url, "export", "monthly", "--as", me,
                 "--month", "2026-03", str(monthly)]) == 0
    rows = list(load_workbook(monthly).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    header, total = rows[TITLE_ROWS], rows[TITLE_ROWS + 1]
    assert dict(zip(header, total, strict=True))["受理数"] == 3
    with read_tx(rt_sqlite.db) as conn:
        assert conn.execute(select(func.count()).select_from(EXPORT)).scalar_one() == 2
