"""Disposal (处置方式) over HTTP and in the files: the performance report's breakdown, the
summary's counts by method, and the lead ledger's 处置方式 column with the declared labels."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.reports import LEDGER_COLUMNS, TITLE_ROWS
from tests.engine.reports.test_disposal import disposals_in_march
from tests.fixtures.api import CITY_OFFICE, DC_OFFICE, Api


def test_performance_and_summary_count_disposals(api: Api, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    disposals_in_march(api.rt, clock, actors)
    r = api.client.get("/v1/reports/performance", headers=api.as_(CITY_OFFICE),
                       params={"month": "2026-03", "workflow": "lead"})
    assert r.status_code == 200, r.text
    got = {f["key"]: (f["label"], f["numerator"], f["denominator"])
           for f in r.json()["disposals"]}
    assert got == {"disposal": ("处置数", 4, None),
                   "disposal.talk_inquiry": ("谈话函询", 2, 4),
                   "disposal.preliminary_check": ("初步核实", 0, 4),
                   "disposal.park": ("暂存待查", 1, 4),
                   "disposal.dismiss": ("予以了结", 1, 4),
                   "disposal.refer_review": ("移送审查", 0, 4)}
    # the summary counts the stored method of every lead in scope, whenever it was decided
    county = api.client.get("/v1/reports/summary", headers=api.as_(DC_OFFICE),
                            params={"workflow": "lead"}).json()
    assert county["by_disposal"] == {"talk_inquiry": 2, "dismiss": 1, "park": 1,
                                     "(none)": 1}


def test_the_ledger_shows_each_leads_disposal_label(api: Api, clock: ManualClock,
                                                    actors: dict[str, Actor]) -> None:
    leads = disposals_in_march(api.rt, clock, actors)
    r = api.client.get("/v1/reports/ledger.xlsx", headers=api.as_(DC_OFFICE),
                       params={"workflow": "lead", "month": "2026-03"})
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows: list[list[Any]] = [list(row) for row in ws.iter_rows(values_only=True)]
    header = rows[TITLE_ROWS]
    assert header == [h for _, h in LEDGER_COLUMNS["lead"]]
    refs = {api.client.get(f"/v1/items/{i}", headers=api.as_(DC_OFFICE)).json()["ref"]: k
            for k, i in leads.items() if k in "ABCD"}
    by_lead = {refs[row[1]]: dict(zip(header, row, strict=True))["处置方式"]
               for row in rows[TITLE_ROWS + 1:]}
    assert by_lead == {"A": "谈话函询", "B": "予以了结", "C": "暂存待查", "D": None}  # empty
