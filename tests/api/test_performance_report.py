"""GET /v1/reports/performance: the engine's figures over HTTP, scoped, bad periods 422."""

from __future__ import annotations

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from tests.engine.reports.scenario import march
from tests.fixtures.api import CITY_OFFICE, DC_OFFICE, Api


def test_performance_over_http(api: Api, clock: ManualClock,
                               actors: dict[str, Actor]) -> None:
    march(api.rt, clock, actors)
    r = api.client.get("/v1/reports/performance", headers=api.as_(CITY_OFFICE),
                       params={"month": "2026-03", "jurisdiction": "5101"})
    assert r.status_code == 200, r.text
    body = r.json()
    total = {f["key"]: f for f in body["total"]}
    assert (total["closure_rate"]["numerator"], total["closure_rate"]["denominator"],
            total["closure_rate"]["value"], total["closure_rate"]["label"]) == (2, 4, 0.5,
                                                                                 "办结率")
    assert total["sign_for_rate"]["label"] == "签收及时率"
    assert body["period"] == {"label": "2026年3月", "first": "2026-03-01",
                              "last": "2026-03-31"}
    assert {j["code"] for j in body["jurisdictions"]} == {"5101", "510101", "510102",
                                                         "510103"}


def test_performance_is_scoped_and_checks_its_period(api: Api, clock: ManualClock,
                                                     actors: dict[str, Actor]) -> None:
    march(api.rt, clock, actors)
    dc = api.as_(DC_OFFICE)
    r = api.client.get("/v1/reports/performance", headers=dc,
                       params={"month": "2026-03", "jurisdiction": "510102"})
    assert r.status_code == 404
    r = api.client.get("/v1/reports/performance", headers=dc,
                       params={"from": "2026-03-01", "to": "2026-03-31"})
    assert {f["key"]: f["numerator"] for f in r.json()["total"]}["received"] == 3
    for bad in ({}, {"month": "2026-3"}, {"month": "2026-03", "quarter": "2026-Q1"},
                {"from": "2026-03-31", "to": "2026-03-01"}):
        r = api.client.get("/v1/reports/performance", headers=dc, params=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
