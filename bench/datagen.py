"""Bulk data for the large benchmarks: leads with plausible states, due dates and VALID audit
chains, written with batched Core inserts (executemany), never one API call per item.

Each lead walks a real path of workflows/lead.yaml (create → transfer → accept → close ...);
its events are hashed with the engine's own `EventRecord.digest`, so `engine.items.audit.verify`
accepts every chain. Exactly `overdue` open items are past due at `bench.env.NOW` (each has
had its reminder, a `remind` system event); every other open item's next check lies in the
future, so a sweep at NOW finds exactly the overdue ones. The next check of each open item
with a deadline is its row in the scheduler's `item_schedule`, as the engine writes it.

Cached between runs by bench/datacache.py."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.env import NOW, actors, runtime
from engine.deadlines import CHINA_TZ, ChinaCalendar
from engine.items import GENESIS, EventRecord
from engine.kernel import Actor
from engine.storage import COUNTER, EVENT, ITEM, JUR, SCHEDULE, UNIT

BATCH = 5000
SEED = 20260601

# state -> (triggers after create, share among open items / among all in the mixed profile)
PATHS: dict[str, tuple[str, ...]] = {
    "received": (),
    "returned": ("return_for_info",),
    "transferred": ("transfer",),
    "investigating": ("transfer", "accept"),
    "suspended": ("transfer", "accept", "suspend"),
    "closed": ("transfer", "accept", "close"),
    "to_discipline": ("transfer_to_discipline",),
}
PROFILES: dict[str, dict[str, float]] = {
    # every item open: the escalation sweep's data set
    "open": {"received": 0.2, "transferred": 0.22, "investigating": 0.5, "suspended": 0.04,
             "returned": 0.04},
    # a province a few months into the campaign: the queues' data set
    "mixed": {"received": 0.1, "transferred": 0.14, "investigating": 0.3, "suspended": 0.03,
              "returned": 0.02, "closed": 0.38, "to_discipline": 0.03},
}
# deadline of the states that have one (working days) and how the reminder is placed
DEADLINE_WD = {"received": 5, "transferred": 5, "investigating": 30}
CHANNELS = ("reporting_platform", "report_box", "letter", "phone", "online",
            "inspection_transfer", "key_case_review", "petition_cleanup",
            "supervision_inspection")
CHANNEL_WEIGHTS = (30, 10, 15, 10, 20, 5, 4, 4, 2)
CATEGORIES = ("discipline_conduct", "ability_competence", "law_enforcement", "violation")
CATEGORY_WEIGHTS = (35, 20, 35, 10)
OUTCOMES = ("substantiated", "partly_substantiated", "unfounded")
# lead v3's disposal methods (处置方式) of accept and of close
INVESTIGATION_METHODS = ("talk_inquiry", "preliminary_check")
CLOSING_METHODS = ("talk_inquiry", "preliminary_check", "dismiss", "refer_review")


class _Due:
    """Working-day arithmetic memoised by local date: `add_working_days` keeps the local
    time of day, so the result depends only on the start's date."""

    def __init__(self) -> None:
        self.calendar = ChinaCalendar()
        self._memo: dict[tuple[date, int], timedelta] = {}

    def add(self, start: datetime, days: int) -> datetime:
        key = (start.astimezone(CHINA_TZ).date(), days)
        if key not in self._memo:
            self._memo[key] = self.calendar.add_working_days(start, days) - start
        return start + self._memo[key]

    def sub(self, end: datetime, days: int) -> datetime:
        key = (end.astimezone(CHINA_TZ).date(), -days)
        if key not in self._memo:
            self._memo[key] = self.calendar.subtract_working_days(end, days) - end
        return end + self._memo[key]


@dataclass(frozen=True, kw_only=True)
class _Org:
    office: dict[int, Actor]              # jurisdiction -> office user of it
    handler: dict[int, Actor]             # jurisdiction -> a handler there, if any
    units: dict[int, list[tuple[int, str]]]  # jurisdiction -> (unit id, code), no offices
    codes: dict[int, str]                 # jurisdiction -> code
    weights: dict[int, int]               # where leads are received


def _org(rt: Any) -> _Org:
    people = actors(rt)
    with rt.db.connect() as conn:
        jurs = {r.id: r for r in conn.execute(select(JUR))}
        units: dict[int, list[tuple[int, str]]] = {}
        for u in conn.execute(select(UNIT).where(UNIT.c.kind.notin_(("office",
                                                                     "discipline")))):
            units.setdefault(u.jurisdiction_id, []).append((u.id, u.code))
    office = {a.jurisdiction_id: a for a in people.values()
              if a.role == "office" and a.jurisdiction_id is not None}
    handler = {a.jurisdiction_id: a for a in people.values()
               if a.role == "handler" and a.jurisdiction_id is not None}
    # counties receive most leads; the city some; only where an office and a unit exist
    weights = {jid: (1 if j.level == "city" else 3) for jid, j in jurs.items()
               if jid in office and jid in units}
    return _Org(office=office, handler=handler, units=units,
                codes={jid: j.code for jid, j in jurs.items()}, weights=weights)


