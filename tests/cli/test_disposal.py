"""A lead's disposal (处置方式) over the command line, on both databases: `items fire`
refuses a move to investigation without a declared method and writes nothing, takes one with
it, closes with 予以了结, and `report performance` counts the lead under that method."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engine.deadlines import CHINA_TZ
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage import EVENT
from engine.storage.db import read_tx
from tests.cli.test_supervision import ok, run

CHINA_MONTH = "%Y-%m"


def events(rt: Runtime) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(EVENT)).scalar_one())


def test_a_disposal_over_the_cli(capsys: pytest.CaptureFixture[str], rt: Runtime,
                                 db_url: str, clock: ManualClock,
                                 actors: dict[str, Actor]) -> None:
    now = datetime.now(UTC)  # the commands run on the system clock
    clock.set(now)
    out = ok(capsys, db_url, "items", "create", "--as", "dc-office", "--workflow", "lead",
             "--jurisdiction", "510101", "--title", "处置方式",
             "--data", json.dumps({"channel": "letter", "category": "violation"}))
    item = re.search(r"created item (\d+)", out)[1]  # type: ignore[index]
    ok(capsys, db_url, "items", "fire", item, "transfer", "--as", "dc-office",
       "--data", json.dumps({"unit": "dc-police"}))

    before = events(rt)
    code, _, err = run(capsys, db_url, "items", "fire", item, "accept", "--as", "dc-handler")
    assert code == 1
    assert "disposal" in err
    assert events(rt) == before
    code, _, err = run(capsys, db_url, "items", "fire", item, "accept", "--as", "dc-handler",
                       "--data", json.dumps({"disposal": "dismiss"}))  # not one accept takes
    assert code == 1
    assert "disposal" in err
    assert events(rt) == before

    assert "→ investigating" in ok(capsys, db_url, "items", "fire", item, "accept", "--as",
                                   "dc-handler", "--data",
                                   json.dumps({"disposal": "preliminary_check"}))
    assert "→ closed" in ok(capsys, db_url, "items", "fire", item, "close", "--as",
                            "dc-handler", "--data", json.dumps({
                                "disposal": "dismiss", "outcome": "unfounded",
                                "conclusion": "经初步核实，反映问题不属实"}))

    office = actors["东城办-联络员"].user_id
    assert office is not None
    report = json.loads(ok(capsys, db_url, "report", "performance", "--as", str(office),
                           "--month", now.astimezone(CHINA_TZ).strftime(CHINA_MONTH),
                           "--json"))
    shares = {f["key"]: f for f in report["disposals"]}
    assert shares["disposal"]["numerator"] == 1
    assert shares["disposal.dismiss"]["numerator"] == 1  # its latest method in the month
    assert shares["disposal.dismiss"]["label"] == "予以了结"
    assert shares["disposal.preliminary_check"]["numerator"] == 0
