"""The supervision and extension figures over a March worked out by hand, and the proof that
an extended item meeting its extended deadline counts as on time; the ledger's 督办次数 is
the notices on the item."""

from __future__ import annotations

from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.reports.labels import LEDGER_COLUMNS, definitions
from engine.reports.ledger import LedgerFilter, ledger_rows
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from engine.storage.db import read_tx
from engine.supervision import (
    approve_extension,
    issue_notice,
    refuse_extension,
    reply_notice,
    request_extension,
)
from tests.engine.reports.scenario import CLOSE, cst
from tests.engine.reports.test_performance import fig, report
from tests.engine.scheduling.helpers import new_lead


def extended_march(rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> dict[str, int]:
    """E and F (东城区), created and transferred to dc-police Mon 2 March 09:00: to be signed
    for by Mon 9 March. E asks on the 4th for 3 more working days and gets them (due Thu
    12th); F asks and is refused. The sweep of Tue 10th marks F overdue, not E. Both are
    accepted on the 11th and closed on the 12th: E on time (its extended deadline), F late.
    A notice on each on the 3rd (reply due Fri 6th): E replies on the 4th, F on the 10th."""
    dc, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    clock.set(cst(3, 2))
    e, f = new_lead(rt, dc, "510101", "E"), new_lead(rt, dc, "510101", "F")
    for item in (e, f):
        apply(rt, actor=dc, item_id=item, trigger="transfer", data={"unit": "dc-police"})
    clock.set(cst(3, 3))
    notices = {item: issue_notice(rt, actor=dc, item_id=item, level="general",
                                  requirement="报告签收情况").id for item in (e, f)}
    clock.set(cst(3, 4))
    reply_notice(rt, actor=handler, item_id=e, notice_id=notices[e], reply="即将签收")
    for item in (e, f):
        ext = request_extension(rt, actor=handler, item_id=item, working_days=3,
                                reason="人手不足")
        if item == e:
            approve_extension(rt, actor=dc, item_id=item, extension_id=ext.id)
        else:
            refuse_extension(rt, actor=dc, item_id=item, extension_id=ext.id, reason="不同意")
    clock.set(cst(3, 10))
    run_sweep(rt)
    reply_notice(rt, actor=handler, item_id=f, notice_id=notices[f], reply="已签收")
    clock.set(cst(3, 11))
    for item in (e, f):
        apply(rt, actor=handler, item_id=item, trigger="accept",
              data={"disposal": "preliminary_check"})
    clock.set(cst(3, 12))
    for item in (e, f):
        apply(rt, actor=handler, item_id=item, trigger="close", data=CLOSE)
    clock.set(cst(3, 20))
    return {"E": e, "F": f}


def test_supervision_and_extension_figures(rt: Runtime, clock: ManualClock,
                                           actors: dict[str, Actor]) -> None:
    extended_march(rt, clock, actors)
    got = fig(report(rt, actors["市办-线索组"], "5101").total)
    assert {k: got[k] for k in ("supervision_notices", "supervision_replied_on_time",
                                "extensions_granted", "closed_extended")} == {
        "supervision_notices": (2, None),
        "supervision_replied_on_time": (1, 2),  # E by the 6th; F on the 10th
        "extensions_granted": (1, 2),  # E's granted, F's refused
        "closed_extended": (1, 2),  # E of the two closed
    }


def test_an_extended_item_meeting_its_extended_deadline_is_on_time(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    extended_march(rt, clock, actors)
    got = fig(report(rt, actors["市办-线索组"], "5101").total)
    assert got["closed_late"] == (1, None)  # F only: E met its extended deadline
    assert got["on_time_rate_of_closed"] == (1, 2)
    assert got["sign_for_rate"] == (1, 2)  # E signed for within its extended limit


def test_the_ledger_counts_notices_as_supervisions(rt: Runtime, clock: ManualClock,
                                                   actors: dict[str, Actor]) -> None:
    ids = extended_march(rt, clock, actors)
    dc = actors["东城办-联络员"]
    g = new_lead(rt, dc, "510101", "G")
    for level in ("general", "yellow"):
        issue_notice(rt, actor=dc, item_id=g, level=level, requirement="督办")
    wf = rt.registry.latest("lead")
    keys = [k for k, _ in LEDGER_COLUMNS["lead"]]
    with read_tx(rt.db) as conn:
        rows = [dict(zip(keys, r, strict=True)) for r in ledger_rows(
            conn, dc, LedgerFilter(workflow="lead"), wf=wf, defs=definitions(rt.registry),
            now=clock.now(), calendar=rt.calendar)]
    # E and F one notice each (F also an escalation by the sweep, which is no notice), G two
    assert [r["supervisions"] for r in rows] == [1, 1, 2]
    assert len(rows) == len(ids) + 1
