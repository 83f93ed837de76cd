"""What `leadflow serve` wires around the routes: the in-process sweep, /readyz warnings."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from engine.items.transition import create_item
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage import ITEM
from engine.storage.db import read_tx
from tests.conftest import actors_of
from tests.fixtures.api import Api


def test_readyz_warns_when_next_years_calendar_is_unpublished(api_sqlite: Api) -> None:
    """Near the year's end, /readyz says next year's 调休 is unknown (deadlines use weekdays)."""
    clock = api_sqlite.rt.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    body = api_sqlite.client.get("/readyz").json()
    assert body["status"] == "ready"
    assert any("2027" in w for w in body["warnings"]), body


def test_readyz_has_no_warning_inside_a_published_year(api_sqlite: Api) -> None:
    """In March 2026 every deadline stays in 2026, whose calendar is published."""
    assert api_sqlite.client.get("/readyz").json()["warnings"] == []


def test_serve_runs_the_sweep_in_process(rt_sqlite: Runtime) -> None:
    """With run_scheduler on, an overdue item is escalated while the app runs, unprompted."""
    office = actors_of(rt_sqlite)["市办-线索组"]
    jid = office.jurisdiction_id
    assert jid is not None
    item_id = create_item(rt_sqlite, actor=office, workflow="lead", jurisdiction_id=jid,
                          title="逾期线索",
                          data={"channel": "letter", "category": "violation"}).item_id
    clock = rt_sqlite.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=30))  # far past the 5 working days of `received`
    app = create_app(rt_sqlite, Settings(secret=SecretStr("s"), sweep_interval_seconds=3600),
                     run_scheduler=True)
    level = 0
    with TestClient(app):
        for _ in range(100):  # the catch-up sweep runs in a background thread on start
            with read_tx(rt_sqlite.db) as conn:
                level = conn.execute(select(ITEM.c.escalation_level)
                                     .where(ITEM.c.id == item_id)).scalar_one()
            if level:
                break
            time.sleep(0.1)
    assert level >= 1
