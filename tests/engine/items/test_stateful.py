"""A Hypothesis state machine (SQLite) that creates items and fires random triggers, valid and
invalid, as random users of the example org and the scheduler. After every step: each item's
state is its last audit event's to_state, every chain verifies, and every event is a
transition of the item's workflow version; refused triggers change nothing."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text, update

from engine.deadlines.calendar import ChinaCalendar
from engine.errors import InvalidData, NotFound, RoleForbidden, TransitionRefused
from engine.items.audit import verify
from engine.items.scope import Placement, sees_item
from engine.items.transition import allowed_triggers, apply, create_item
from engine.kernel.actors import SYSTEM, Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.storage.db import make_engine, read_tx, write_tx
from engine.workflow.loader import ANNOTATION_TRIGGERS, default_workflows_dir, load_dir
from engine.workflow.model import TransitionDef
from engine.workflow.registry import registry_from_db
from tests.conftest import EXAMPLE_ORG, START, actors_of
from tests.engine.helpers import EVENT, ITEM

ORG = yaml.safe_load(EXAMPLE_ORG.read_text("utf-8"))
USERS = [u["name"] for u in ORG["users"]]
JURISDICTIONS = [j["code"] for j in ORG["jurisdictions"]]
UNITS = [u["code"] for u in ORG["units"]]
WORKFLOWS = {d.name: d for d in load_dir(default_workflows_dir())}
TRIGGERS = sorted({t.trigger for d in WORKFLOWS.values() for t in d.transitions}
                  | {"escalate", "remind", "create", "link", "no_such_trigger"})
GUARD_SQL = [f"CREATE TRIGGER audit_event_no_{a.lower()} BEFORE {a} ON audit_event "
             "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
             for a in ("UPDATE", "DELETE")]
CALENDAR = ChinaCalendar()
OUTCOMES: Counter[str] = Counter()  # across all examples, so the test can show it went deep


def event(outcome: str) -> None:
    OUTCOMES[outcome] += 1


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the workflows and example org, copied for each example."""
    path = tmp_path_factory.mktemp("template") / "leadflow.db"
    rt = open_runtime(f"sqlite:///{path}", default_workflows_dir(),
                      clock=ManualClock(START), calendar=CALENDAR)
    with write_tx(rt.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), START)
    rt.db.dispose()
    return path


