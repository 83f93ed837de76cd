"""The sweep: find items whose next check is due, and give each what it owes (a reminder,
the escalation levels it reached, a repeat at the top), each batch's steps through
`engine.items.apply_many` (the batched one writer), with each applied step's idempotency
mark and outbox rows in the same transaction.

The sweep's own bookkeeping lives in its own table, `item_schedule` (next check), never on
the audited item row: moving an item's next look when nothing is owed writes no audit
event and leaves the item's version, and so every client's If-Match, as it was. A
schedule row that no longer fits its item (closed, paused, no deadline, or written for a
state the item has left) is removed or recomputed from the item, so it is never looked at
again and again.

Cost grows with the due items, not the open ones: schedule rows are read by the indexed
`next_check_at`, in batches. Claiming is safe with many sweepers, each batch claimed and
worked in one transaction: on PostgreSQL the batch's schedule rows and items are selected
`FOR UPDATE SKIP LOCKED`; on SQLite the write transaction (BEGIN IMMEDIATE) holds the one
write lock from the read of the due rows to the commit that moves them, so another
sweeper waits and then finds them no longer due. A sweeper that dies leaves at most an
uncommitted batch, rolled back, which the next sweep does.

Idempotency does not rest on the claim alone: each step writes a unique escalation_mark row
(item, state entry, kind, level) in the same transaction as its audit event, and each apply()
expects the version it computed from."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

import structlog
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from engine.deadlines import (
    CHINA_TZ,
    Chain,
    Step,
    Target,
    add_duration,
    due_steps,
    sync_calendar,
)
from engine.errors import LeadflowError
from engine.items import Change, Move, apply_many
from engine.kernel import SYSTEM
from engine.runtime import Runtime
from engine.scheduling.heartbeat import record_sweep
from engine.scheduling.notifications import Notice, insert_rows, outbox_rows
from engine.storage import ITEM, MARK, SCHEDULE, Prepared, is_postgres, worker_id, write_tx
from engine.workflow import WorkflowDef

log = structlog.get_logger("engine.scheduling.sweep")
# the batch's writes, compiled once and run on the driver's cursor (engine/storage/
# prepared.py), like the batched writer's own: SQLAlchemy's executemany added ~15 % to them
MARK_INSERT = Prepared(insert(MARK))
# the next look after a sweep, only if the row is still the one read (state entry unchanged)
SCHEDULE_MOVE = Prepared(
    update(SCHEDULE)
    .where(SCHEDULE.c.item_id == bindparam("_item_id"),
           SCHEDULE.c.state_entry_seq == bindparam("_read_entry"))
    .values(next_check_at=bindparam("_next"), state_entry_seq=bindparam("_entry")))
DEFAULT_BATCH = 500
TRIGGER = {"remind": "remind", "overdue": "remind", "repeat": "remind", "review": "remind",
           "escalate": "escalate"}

Progress = Callable[[int, Step], None]


@dataclass
class SweepReport:
    """What one sweep did."""

    started_at: datetime
    worker: str
    items: int = 0
    reminders: int = 0
    escalations: dict[int, int] = field(default_factory=dict)  # level → count
    repeats: int = 0
    overdue: int = 0
    reviews: int = 0  # periodic reviews of parked items (a paused state's `review`)
    rescheduled: int = 0
    cleared: int = 0  # schedule rows that no longer fitted their item: removed or recomputed
    batches: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total_escalations(self) -> int:
        return sum(self.escalations.values())

    def count(self, step: Step) -> None:
        if step.kind == "escalate":
            self.escalations[step.level] = self.escalations.get(step.level, 0) + 1
        elif step.kind == "remind":
            self.reminders += 1
        elif step.kind == "repeat":
            self.repeats += 1
        elif step.kind == "review":
            self.reviews += 1
        else:
            self.overdue += 1

    def merge(self, other: SweepReport) -> None:
        self.items += other.items
        self.reminders += other.reminders
        self.repeats += other.repeats
        self.overdue += other.overdue
        self.reviews += other.reviews
        self.rescheduled += other.rescheduled
        self.cleared += other.cleared
        self.failed += other.failed
        for level, n in other.escalations.items():
            self.escalations[level] = self.escalations.get(level, 0) + n

    def summary(self) -> str:
        levels = ", ".join(f"level {k}: {v}" for k, v in sorted(self.escalations.items()))
        return (f"swept {self.items} due items in {self.batches} batches: "
                f"{self.reminders} reminders, {self.total_escalations} escalations"
                f"{f' ({levels})' if levels else ''}, {self.repeats} repeats at the top, "
                f"{self.overdue} overdue notices, {self.reviews} reviews, "
                f"{self.rescheduled} rescheduled, "
                f"{self.cleared} stale schedules cleared, {len(self.failed)} failed")


class Sweeper:
    """One sweep run: `run()` loops over batches until no due item is left to claim."""

    def __init__(self, rt: Runtime, *, worker: str | None = None,
                 batch_size: int = DEFAULT_BATCH, progress: Progress | None = None) -> None:
        self.rt = rt
        self.worker = worker or worker_id()
        self.batch_size = batch_size
        self.progress = progress
        self.chain = Chain()
        self.skip: set[int] = set()  # failed this run: not retried until the next sweep

    def run(self) -> SweepReport:
        now = self.rt.clock.now()
        report = SweepReport(started_at=now, worker=self.worker)
        started = time.perf_counter()  # a duration for /metrics, not a time of the engine's
        while self._batch(now, report):
            report.batches += 1
        with write_tx(self.rt.db) as conn:
            record_sweep(conn, finished_at=self.rt.clock.now(),
                         duration_s=time.perf_counter() - started, worker=self.worker)
        if report.items or report.failed:
            log.info("sweep_done", worker=self.worker, items=report.items,
                     reminders=report.reminders, escalations=report.total_escalations,
                     repeats=report.repeats, failed=len(report.failed))
        return report

    def due_query(self, now: datetime) -> Any:
        """The next batch of due items, earliest first, through ix_item_schedule_next_check
        (never a scan of open items): their whole rows, which the batched writer takes as
        they are, and their schedule rows, in one statement."""
        q = (select(ITEM, SCHEDULE.c.next_check_at,
                    SCHEDULE.c.state_entry_seq.label("schedule_entry"))
             .join_from(SCHEDULE, ITEM, ITEM.c.id == SCHEDULE.c.item_id)
             .where(SCHEDULE.c.next_check_at <= now))
        if self.skip:
            q = q.where(SCHEDULE.c.item_id.not_in(sorted(self.skip)))
        q = q.order_by(SCHEDULE.c.next_check_at).limit(self.batch_size)
        if is_postgres(self.rt.db):
            # the schedule row and its item together, skipping the pair if either is taken:
            # a sweeper never waits on a transition in flight, so no deadlock whatever order
            # apply() writes them in
            q = q.with_for_update(of=[SCHEDULE, ITEM], skip_locked=True)
        return q

    def _batch(self, now: datetime, report: SweepReport) -> bool:
        """Claim and work one batch in one transaction; whether there was one."""
        with write_tx(self.rt.db) as conn:
            # on SQLite the write transaction (BEGIN IMMEDIATE) holds the database's one
            # write lock from this read to the commit that moves the rows' next checks: no
            # other sweeper reads them as due meanwhile, so the transaction is the claim
            rows = conn.execute(self.due_query(now)).all()
            if rows:
                # id order: neighbouring rows and index pages, kinder to the page cache
                self._process(conn, sorted(rows, key=attrgetter("id")), now, report)
        return bool(rows)

    def _process(self, conn: Connection, rows: list[Any], now: datetime,
                 report: SweepReport) -> None:
        sync_calendar(self.rt.calendar, conn)  # holidays an admin loaded since count now
        marks = _Marks(conn.execute(
            select(MARK.c.item_id, MARK.c.state_entry_seq, MARK.c.kind, MARK.c.level)
            .where(MARK.c.item_id.in_([r.id for r in rows]))))
        # every step of the batch goes to the batched writer at once; an item whose steps
        # cannot be planned or applied fails alone (retried next sweep), the others go on
        schedule: list[dict[str, Any]] = []
        moves: list[Move] = []
        owners: list[tuple[Any, WorkflowDef, Step, Target]] = []
        failed: dict[int, str] = {}
        for row in rows:  # read as due in this transaction: no transition moved them since
            report.items += 1
            try:
                wf = self.rt.registry.get(row.workflow, row.workflow_version)
                steps, nxt = self._item(row, wf, marks, now, report)
                planned = self._moves(conn, row, wf, steps)
            except (LeadflowError, SQLAlchemyError) as exc:
                failed[row.id] = type(exc).__name__
                continue
            schedule.append(_move(row, nxt))
            for step, target, move in planned:
                moves.append(move)
                owners.append((row, wf, step, target))
        outcomes = apply_many(self.rt, actor=SYSTEM, moves=moves, conn=conn,
                              rows={r.id: r for r in rows}) if moves else []
        out = _Rows()
        for (row, wf, step, target), outcome in zip(owners, outcomes, strict=True):
            if isinstance(outcome, LeadflowError):
                failed.setdefault(row.id, type(outcome).__name__)
                continue
            # the step's mark and outbox rows, in the transaction of its event
            _owed(row, wf, step, target, outcome, now, out)
            report.count(step)
            if self.progress is not None:
                self.progress(row.id, step)
        for item_id, error in failed.items():
            self.skip.add(item_id)
            report.failed.append((item_id, error))
            log.warning("sweep_item_failed", item_id=item_id, error=error)
        # a failed item keeps its next check, so the next sweep looks at it again (a step
        # of it that did apply keeps its mark beside its event: it is not done twice)
        schedule = [m for m in schedule if m["_item_id"] not in failed]
        # one executemany per table; a duplicate mark fails the whole batch, which then
        # rolls back with its events
        MARK_INSERT.executemany(conn, out.marks)
        insert_rows(conn, out.notes, out.deliveries)
        _write_schedule(conn, schedule)

    def _item(self, row: Any, wf: WorkflowDef, marks: _Marks, now: datetime,
              report: SweepReport) -> tuple[list[Step], datetime | None]:
        """What one due item owes (its steps not yet marked done) and its next look."""
        review = wf.states[row.state].review
        if review is not None and row.closed_at is None and row.due_at is None:
            # parked (clock paused) and reviewed every `review`: the n-th review of this stay
            step = Step(kind="review", level=marks.reviews.get(
                (row.id, row.state_entry_seq), 0) + 1, at=row.next_check_at)
            return [step], add_duration(now, review, self.rt.calendar)
        if row.closed_at is not None or row.due_at is None or wf.states[row.state].closed:
            # closed, paused or without a deadline: nothing to look at, ever
            report.cleared += 1
            return [], None
        if row.schedule_entry != row.state_entry_seq:
            # written for a state the item has left: start again from the item's deadline
            # (the marks of this entry say what is already done)
            first = row.remind_at if row.escalation_level == 0 and row.remind_at is not None \
                and row.remind_at < row.due_at else row.due_at
            report.cleared += 1
            return [], first
        steps, nxt = due_steps(esc=wf.escalation, now=now, due_at=row.due_at,
                               remind_at=row.remind_at, next_check_at=row.next_check_at,
                               level=row.escalation_level, calendar=self.rt.calendar,
                               repeats_done=marks.repeats.get((row.id, row.state_entry_seq), 0))
        todo = [s for s in steps
                if (row.id, row.state_entry_seq, s.kind, s.level) not in marks.done]
        # the next look is the scheduler's row: no event, no version bump of the item
        if not todo:  # nothing owed (or already done)
            report.rescheduled += 1
        return todo, nxt

    def _moves(self, conn: Connection, row: Any, wf: WorkflowDef, todo: list[Step]
               ) -> list[tuple[Step, Target, Move]]:
        """The item's owed steps as moves for the batched writer, each expecting the version
        the one before it leaves, with the target its notice goes to."""
        version = row.version
        planned = []
        for step in todo:
            target = self._target(conn, row, step, wf)
            data = {"kind": step.kind, "level": step.level, "scheduled_at": step.at.isoformat(),
                    "target_jurisdiction_id": target.jurisdiction_id,
                    "target": target.jurisdiction_code}
            planned.append((step, target, Move(
                item_id=row.id, trigger=TRIGGER[step.kind], data=data,
                expected_version=version,
                system_values={"escalation_level": step.level}
                if step.kind == "escalate" else None)))
            version += 1
        return planned

    def _target(self, conn: Connection, row: Any, step: Step, wf: WorkflowDef) -> Target:
        level = step.level if step.kind == "escalate" else wf.escalation.max_level
        if step.kind in ("remind", "overdue", "review") or level == 0:
            return self.chain.for_reminder(conn, row)
        return self.chain.for_level(conn, row.jurisdiction_id, level)

class _Marks:
    """The marks already written for a batch's items: what is done, and how many repeats
    each state entry has had at the top."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.done: set[tuple[int, int, str, int]] = set()
        self.repeats: dict[tuple[int, int], int] = {}
        self.reviews: dict[tuple[int, int], int] = {}
        for item_id, entry, kind, level in rows:
            self.done.add((item_id, entry, kind, level))
            counts = {"repeat": self.repeats, "review": self.reviews}.get(kind)
            if counts is not None:
                key = (item_id, entry)
                counts[key] = max(counts.get(key, 0), level)


