"""The disposal breakdown (处置方式) of the performance report: leads disposed of in the
period, once each by their latest method, each method a share with its numerator and
denominator and the label lead.yaml declares; scope-limited like every figure."""

from __future__ import annotations

import pytest

import engine.reports.event_scan as event_scan
from engine.items.transition import apply
from engine.kernel.actors import SYSTEM, Actor
from engine.kernel.clock import ManualClock
from engine.reports import Performance, definitions, parse_period, performance, semantics
from engine.runtime import Runtime
from engine.storage.db import read_tx
from tests.engine.reports.scenario import cst
from tests.engine.scheduling.helpers import jid, new_lead

PARK = {"disposal": "park", "reason": "暂不具备核查条件"}
CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "dismiss"}


def disposals_in_march(rt: Runtime, clock: ManualClock,
                       actors: dict[str, Actor]) -> dict[str, int]:
    """东城区: A accepted for 谈话函询; B accepted for 初步核实 on the 3rd and closed 予以了结
    on the 10th (counts once, as 予以了结); C parked; D only received. 西城县: E accepted
    for 谈话函询. F (东城区) was accepted in February, so March does not count it."""
    dc, xc = actors["东城办-联络员"], actors["西城办-联络员"]
    clock.set(cst(2, 26))
    f = new_lead(rt, dc, "510101")
    apply(rt, actor=dc, item_id=f, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=dc, item_id=f, trigger="accept", data={"disposal": "talk_inquiry"})
    clock.set(cst(3, 2))
    a, b, c, d = (new_lead(rt, dc, "510101") for _ in range(4))
    e = new_lead(rt, xc, "510102")
    for item in (a, b, c):
        apply(rt, actor=dc, item_id=item, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=xc, item_id=e, trigger="transfer", data={"unit": "xc-police"})
    clock.set(cst(3, 3))
    apply(rt, actor=dc, item_id=a, trigger="accept", data={"disposal": "talk_inquiry"})
    apply(rt, actor=dc, item_id=b, trigger="accept", data={"disposal": "preliminary_check"})
    apply(rt, actor=dc, item_id=c, trigger="park", data=PARK)
    apply(rt, actor=xc, item_id=e, trigger="accept", data={"disposal": "talk_inquiry"})
    clock.set(cst(3, 10))
    apply(rt, actor=dc, item_id=b, trigger="close", data=CLOSE)
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}


def report(rt: Runtime, actor: Actor, month: str = "2026-03",
           jurisdiction: str | None = None) -> Performance:
    with read_tx(rt.db) as conn:
        return performance(conn, actor, period=parse_period(month=month),
                           now=rt.clock.now(), calendar=rt.calendar,
                           semantics=semantics(definitions(rt.registry)),
                           jurisdiction_id=jid(rt, jurisdiction) if jurisdiction else None)


def shares(r: Performance) -> list[tuple[str, str, float, int | None, float | None]]:
    return [(f.key, f.label, f.numerator, f.denominator, f.value) for f in r.disposals]


def test_each_lead_counts_once_by_its_latest_method_in_the_period(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    disposals_in_march(rt, clock, actors)
    assert shares(report(rt, SYSTEM)) == [
        ("disposal", "处置数", 4, None, 4),
        ("disposal.talk_inquiry", "谈话函询", 2, 4, 0.5),
        ("disposal.preliminary_check", "初步核实", 0, 4, 0.0),
        ("disposal.park", "暂存待查", 1, 4, 0.25),
        ("disposal.dismiss", "予以了结", 1, 4, 0.25),
        ("disposal.refer_review", "移送审查", 0, 4, 0.0),
    ]
    feb = shares(report(rt, SYSTEM, month="2026-02"))
    assert (feb[0][2], feb[1][2]) == (1, 1)  # F, 谈话函询
    assert shares(report(rt, SYSTEM, month="2026-04"))[1] == (
        "disposal.talk_inquiry", "谈话函询", 0, 0, None)


def test_a_county_counts_its_own_leads_only(rt: Runtime, clock: ManualClock,
                                            actors: dict[str, Actor]) -> None:
    disposals_in_march(rt, clock, actors)
    xc = shares(report(rt, actors["西城办-联络员"]))
    assert (xc[0][2], xc[1][2]) == (1, 1)  # E alone
    dc = shares(report(rt, SYSTEM, jurisdiction="510101"))
    assert [s[2] for s in dc] == [3, 1, 0, 1, 1, 0]


def test_the_same_shares_whichever_way_sqlite_reads_the_events(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A period covering most of the events' span reads them in one pass (`+at`), a narrow
    one by index: forcing each way gives the same disposals and the same figures (the
    acceptances too, which read the events the same way)."""
    disposals_in_march(rt, clock, actors)
    seen = []
    for wide in (0.0, 2.0):  # every period wide / none wide
        monkeypatch.setattr(event_scan, "WIDE", wide)
        seen.append([(shares(r), r.total) for r in (report(rt, SYSTEM, month=m)
                                                     for m in ("2026-02", "2026-03"))])
    assert seen[0] == seen[1]
    assert seen[0][1][0][0][2] == 4
