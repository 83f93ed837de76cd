"""The sweep's schedule is its own row, not the audited item: a next check with nothing owed
writes no event and bumps no version (a client's If-Match stays valid), and a schedule row
that no longer fits its item is cleared or recomputed, never looked at again and again.

The lead of test_escalation.py: created Mon 2 March 2026 09:00 in 东城区, due Mon 9 March
(level 1), level 2 two working days later (Wed 11 March)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update

from engine.deadlines.overrides import OverrideDay, refresh_overrides, store_overrides
from engine.errors import VersionConflict
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import SweepReport, run_sweep
from engine.storage import EVENT, ITEM, SCHEDULE
from engine.storage.db import read_tx, write_tx
from tests.engine.scheduling.helpers import count, item, marks, new_lead, schedule
from tests.fixtures.api import DC_OFFICE, Api

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}


def cst(m: int, d: int, h: int = 9) -> datetime:
    return datetime(2026, m, d, h - 8, tzinfo=UTC)


def declare_day_off(rt: Runtime, day: date) -> None:
    """An admin declares `day` a holiday after the next check was computed."""
    with write_tx(rt.db) as conn:
        store_overrides(conn, [OverrideDay(day=day, working=False)], rt.clock.now())
    with read_tx(rt.db) as conn:
        refresh_overrides(rt.calendar, conn)


def escalated_then_holiday(rt: Runtime, clock: ManualClock, actor: Actor) -> int:
    """A lead at level 1 whose next check (level 2, Wed 11 March) was computed before Wed 11
    became a holiday: at Wed 11 09:00 nothing is owed (level 2 moved to Thu 12)."""
    lead = new_lead(rt, actor)
    clock.set(cst(3, 9))
    assert run_sweep(rt).escalations == {1: 1}
    declare_day_off(rt, date(2026, 3, 11))
    clock.set(cst(3, 11))
    return lead


def test_next_check_with_nothing_owed_writes_no_event_and_no_version(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """The look at Wed 11 owes nothing: no audit event, the same version; the next look is
    Thu 12, when level 2 comes."""
    lead = escalated_then_holiday(rt, clock, actors[DC_OFFICE])
    events, version = count(rt, EVENT, EVENT.c.item_id == lead), item(rt, lead).version
    report = run_sweep(rt)
    assert (report.items, report.rescheduled, report.total_escalations) == (1, 1, 0)
    assert count(rt, EVENT, EVENT.c.item_id == lead) == events
    assert item(rt, lead).version == version
    assert item(rt, lead).next_check_at == cst(3, 12)
    clock.set(cst(3, 12))
    assert run_sweep(rt).escalations == {2: 1}


def test_if_match_stays_valid_across_a_sweep(api: Api, clock: ManualClock,
                                             actors: dict[str, Actor]) -> None:
    """A client read the lead (ETag) before a sweep that owed it nothing; its conditional
    transfer afterwards succeeds instead of a spurious 412."""
    rt = api.rt
    lead = escalated_then_holiday(rt, clock, actors[DC_OFFICE])
    etag = api.client.get(f"/v1/items/{lead}", headers=api.as_(DC_OFFICE)).headers["ETag"]
    run_sweep(rt)
    r = api.fire(lead, "transfer", who=DC_OFFICE, data={"unit": "dc-police"},
                 **{"If-Match": etag})
    assert r.status_code == 200, r.text


def test_the_one_writer_keeps_the_schedule_row(rt: Runtime, clock: ManualClock,
                                               actors: dict[str, Actor]) -> None:
    """Creating writes the row for the first state entry, a transfer rewrites it for the
    new entry, a pause removes it, resuming writes it back, closing removes it."""
    office, handler = actors[DC_OFFICE], actors["东城公安-承办人"]
    lead = new_lead(rt, office)
    assert (schedule(rt, lead).next_check_at, schedule(rt, lead).state_entry_seq) == (
        cst(3, 6), 1)
    moved = apply(rt, actor=office, item_id=lead, trigger="transfer",
                  data={"unit": "dc-police"})
    assert schedule(rt, lead).state_entry_seq == moved.seq
    apply(rt, actor=handler, item_id=lead, trigger="accept", data=ACCEPT)
    apply(rt, actor=office, item_id=lead, trigger="suspend", data={"reason": "暂缓"})
    assert schedule(rt, lead) is None
    resumed = apply(rt, actor=office, item_id=lead, trigger="resume")
    assert schedule(rt, lead).next_check_at == item(rt, lead).remind_at
    assert schedule(rt, lead).state_entry_seq == resumed.seq
    apply(rt, actor=handler, item_id=lead, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    assert schedule(rt, lead) is None


def _leftover(rt: Runtime, item_id: int, at: datetime, entry: int) -> None:
    """A schedule row that does not fit its item (as a bug or a hand edit could leave)."""
    with write_tx(rt.db) as conn:
        conn.execute(SCHEDULE.delete().where(SCHEDULE.c.item_id == item_id))
        conn.execute(insert(SCHEDULE).values(item_id=item_id, next_check_at=at,
                                             state_entry_seq=entry))


def test_a_leftover_row_of_a_closed_or_paused_item_is_cleared(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Rows left for a closed and for a paused lead: the sweep removes both without an
    event, and the next sweep finds nothing."""
    office, handler = actors[DC_OFFICE], actors["东城公安-承办人"]
    closed, paused = new_lead(rt, office), new_lead(rt, office)
    apply(rt, actor=office, item_id=closed, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=handler, item_id=closed, trigger="accept", data=ACCEPT)
    apply(rt, actor=handler, item_id=closed, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    apply(rt, actor=office, item_id=paused, trigger="return_for_info", data={"reason": "补充"})
    for lead in (closed, paused):
        _leftover(rt, lead, cst(3, 3), item(rt, lead).state_entry_seq)
    events = count(rt, EVENT)
    clock.set(cst(6, 1))
    report = run_sweep(rt)
    assert (report.items, report.cleared, report.total_escalations) == (2, 2, 0)
    assert count(rt, EVENT) == events
    assert (schedule(rt, closed), schedule(rt, paused)) == (None, None)
    assert run_sweep(rt).items == 0


def test_a_row_of_a_state_left_behind_is_recomputed_from_the_item(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """A row still pointing at the lead's first state entry after it was transferred is
    recomputed from the item's own deadline, in the same sweep; nothing is owed for the old
    entry and the sweep ends."""
    office = actors[DC_OFFICE]
    lead = new_lead(rt, office)
    clock.set(cst(3, 5))
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    _leftover(rt, lead, cst(3, 3), 1)
    clock.set(cst(3, 10))
    report = run_sweep(rt)
    assert report.cleared == 1
    assert marks(rt, lead) == []  # the new state's reminder (Wed 11) is not due yet
    row = schedule(rt, lead)
    assert (row.next_check_at, row.state_entry_seq) == (
        item(rt, lead).remind_at, item(rt, lead).state_entry_seq)
    assert run_sweep(rt).items == 0


def test_sweeps_racing_transitions_never_leave_a_stale_schedule(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Three sweepers escalate 60 overdue leads while another thread transfers each of them:
    no sweep fails or deadlocks, and every lead ends with the schedule of its new state."""
    office = actors[DC_OFFICE]
    ids = [new_lead(rt, office, title=f"线索{i}") for i in range(60)]
    clock.set(cst(3, 9, 10))
    reports: list[SweepReport] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        barrier.wait()
        reports.append(run_sweep(rt, batch_size=5))

    def transfer() -> None:
        barrier.wait()
        try:
            for lead in ids:
                while True:  # an escalation committed between our read and write: retry
                    try:
                        apply(rt, actor=office, item_id=lead, trigger="transfer",
                              data={"unit": "dc-police"})
                        break
                    except VersionConflict:
                        continue
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    threads.append(threading.Thread(target=transfer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r.failed for r in reports] == [[], [], []]
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(ITEM.c.state_entry_seq, ITEM.c.remind_at,
                                   SCHEDULE.c.state_entry_seq, SCHEDULE.c.next_check_at)
                            .join(SCHEDULE, SCHEDULE.c.item_id == ITEM.c.id)
                            .where(ITEM.c.id.in_(ids))).all()
    assert len(rows) == len(ids)
    assert all(r[0] == r[2] and r[1] == r[3] for r in rows)
    for lead in ids:  # escalated at most once in its first state, whatever the order
        assert marks(rt, lead).count(("escalate", 1)) <= 1


def test_a_look_before_the_reminder_owes_nothing(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """A next check earlier than the reminder (Fri 6 March) sends no early reminder and
    leaves the item alone; the next look is the reminder time."""
    lead = new_lead(rt, actors[DC_OFFICE])
    with write_tx(rt.db) as conn:
        conn.execute(update(SCHEDULE).where(SCHEDULE.c.item_id == lead)
                     .values(next_check_at=cst(3, 3)))
    clock.set(cst(3, 4))
    version = item(rt, lead).version
    report = run_sweep(rt)  # the early look owes nothing: the reminder is on Fri 6
    assert (report.rescheduled, item(rt, lead).version) == (1, version)
    assert item(rt, lead).next_check_at == cst(3, 6)