@dataclass
class _Rows:
    """A batch's escalation marks and outbox rows, each table written in one executemany."""

    marks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def _owed(row: Any, wf: WorkflowDef, step: Step, target: Target, change: Change,
          now: datetime, out: _Rows) -> None:
    """An applied step's escalation mark and outbox rows, collected for the batch's
    executemany in the transaction of its event."""
    out.marks.append({
        "item_id": row.id, "state_entry_seq": row.state_entry_seq, "kind": step.kind,
        "level": step.level, "at": now, "scheduled_at": step.at,
        "audit_seq": change.seq, "target_jurisdiction_id": target.jurisdiction_id})
    notes, deliveries = outbox_rows(_notice(row, step, target, wf),
                                    recipients=target.recipients, offices=target.offices,
                                    now=now)
    out.notes += notes
    out.deliveries += deliveries


def _move(row: Any, nxt: datetime | None) -> dict[str, Any]:
    return {"_item_id": row.id, "_read_entry": row.schedule_entry, "_next": nxt,
            "_entry": row.state_entry_seq}


def _write_schedule(conn: Connection, moves: list[dict[str, Any]]) -> None:
    """The batch's next looks: one executemany, and one DELETE for items with none."""
    later = [m for m in moves if m["_next"] is not None]
    if later:
        SCHEDULE_MOVE.executemany(conn, later)
    gone = [m["_item_id"] for m in moves if m["_next"] is None]
    if gone:
        conn.execute(delete(SCHEDULE).where(SCHEDULE.c.item_id.in_(gone)))


