"""The ledger and monthly files carry the transparency log's latest checkpoint line in their
title block (and their export record), so a printed ledger can be matched to the log."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.reports import TITLE_ROWS
from engine.storage import EXPORT, read_tx
from engine.transparency import latest_checkpoint_line, make_checkpoint, sequence
from tests.engine.reports.scenario import march
from tests.fixtures.api import DC_OFFICE, Api
from tests.transparency.helpers import log_config

FILES = [("/v1/reports/ledger.xlsx", {"workflow": "lead", "month": "2026-03"}),
         ("/v1/reports/monthly.xlsx", {"month": "2026-03"})]


def title_of(content: bytes) -> list[Any]:
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[TITLE_ROWS][:2] in (["序号", "编号"], ["层级", "辖区代码"])  # the header
    return [r[0] for r in rows[:TITLE_ROWS]]


def test_files_carry_the_latest_checkpoint_line(api: Api, clock: ManualClock,
                                                actors: dict[str, Actor]) -> None:
    march(api.rt, clock, actors)
    for path, params in FILES:  # before the log's first checkpoint
        r = api.client.get(path, headers=api.as_(DC_OFFICE), params=params)
        assert r.status_code == 200, r.text
        assert title_of(r.content)[-1] == "审计日志检查点：尚无"
    sequence(api.rt)
    make_checkpoint(api.rt, log_config())
    with read_tx(api.rt.db) as conn:
        line = latest_checkpoint_line(conn)
    assert line is not None
    for path, params in FILES:
        r = api.client.get(path, headers=api.as_(DC_OFFICE), params=params)
        assert title_of(r.content)[-1] == f"审计日志检查点：{line}"
    with read_tx(api.rt.db) as conn:
        notes = [n for (n,) in conn.execute(select(EXPORT.c.note).order_by(EXPORT.c.id))]
    assert notes == ["", "", line, line]
