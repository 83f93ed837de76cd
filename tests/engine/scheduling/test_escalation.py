"""Reminders, then escalation up county → city → province at the times lead.yaml sets.

A lead created Monday 2 March 2026 09:00 in 东城区 is due in 5 working days (Mon 9 March);
reminder one working day before (Fri 6 March); each level waits 2 working days (level 2 on
Wed 11, level 3 on Fri 13); at the top it repeats every working day (Mon 16 March)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.items.audit import verify
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from engine.storage.db import read_tx
from tests.engine.scheduling.helpers import item, jid, marks, new_lead, recipients, system_events

SECOND = timedelta(seconds=1)


def cst(m: int, d: int, h: int = 9) -> datetime:
    return datetime(2026, m, d, h - 8, tzinfo=UTC)


def sweep_at(rt: Runtime, clock: ManualClock, when: datetime) -> None:
    clock.set(when)
    run_sweep(rt)


def test_reminder_fires_one_working_day_before_due(rt: Runtime, clock: ManualClock,
                                                   actors: dict[str, Actor]) -> None:
    """Nothing before Fri 6 March 09:00; at that moment one reminder and nothing else."""
    lead = new_lead(rt, actors["东城办-联络员"])
    sweep_at(rt, clock, cst(3, 6) - SECOND)
    assert marks(rt, lead) == []
    sweep_at(rt, clock, cst(3, 6))
    assert marks(rt, lead) == [("remind", 0)]
    assert item(rt, lead).next_check_at == cst(3, 9)


def test_reminder_goes_to_the_handling_unit(rt: Runtime, clock: ManualClock,
                                            actors: dict[str, Actor]) -> None:
    """A lead transferred to 东城公安 reminds that unit's handler."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    sweep_at(rt, clock, cst(3, 6))
    assert recipients(rt, lead, "remind", 0) == {"东城公安-承办人"}


def test_levels_climb_at_their_times(rt: Runtime, clock: ManualClock,
                                     actors: dict[str, Actor]) -> None:
    """Level 1 at the due time, level 2 two working days later, level 3 two more, no earlier."""
    lead = new_lead(rt, actors["东城办-联络员"])
    expected = [("remind", 0)]
    sweep_at(rt, clock, cst(3, 6))
    for level, when in ((1, cst(3, 9)), (2, cst(3, 11)), (3, cst(3, 13))):
        sweep_at(rt, clock, when - SECOND)
        assert marks(rt, lead) == expected
        sweep_at(rt, clock, when)
        expected.append(("escalate", level))
        assert marks(rt, lead) == expected
        assert item(rt, lead).escalation_level == level


def test_levels_notify_county_city_and_province(rt: Runtime, clock: ManualClock,
                                                actors: dict[str, Actor]) -> None:
    """Level 1 tells the county office, level 2 the city office, level 3 the guidance group."""
    lead = new_lead(rt, actors["东城办-联络员"])
    for when in (cst(3, 9), cst(3, 11), cst(3, 13)):
        sweep_at(rt, clock, when)
    assert recipients(rt, lead, "escalate", 1) == {"东城办-联络员"}
    assert recipients(rt, lead, "escalate", 2) == {"市办-线索组"}
    assert recipients(rt, lead, "escalate", 3) == {"省指导组-审计"}


def test_escalation_is_a_system_audit_event_naming_level_and_target(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Each escalation is an audit event by `system` with its level and target jurisdiction."""
    lead = new_lead(rt, actors["东城办-联络员"])
    sweep_at(rt, clock, cst(3, 11))
    events = [e for e in system_events(rt, lead) if e["trigger"] == "escalate"]
    assert [(e["level"], e["target"]) for e in events] == [(1, "510101"), (2, "5101")]
    with read_tx(rt.db) as conn:
        assert verify(conn).ok


def test_top_repeats_every_working_day_without_climbing(rt: Runtime, clock: ManualClock,
                                                        actors: dict[str, Actor]) -> None:
    """After level 3 the guidance group is reminded each working day; the level stays 3."""
    lead = new_lead(rt, actors["东城办-联络员"])
    for when in (cst(3, 9), cst(3, 11), cst(3, 13), cst(3, 14), cst(3, 16), cst(3, 17)):
        sweep_at(rt, clock, when)
    assert marks(rt, lead)[-2:] == [("repeat", 1), ("repeat", 2)]
    assert item(rt, lead).escalation_level == 3
    assert recipients(rt, lead, "repeat", 2) == {"省指导组-审计"}


def test_catch_up_records_every_missed_level(rt: Runtime, clock: ManualClock,
                                             actors: dict[str, Actor]) -> None:
    """A scheduler down until Sat 14 March gives each missed level its own event and mark,
    with the time it was due; the stale reminder is dropped."""
    lead = new_lead(rt, actors["东城办-联络员"])
    sweep_at(rt, clock, cst(3, 14))
    assert marks(rt, lead) == [("escalate", 1), ("escalate", 2), ("escalate", 3)]
    scheduled = [e["scheduled_at"] for e in system_events(rt, lead)]
    assert scheduled == [cst(3, 9).isoformat(), cst(3, 11).isoformat(), cst(3, 13).isoformat()]


def test_catch_up_coalesces_repeats_at_the_top(rt: Runtime, clock: ManualClock,
                                               actors: dict[str, Actor]) -> None:
    """Down for a week at the top: one repeat, not one per missed day; the next one working
    day after it."""
    lead = new_lead(rt, actors["东城办-联络员"])
    sweep_at(rt, clock, cst(3, 13))
    sweep_at(rt, clock, cst(3, 20))
    assert marks(rt, lead)[3:] == [("repeat", 1)]
    assert item(rt, lead).next_check_at == cst(3, 23)


def test_transition_resets_the_level(rt: Runtime, clock: ManualClock,
                                     actors: dict[str, Actor]) -> None:
    """Transferring an escalated lead starts the new state at level 0 with its own deadline."""
    office = actors["东城办-联络员"]
    lead = new_lead(rt, office)
    sweep_at(rt, clock, cst(3, 11))
    assert item(rt, lead).escalation_level == 2
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    moved = item(rt, lead)
    assert (moved.escalation_level, moved.due_at) == (0, cst(3, 18))
    sweep_at(rt, clock, cst(3, 17))
    sweep_at(rt, clock, cst(3, 18))
    assert marks(rt, lead)[-2:] == [("remind", 0), ("escalate", 1)]


def test_closed_lead_is_never_escalated(rt: Runtime, clock: ManualClock,
                                        actors: dict[str, Actor]) -> None:
    """A closed lead has no next check: months later the sweep does not touch it."""
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    lead = new_lead(rt, office)
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=handler, item_id=lead, trigger="accept", data={"disposal": "preliminary_check"})
    apply(rt, actor=handler, item_id=lead, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    sweep_at(rt, clock, cst(6, 1))
    assert marks(rt, lead) == []


def test_final_state_is_never_escalated(rt: Runtime, clock: ManualClock,
                                        actors: dict[str, Actor]) -> None:
    """A lead moved to discipline inspection (final) is not escalated."""
    office = actors["东城办-联络员"]
    violation = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "510101"),
                            title="违纪线索", data={"channel": "letter", "category": "violation"})
    apply(rt, actor=office, item_id=violation.item_id, trigger="transfer_to_discipline",
          data={"reason": "涉嫌违纪"})
    sweep_at(rt, clock, cst(6, 1))
    assert marks(rt, violation.item_id) == []