class ItemsMachine(RuleBasedStateMachine):
    template: Path
    items = Bundle("items")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="leadflow-stateful-"))
        shutil.copy(self.template, self.dir / "leadflow.db")
        db = make_engine(f"sqlite:///{self.dir / 'leadflow.db'}")
        with read_tx(db) as conn:
            registry = registry_from_db(conn)
        self.clock = ManualClock(START)
        self.rt = Runtime(db=db, registry=registry, clock=self.clock, calendar=CALENDAR)
        self.actors: dict[str, Actor] = actors_of(self.rt)
        with read_tx(db) as conn:
            units = conn.execute(text("SELECT id, code, jurisdiction_id FROM unit")).all()
        self.unit_jid = {r.code: r.jurisdiction_id for r in units}
        self.unit_ids = {r.code: r.id for r in units}
        self.model: dict[int, tuple[str, int]] = {}  # item id → (state, number of events)

    def teardown(self) -> None:
        self.rt.db.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _row(self, item_id: int) -> Any:
        with read_tx(self.rt.db) as conn:
            return conn.execute(select(ITEM).where(ITEM.c.id == item_id)).one()

    @rule(target=items, workflow=st.sampled_from(sorted(WORKFLOWS)),
          user=st.sampled_from(USERS), code=st.sampled_from(JURISDICTIONS),
          unit=st.none() | st.sampled_from(UNITS))
    def create(self, workflow: str, user: str, code: str, unit: str | None) -> Any:
        actor, wf = self.actors[user], WORKFLOWS[workflow]
        with read_tx(self.rt.db) as conn:
            jid = conn.execute(text("SELECT id FROM jurisdiction WHERE code = :c"),
                               {"c": code}).scalar_one()
        try:
            change = create_item(self.rt, actor=actor, workflow=workflow, jurisdiction_id=jid,
                                 title=f"{workflow} by {user}", unit=unit)
        except RoleForbidden:
            assert actor.role not in wf.create_roles
            return multiple()
        except NotFound:
            assert not actor.sees(jid)
            return multiple()
        except InvalidData:  # a unit outside the org scope, or an item it could not see
            placed = Placement(jurisdiction_id=jid, unit_id=self.unit_ids.get(unit or ""),
                               assignee_id=None, created_by=actor.user_id)
            assert (unit is not None and not actor.sees(self.unit_jid[unit])) \
                or not sees_item(actor, placed)
            return multiple()
        assert actor.role in wf.create_roles
        assert actor.sees(jid)
        assert sees_item(actor, self._row(change.item_id))
        self.model[change.item_id] = (wf.initial_state, 1)
        return change.item_id

    @rule(item=items, other=items, aim=st.integers(0, 3).map(bool), draw=st.data())
    def fire(self, item: int, other: int, aim: bool, draw: st.DataObject) -> None:
        self._fire(item, other, aim, draw)

    @rule(item=items, other=items, steps=st.integers(1, 6), draw=st.data())
    def walk(self, item: int, other: int, steps: int, draw: st.DataObject) -> None:
        """Several aimed triggers in a row, to reach deep states such as closed or verified."""
        for _ in range(steps):
            row = self._row(item)
            if not self.rt.registry.get(row.workflow, row.workflow_version
                                        ).transitions_from(row.state):
                break  # a final state: nothing more to aim at
            self._fire(item, other, True, draw, walking=True)

    def _fire(self, item: int, other: int, aim: bool, draw: st.DataObject,
              walking: bool = False) -> None:
        row = self._row(item)
        wf = self.rt.registry.get(row.workflow, row.workflow_version)
        # Aimed: a trigger defined from the current state, by a user who may fire it and
        # sees the item. Otherwise anything at all: refusals. A quarter of single fires
        # leave out a required field.
        here = sorted({t.trigger for t in wf.transitions_from(row.state)})
        trigger = draw.draw(st.sampled_from(here if aim and here else TRIGGERS))
        td = wf.transition(row.state, trigger)
        fit = [u for u in USERS if td and self.actors[u].role in td.roles
               and sees_item(self.actors[u], row)]
        user = draw.draw(st.sampled_from(fit if aim and fit else USERS))
        actor = self.actors[user]
        units = [u for u in UNITS if actor.sees(self.unit_jid[u])]
        unit = draw.draw(st.sampled_from(units if aim and units else UNITS))
        complete = draw.draw(st.integers(0, 3)) > 0 or (aim and walking)
        data = self._data(td, other, unit, complete)
        try:
            change = apply(self.rt, actor=actor, item_id=item, trigger=trigger, data=data)
        except NotFound:
            assert not sees_item(actor, row)
            event("fire: not found")
            return
        except TransitionRefused as exc:
            assert td is None
            allowed = [t.trigger for t in allowed_triggers(wf, row.state, actor.role)]
            assert exc.allowed == allowed  # noqa: PT017 (random triggers: most are refused)
            event("fire: refused")
            return
        except RoleForbidden:
            assert td is not None
            assert actor.role not in td.roles
            event("fire: role forbidden")
            return
        except InvalidData:
            assert td is not None
            event("fire: invalid data")
            return
        event(f"{row.workflow} reached {td.dest if td else '?'}")
        assert td is not None, "a trigger the workflow does not define moved an item"
        assert sees_item(actor, row)
        assert actor.role in td.roles
        assert complete or not td.requires, "a transition went through without its fields"
        assert (change.from_state, change.to_state) == (row.state, td.dest)
        self.model[item] = (td.dest, self.model[item][1] + 1)
        for spec in td.requires:  # merge_into: the other item records a link event
            if spec.kind == "item_ref":
                state, n = self.model[other]
                self.model[other] = (state, n + 1)

    @staticmethod
    def _data(td: TransitionDef | None, other: int, unit: str, complete: bool) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in td.requires if td else ():
            data[spec.name] = (unit if spec.name == "unit" else other
                               if spec.kind == "item_ref" else spec.values[0]
                               if spec.kind == "enum" else "说明")
        if not complete and data:
            data.pop(next(iter(data)))
        return data

    @rule(item=items, level=st.integers(min_value=1, max_value=3))
    def escalate(self, item: int, level: int) -> None:
        """The scheduler escalates open items (state kept, event added); closed ones refuse."""
        row = self._row(item)
        closed = self.rt.registry.get(row.workflow, row.workflow_version).states[row.state].closed
        try:
            apply(self.rt, actor=SYSTEM, item_id=item, trigger="escalate",
                  system_values={"escalation_level": level})
        except TransitionRefused:
            assert closed
            return
        assert not closed
        state, n = self.model[item]
        self.model[item] = (state, n + 1)
        assert self._row(item).escalation_level == level

    @rule(hours=st.integers(min_value=1, max_value=24 * 10))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @rule(item=items, data=st.data())
    def tamper_then_repair(self, item: int, data: st.DataObject) -> None:
        """Altering a stored event is caught at that event; undoing it makes all verify."""
        seq = data.draw(st.integers(min_value=1, max_value=self.model[item][1]))
        where = (EVENT.c.item_id == item) & (EVENT.c.seq == seq)
        with write_tx(self.rt.db) as conn:
            original = conn.execute(select(EVENT.c.comment).where(where)).scalar_one()
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(update(EVENT).where(where).values(comment=original + " 篡改"))
        with read_tx(self.rt.db) as conn:
            broken = verify(conn).broken
        assert [(b.item_id, b.seq) for b in broken] == [(item, seq)]
        event("tamper caught")
        with write_tx(self.rt.db) as conn:
            conn.execute(update(EVENT).where(where).values(comment=original))
            conn.execute(text(GUARD_SQL[0]))

    @invariant()
    def items_match_their_trails(self) -> None:
        with read_tx(self.rt.db) as conn:
            rows = conn.execute(select(ITEM.c.id, ITEM.c.state, ITEM.c.workflow,
                                       ITEM.c.workflow_version)).all()
            trail = conn.execute(select(EVENT).order_by(EVENT.c.item_id, EVENT.c.seq)).all()
            report = verify(conn)
        assert report.ok, report.broken
        assert {r.id: r.state for r in rows} == {i: s for i, (s, _) in self.model.items()}
        by_item: dict[int, list[Any]] = {}
        for e in trail:
            by_item.setdefault(e.item_id, []).append(e)
        for r in rows:
            events = by_item[r.id]
            assert len(events) == self.model[r.id][1]
            assert events[-1].to_state == r.state
            wf = self.rt.registry.get(r.workflow, r.workflow_version)
            for e in events:
                if e.trigger == "create":
                    assert (e.seq, e.to_state) == (1, wf.initial_state)
                elif e.trigger in ANNOTATION_TRIGGERS or e.trigger == "escalate":
                    assert e.from_state == e.to_state
                else:
                    td = wf.transition(e.from_state, e.trigger)
                    assert td is not None
                    assert td.dest == e.to_state


def test_random_histories_keep_items_and_trails_consistent(template_db: Path) -> None:
    """Random creates, triggers, escalations, time and tampering never break the invariants."""
    ItemsMachine.template = template_db
    OUTCOMES.clear()
    run_state_machine_as_test(ItemsMachine, settings=settings(
        max_examples=25, stateful_step_count=50, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    # The run went somewhere: items moved, triggers were refused, tampering was caught.
    moved = sum(n for k, n in OUTCOMES.items() if " reached " in k)
    refused = sum(n for k, n in OUTCOMES.items() if k.startswith("fire: "))
    assert moved >= 10, OUTCOMES
    assert refused >= 10, OUTCOMES
    assert OUTCOMES["tamper caught"] >= 1, OUTCOMES