def generate(path: Path, profile: str, items: int, overdue: int) -> None:
    """Write the data set into a new SQLite database at `path`."""
    rt = runtime(f"sqlite:///{path}")
    try:
        org = _org(rt)
        wf = rt.registry.latest("lead")
        with rt.db.connect() as conn:
            first_id = (conn.execute(select(ITEM.c.id).order_by(ITEM.c.id.desc()))
                        .scalar() or 0) + 1
        gen = _Generator(org, wf.version, profile, items, overdue)
        with rt.db.begin() as conn:
            for item_rows, event_rows in gen.batches(first_id):
                conn.execute(insert(ITEM), item_rows)
                conn.execute(insert(EVENT), event_rows)
                schedule = [_schedule_row(i) for i in item_rows
                            if i["closed_at"] is None and i["due_at"] is not None]
                if schedule:
                    conn.execute(insert(SCHEDULE), schedule)
            conn.execute(insert(COUNTER), [
                {"jurisdiction_id": jid, "year": year, "last": last}
                for (jid, year), last in gen.counters.items()])
    finally:
        rt.db.dispose()


def _schedule_row(item: dict[str, Any]) -> dict[str, Any]:
    """The scheduler's row of an open item: the reminder if one is still ahead, else due."""
    return {"item_id": item["id"], "next_check_at": item["remind_at"] or item["due_at"],
            "state_entry_seq": item["state_entry_seq"]}