def _notice(row: Any, step: Step, target: Target, wf: WorkflowDef) -> Notice:
    state = wf.states[row.state].label or row.state
    what = f"{wf.title} {row.ref}"
    if row.due_at is None:  # a review of a parked item: no deadline runs
        return Notice(kind=step.kind, subject=f"定期复查（第{step.level}次）：{what}（{state}），"
                      "请复查是否启动核查或予以了结", body=row.title, item_id=row.id,
                      jurisdiction_id=target.jurisdiction_id, level=step.level,
                      data={"ref": row.ref, "state": row.state},
                      payload={"item_id": row.id, "ref": row.ref, "workflow": wf.name,
                               "state": row.state, "kind": step.kind, "level": step.level,
                               "target": target.jurisdiction_code})
    due = row.due_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    subject = {
        "remind": f"到期提醒：{what}（{state}）将于 {due} 到期",
        "escalate": f"逾期督办（第{step.level}级）：{what}（{state}）已于 {due} 到期，"
                    f"报{target.label}",
        "repeat": f"持续逾期（第{step.level}次督促）：{what}（{state}）已于 {due} 到期",
        "overdue": f"逾期：{what}（{state}）已于 {due} 到期",
    }[step.kind]
    payload = {"item_id": row.id, "ref": row.ref, "workflow": wf.name, "state": row.state,
               "kind": step.kind, "level": step.level, "due_at": row.due_at.isoformat(),
               "target": target.jurisdiction_code}
    return Notice(kind=step.kind, subject=subject, body=row.title, item_id=row.id,
                  jurisdiction_id=target.jurisdiction_id, level=step.level,
                  data={"ref": row.ref, "state": row.state, "due_at": row.due_at.isoformat()},
                  payload=payload)


def run_sweep(rt: Runtime, *, worker: str | None = None, batch_size: int = DEFAULT_BATCH,
              progress: Progress | None = None) -> SweepReport:
    """Run one sweep at `rt.clock.now()`; safe to run from many threads and processes."""
    return Sweeper(rt, worker=worker, batch_size=batch_size, progress=progress).run()
