"""Clock-pausing states stop the deadline; leaving them resumes the remaining working time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.items import light_case, light_rule
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from engine.storage import ITEM
from engine.storage.db import read_tx
from tests.engine.scheduling.helpers import item, marks, new_lead


def cst(m: int, d: int, h: int = 9) -> datetime:
    return datetime(2026, m, d, h - 8, tzinfo=UTC)


def test_pause_keeps_working_time_left(rt: Runtime, clock: ManualClock,
                                       actors: dict[str, Actor]) -> None:
    """Returned for information on Wed 4 Mar with 3 working days left, resubmitted Thu 12 Mar:
    due Tue 17 Mar (the weekend in between costs nothing)."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    assert item(rt, lead).due_at == cst(3, 9)
    clock.set(cst(3, 4))
    apply(rt, actor=office, item_id=lead, trigger="return_for_info", data={"reason": "补充"})
    paused = item(rt, lead)
    assert (paused.due_at, paused.next_check_at) == (None, None)
    assert paused.paused_remaining_s == 3 * 86400
    clock.set(cst(3, 12))
    apply(rt, actor=office, item_id=lead, trigger="resubmit")
    assert item(rt, lead).due_at == cst(3, 17)


def test_paused_item_is_not_escalated(rt: Runtime, clock: ManualClock,
                                      actors: dict[str, Actor]) -> None:
    """While returned for information, a long-passed original due time escalates nothing."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    apply(rt, actor=office, item_id=lead, trigger="return_for_info", data={"reason": "补充"})
    clock.advance(timedelta(days=30))
    report = run_sweep(rt)
    assert report.items == 0
    assert marks(rt, lead) == []


def test_resumed_item_escalates_on_its_new_due_time(rt: Runtime, clock: ManualClock,
                                                    actors: dict[str, Actor]) -> None:
    """After a resume the sweep escalates at the resumed due time, not the original one."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    clock.set(cst(3, 4))
    apply(rt, actor=office, item_id=lead, trigger="return_for_info", data={"reason": "补充"})
    clock.set(cst(3, 12))
    apply(rt, actor=office, item_id=lead, trigger="resubmit")
    clock.set(cst(3, 17) - timedelta(seconds=1))
    run_sweep(rt)
    assert ("escalate", 1) not in marks(rt, lead)
    clock.set(cst(3, 17))
    run_sweep(rt)
    assert ("escalate", 1) in marks(rt, lead)


def test_suspending_overdue_item_resumes_overdue(rt: Runtime, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    """An item paused after its due time has nothing left and is due again on resume."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    clock.set(cst(3, 10))
    apply(rt, actor=office, item_id=lead, trigger="return_for_info", data={"reason": "补充"})
    assert item(rt, lead).paused_remaining_s == 0
    clock.set(cst(3, 11))
    apply(rt, actor=office, item_id=lead, trigger="resubmit")
    assert item(rt, lead).due_at == cst(3, 11)


def test_resumed_investigation_reminds_at_its_fraction(rt: Runtime, clock: ManualClock,
                                                       actors: dict[str, Actor]) -> None:
    """Suspended and resumed, an investigation still gets its 80 % reminder before the due
    time, and after the resume."""
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    lead = new_lead(rt, office)
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=handler, item_id=lead, trigger="accept", data={"disposal": "preliminary_check"})
    clock.set(cst(3, 9))
    apply(rt, actor=office, item_id=lead, trigger="suspend", data={"reason": "暂缓"})
    clock.set(cst(3, 16))
    apply(rt, actor=office, item_id=lead, trigger="resume")
    resumed = item(rt, lead)
    assert cst(3, 16) < resumed.remind_at < resumed.due_at
    assert resumed.next_check_at == resumed.remind_at


def test_resumed_past_its_reminder_point_is_yellow_and_reminded_once(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Returned on Fri 6 Mar at noon with 21 hours of working time left (its reminder point,
    one working day before due, already behind), resubmitted Thu 12 Mar: due Fri 13 Mar
    06:00, so the reminder point is behind again. The light is yellow at once, not green
    until red, and the sweep reminds now, once for this stay."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    clock.set(cst(3, 6, 12))
    apply(rt, actor=office, item_id=lead, trigger="return_for_info", data={"reason": "补充"})
    clock.set(cst(3, 12))
    apply(rt, actor=office, item_id=lead, trigger="resubmit")
    resumed = item(rt, lead)
    assert resumed.due_at == datetime(2026, 3, 12, 22, tzinfo=UTC)  # Fri 13 Mar 06:00 CST
    assert resumed.remind_at == resumed.next_check_at == cst(3, 12)
    rule = light_rule(rt.registry.all(), clock.now(), rt.calendar)
    with read_tx(rt.db) as conn:
        in_sql = conn.execute(select(light_case(rule)).where(ITEM.c.id == lead)).scalar_one()
    assert (rule.of_row(resumed), in_sql) == ("yellow", "yellow")
    assert marks(rt, lead) == []
    run_sweep(rt)
    reminded = marks(rt, lead)
    assert [kind for kind, _ in reminded] == ["remind"]
    clock.advance(timedelta(hours=1))
    run_sweep(rt)
    assert marks(rt, lead) == reminded  # no second reminder for the same stay