class _Generator:
    def __init__(self, org: _Org, wf_version: int, profile: str, items: int,
                 overdue: int) -> None:
        self.org, self.wf_version, self.items = org, wf_version, items
        self.rng = random.Random(SEED)
        self.due = _Due()
        self.counters: dict[tuple[int, int], int] = {}
        shares = PROFILES[profile]
        states = self.rng.choices(list(shares), weights=list(shares.values()), k=items)
        # make exactly `overdue` items past due, chosen among those with a deadline
        dueable = [i for i, s in enumerate(states) if s in DEADLINE_WD]
        if overdue > len(dueable):
            raise ValueError(f"only {len(dueable)} items can be overdue, asked {overdue}")
        self.overdue = frozenset(self.rng.sample(dueable, overdue))
        self.states = states
        self.jids = list(org.weights)
        self.jweights = list(org.weights.values())

    def batches(self, first_id: int) -> Iterator[tuple[list[dict[str, Any]],
                                                        list[dict[str, Any]]]]:
        item_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        for i, state in enumerate(self.states):
            item, events = self._lead(first_id + i, state, i in self.overdue)
            item_rows.append(item)
            event_rows.extend(events)
            if len(item_rows) >= BATCH:
                yield item_rows, event_rows
                item_rows, event_rows = [], []
        if item_rows:
            yield item_rows, event_rows

    def _lead(self, item_id: int, state: str,
              overdue: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        jid = rng.choices(self.jids, weights=self.jweights)[0]
        office = self.org.office[jid]
        unit_id, unit_code = rng.choice(self.org.units[jid])
        path = PATHS[state]
        category = "violation" if state == "to_discipline" else rng.choices(
            CATEGORIES, weights=CATEGORY_WEIGHTS)[0]
        data0 = {"channel": rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0],
                 "category": category}
        # when the item entered its final state: long ago when overdue, recently otherwise
        # (recent enough that its reminder, too, lies in the future)
        if overdue:  # fell due within the last day: one escalation owed, not a backlog
            entered = self._entered_for_due(state)
        elif state == "investigating":
            entered = NOW - timedelta(days=rng.uniform(0.1, 20))
        elif state in ("closed", "to_discipline"):
            entered = NOW - timedelta(days=rng.uniform(0.1, 100))
        else:
            entered = NOW - timedelta(days=rng.uniform(0.05, 2))
        gaps = [timedelta(days=rng.uniform(0.2, 6)) for _ in path]
        at = entered - sum(gaps, timedelta())
        created = at
        year = created.astimezone(CHINA_TZ).year
        n = self.counters.get((jid, year), 0) + 1
        self.counters[(jid, year)] = n
        ref = f"{self.org.codes[jid]}-{year}-{n:06d}"

        events: list[dict[str, Any]] = []
        prev, cur, merged = GENESIS, "", dict(data0)
        entries: dict[str, str] = {}
        item_jid, item_unit = jid, None
        entry_seq = 1
        paused: tuple[float, str] | None = None
        due: datetime | None = None

        def add(actor: Actor, trigger: str, dest: str, data: dict[str, Any],
                when: datetime) -> None:
            nonlocal prev, cur
            record = EventRecord(
                item_id=item_id, seq=len(events) + 1, at=when, actor=actor.label,
                actor_role=actor.role, trigger=trigger, from_state=cur or None,
                to_state=dest, data=data, comment="", workflow="lead",
                workflow_version=self.wf_version, prev_hash=prev)
            digest = record.digest()
            events.append({"item_id": item_id, "seq": record.seq, "at": when,
                           "actor": record.actor, "actor_role": record.actor_role,
                           "trigger": trigger, "from_state": record.from_state,
                           "to_state": dest, "data": data, "comment": "",
                           "workflow": "lead", "workflow_version": self.wf_version,
                           "prev_hash": prev, "hash": digest})
            prev, cur = digest, dest

        add(office, "create", "received", data0, at)
        entries["received"] = at.isoformat()
        due = self.due.add(at, DEADLINE_WD["received"])
        for trigger, gap in zip(path, gaps, strict=True):
            at += gap
            data, dest, actor = self._step(trigger, jid, unit_code, category)
            if trigger == "transfer":
                item_unit = unit_id
            if dest in ("returned", "suspended"):
                paused = (max((due - at).total_seconds(), 0.0) if due else 0.0, cur)
            add(actor, trigger, dest, data, at)
            merged.update(data)
            entries[dest] = at.isoformat()
            entry_seq = len(events)
            due = self.due.add(at, DEADLINE_WD[dest]) if dest in DEADLINE_WD else None
        remind_at: datetime | None = None
        if due is not None:
            remind_at = self._reminder(state, at, due)
            if overdue:  # its reminder went out: a system event in the chain
                if remind_at is None or remind_at >= NOW:
                    raise AssertionError("an overdue item's reminder must lie in the past")
                system = Actor(user_id=None, role="system", jurisdiction_id=None, scope=None)
                add(system, "remind", state, {}, remind_at)
                remind_at = None
            elif due <= NOW or (remind_at is not None and remind_at <= NOW):
                raise AssertionError("a current item must have its deadline in the future")
        closed = state in ("closed", "to_discipline")
        item = {
            "id": item_id, "workflow": "lead", "workflow_version": self.wf_version,
            "title": f"关于{self.org.codes[jid]}干警的问题线索 {item_id}", "ref": ref,
            "state": state, "jurisdiction_id": item_jid, "unit_id": item_unit,
            "assignee_id": None, "data": merged, "version": len(events),
            "created_at": created, "updated_at": events[-1]["at"], "state_entered_at": at,
            "state_entry_seq": entry_seq, "state_entries": entries,
            "closed_at": at if closed else None, "due_at": due, "remind_at": remind_at,
            "paused_remaining_s": paused[0] if paused and state in ("returned", "suspended")
            else None,
            "paused_state": paused[1] if paused and state in ("returned", "suspended")
            else None,
            "escalation_level": 0,
            "audit_seq": len(events), "audit_head": prev,
        }
        return item, events

    def _entered_for_due(self, state: str) -> datetime:
        """A state entry time whose deadline fell in the last 20 hours before NOW."""
        for _ in range(100):
            due = NOW - timedelta(hours=self.rng.uniform(0.02, 20))
            entered = self.due.sub(due, DEADLINE_WD[state])
            real_due = self.due.add(entered, DEADLINE_WD[state])
            if NOW - timedelta(days=1) < real_due < NOW:
                return entered
        raise AssertionError("no state entry time gives a due time in the last day")

    def _step(self, trigger: str, jid: int, unit_code: str,
              category: str) -> tuple[dict[str, Any], str, Actor]:
        office = self.org.office[jid]
        handler = self.org.handler.get(jid, office)
        if trigger == "transfer":
            return {"unit": unit_code}, "transferred", office
        if trigger == "accept":
            return ({"disposal": self.rng.choice(INVESTIGATION_METHODS)}, "investigating",
                    handler)
        if trigger == "suspend":
            return {"reason": "等待相关案卷调取"}, "suspended", office
        if trigger == "return_for_info":
            return {"reason": "请补充被反映人单位与职务"}, "returned", office
        if trigger == "close":
            return ({"outcome": self.rng.choice(OUTCOMES), "conclusion": "经核查，情况已查清",
                     "disposal": self.rng.choice(CLOSING_METHODS)}, "closed", handler)
        if trigger == "transfer_to_discipline":
            assert category == "violation"
            return {"reason": "涉嫌违纪违法，移送纪委监委"}, "to_discipline", office
        raise ValueError(trigger)

    def _reminder(self, state: str, entered: datetime, due: datetime) -> datetime:
        if state == "investigating":  # at 80% of the time allowed
            return entered + (due - entered) * 0.8
        return self.due.sub(due, 1)  # one working day before the due date
