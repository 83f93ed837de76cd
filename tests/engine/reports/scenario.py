"""A March of four leads whose figures are known by hand (see the test for each number)."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from tests.engine.scheduling.helpers import new_lead

CLOSE = {"outcome": "unfounded", "conclusion": "查无实据",
         "disposal": "preliminary_check"}


def cst(m: int, d: int, h: int = 9) -> datetime:
    return datetime(2026, m, d, h - 8, tzinfo=UTC)


def march(rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> dict[str, int]:
    """All created Mon 2 March 09:00. A (东城区): transferred to dc-police, accepted on the
    3rd, closed Fri 6th, on time, 4 working days. B (东城区): transferred on the 2nd,
    accepted only on the 16th after its 5-working-day limit passed (the sweep marked it
    overdue), closed on the 17th: late, 11 working days. C (西城县): returned for
    information, waiting (no deadline). D (东城区): still received, due 9 March, overdue."""
    dc, xc = actors["东城办-联络员"], actors["西城办-联络员"]
    clock.set(cst(3, 2))
    a, b, d = (new_lead(rt, dc, "510101") for _ in range(3))
    c = new_lead(rt, xc, "510102")
    for item in (a, b):
        apply(rt, actor=dc, item_id=item, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=xc, item_id=c, trigger="return_for_info", data={"reason": "缺材料"})
    clock.set(cst(3, 3))
    apply(rt, actor=dc, item_id=a, trigger="accept", data={"disposal": "preliminary_check"})
    clock.set(cst(3, 6))
    apply(rt, actor=dc, item_id=a, trigger="close", data=CLOSE)
    clock.set(cst(3, 16))
    run_sweep(rt)
    apply(rt, actor=dc, item_id=b, trigger="accept", data={"disposal": "preliminary_check"})
    clock.set(cst(3, 17))
    apply(rt, actor=dc, item_id=b, trigger="close", data=CLOSE)
    clock.set(cst(3, 20))
    return {"A": a, "B": b, "C": c, "D": d}
