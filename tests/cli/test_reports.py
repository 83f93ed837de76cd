"""`leadflow report performance` prints the same figures as the engine computes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from cli.main import main
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from tests.engine.reports.scenario import march
from tests.engine.scheduling.helpers import user_id


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


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
