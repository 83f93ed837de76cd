"""The ledger and monthly XLSX files: opened with openpyxl, headers and row counts checked
against the API, the monthly figures equal to /v1/reports/performance, every export logged,
no reporter identity in them."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from engine.kernel import dumps
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.reports import LEDGER_COLUMNS, MONTHLY_HEADERS, TITLE_ROWS
from engine.storage import EXPORT, read_tx
from tests.engine.reports.scenario import march
from tests.fixtures.api import CITY_OFFICE, DC_OFFICE, Api
from tests.fixtures.intake import REPORTER_CONTACT, REPORTER_NAME, MakeLead


def sheet(content: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    assert ws.freeze_panes == f"A{TITLE_ROWS + 2}"
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_lead_ledger_matches_the_item_list(api: Api, clock: ManualClock,
                                           actors: dict[str, Actor]) -> None:
    march(api.rt, clock, actors)
    r = api.client.get("/v1/reports/ledger.xlsx", headers=api.as_(DC_OFFICE),
                       params={"workflow": "lead", "month": "2026-03"})
    assert r.status_code == 200, r.text
    rows = sheet(r.content)
    assert rows[0][0] == "问题线索台账"
    assert rows[1][0] == "期间：2026年3月"
    assert rows[TITLE_ROWS] == [h for _, h in LEDGER_COLUMNS["lead"]]
    body = rows[TITLE_ROWS + 1:]
    listed = api.client.get("/v1/items", headers=api.as_(DC_OFFICE),
                            params={"workflow": "lead"}).json()["items"]
    assert sorted(row[1] for row in body) == sorted(i["ref"] for i in listed)
    by_ref = {row[1]: dict(zip(rows[TITLE_ROWS], row, strict=True)) for row in body}
    states = {by_ref[i["ref"]]["状态"] for i in listed}
    assert states == {"办结", "受理"}
    overdue = next(v for v in by_ref.values() if v["状态"] == "受理")
    assert (overdue["预警"], overdue["来源渠道"], overdue["类别"]) == ("红灯", "来信", "执法办案")
    assert overdue["剩余工作日"] < 0
    # the record: who, how many rows, the SHA-256 of the rows as written
    with read_tx(api.rt.db) as conn:
        log = conn.execute(select(EXPORT)).one()
    assert (log.kind, log.rows, log.actor) == ("lead_ledger", 3,
                                               f"user:{api.user_ids[DC_OFFICE]}")
    assert log.filters["workflow"] == "lead"
    assert log.rows_sha256 == hashlib.sha256(b"".join(
        dumps(row) + b"\n" for row in body)).hexdigest()
    assert r.headers["X-Export-SHA256"] == log.rows_sha256


def test_monthly_report_equals_the_performance_figures(api: Api, clock: ManualClock,
                                                       actors: dict[str, Actor]) -> None:
    march(api.rt, clock, actors)
    params = {"month": "2026-03", "jurisdiction": "5101"}
    perf = api.client.get("/v1/reports/performance", headers=api.as_(CITY_OFFICE),
                          params=params).json()
    r = api.client.get("/v1/reports/monthly.xlsx", headers=api.as_(CITY_OFFICE),
                       params=params)
    assert r.status_code == 200, r.text
    rows = sheet(r.content)
    header = rows[TITLE_ROWS]
    assert header[:3] == MONTHLY_HEADERS
    body = [dict(zip(header, row, strict=True)) for row in rows[TITLE_ROWS + 1:]]
    assert len(body) == 1 + len(perf["jurisdictions"]) + len(perf["units"])

    def expected(figures: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in figures:
            if f["denominator"] is None:
                out[f["label"]] = f["numerator"]
            else:
                out |= {f"{f['label']}·分子": f["numerator"],
                        f"{f['label']}·分母": f["denominator"], f["label"]: f["value"]}
        return out

    def got(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in MONTHLY_HEADERS}

    assert got(body[0]) == expected(perf["total"])
    for j, row in zip(perf["jurisdictions"], body[1:], strict=False):
        assert (row["辖区代码"], got(row)) == (j["code"], expected(j["figures"]))
    units = body[1 + len(perf["jurisdictions"]):]
    for u, row in zip(perf["units"], units, strict=True):
        assert (row["名称"], got(row)) == (u["name"], expected(u["figures"]))


def test_files_are_scoped(api: Api) -> None:
    r = api.client.get("/v1/reports/monthly.xlsx", headers=api.as_(DC_OFFICE),
                       params={"month": "2026-03", "jurisdiction": "510102"})
    assert r.status_code == 404
    r = api.client.get("/v1/reports/ledger.xlsx", headers=api.as_(DC_OFFICE),
                       params={"workflow": "nope"})
    assert r.status_code == 422


def test_a_ledger_never_holds_the_reporter(lead_api: Api, make_lead: MakeLead) -> None:
    make_lead()
    r = lead_api.client.get("/v1/reports/ledger.xlsx", headers=lead_api.as_(CITY_OFFICE),
                            params={"workflow": "lead"})
    cells = [str(v) for row in sheet(r.content) for v in row if v is not None]
    assert "东城区公安分局" in cells  # the unit of the person reported on is there
    assert not [c for c in cells if REPORTER_NAME in c or REPORTER_CONTACT in c]
    with read_tx(lead_api.rt.db) as conn:
        log = conn.execute(select(EXPORT)).one()
    assert REPORTER_NAME not in str(log.filters)
