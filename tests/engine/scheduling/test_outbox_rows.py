"""What a sweep writes beside each step's audit event: exactly one escalation mark, one
notification per recipient of its target and one webhook delivery per office with a URL;
none for a step that was not applied. Checked across batches, with several steps per item
(a scheduler catching up) and a failing item in the middle, on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select, update

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import UNIT
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from engine.storage import DELIVERY, EVENT, ITEM, MARK, NOTE
from engine.storage.db import read_tx, write_tx
from tests.engine.scheduling.helpers import new_lead, recipients

HOOK = "http://127.0.0.1:9/hook"  # never called: the sweep only queues deliveries


def _cst(m: int, d: int, h: int = 9) -> datetime:
    return datetime(2026, m, d, h - 8, tzinfo=UTC)


def _rows(rt: Runtime) -> tuple[list[tuple[int, int, str, int]], Counter[tuple[int, str, int]],
                                 Counter[tuple[int, str, int]], list[tuple[int, int, str]]]:
    """(marks as (item, audit seq, kind, level), notifications and deliveries counted per
    (item, kind, level), the system events as (item, seq, kind))."""
    with read_tx(rt.db) as conn:
        marks = [(r.item_id, r.audit_seq, r.kind, r.level) for r in conn.execute(
            select(MARK).order_by(MARK.c.item_id, MARK.c.audit_seq))]
        notes = Counter((r.item_id, r.kind, r.level) for r in conn.execute(select(NOTE)))
        deliveries = Counter((r.payload["item_id"], r.payload["kind"], r.payload["level"])
                             for r in conn.execute(select(DELIVERY)))
        events = [(r.item_id, r.seq, r.data["kind"]) for r in conn.execute(
            select(EVENT).where(EVENT.c.actor == "system")
            .order_by(EVENT.c.item_id, EVENT.c.seq))]
    return marks, notes, deliveries, events


def test_each_applied_step_has_one_mark_and_one_notice_per_recipient(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Seven leads, one of them unloadable, swept in batches of 3 after three levels fell
    due: every escalation event has its mark (same seq) and its notices, once each."""
    with write_tx(rt.db) as conn:  # the county office posts to a webhook: one per step
        conn.execute(update(UNIT).where(UNIT.c.code == "dc-office").values(webhook_url=HOOK))
    leads = [new_lead(rt, actors["东城办-联络员"], title=f"线索{i}") for i in range(7)]
    with write_tx(rt.db) as conn:  # its workflow version is not loaded: it fails alone
        conn.execute(update(ITEM).where(ITEM.c.id == leads[3]).values(workflow_version=99))
    clock.set(_cst(3, 13))  # levels 1, 2 and 3 are all due (tests/.../test_escalation.py)
    report = run_sweep(rt, batch_size=3)
    ok = leads[:3] + leads[4:]
    assert report.failed == [(leads[3], "NotFound")]
    assert report.escalations == {1: 6, 2: 6, 3: 6}

    marks, notes, deliveries, events = _rows(rt)
    assert len(events) == 18
    # one mark per event, naming that event's seq, none for the failed lead
    assert [(i, seq, kind) for i, seq, kind, _ in marks] == events
    assert {i for i, *_ in marks} == set(ok)
    assert sorted(Counter((i, kind, level) for i, _, kind, level in marks).values()) == [1] * 18
    # every recipient of each step notified once (recipients() is a set: a double shows in
    # the count of rows)
    for lead in ok:
        for level in (1, 2, 3):
            assert notes[(lead, "escalate", level)] == len(
                recipients(rt, lead, "escalate", level)) > 0
    assert sum(notes.values()) == sum(
        len(recipients(rt, lead, "escalate", level)) for lead in ok for level in (1, 2, 3))
    # the county office's webhook: level 1 only (levels 2 and 3 go to the city and province)
    assert deliveries == Counter({(lead, "escalate", 1): 1 for lead in ok})

    again = run_sweep(rt, batch_size=3)  # the same moment: nothing more, the failed retried
    assert (again.total_escalations, again.failed) == (0, [(leads[3], "NotFound")])
    assert _rows(rt) == (marks, notes, deliveries, events)
