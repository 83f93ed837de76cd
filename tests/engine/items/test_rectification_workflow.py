"""The shipped rectification workflow (整改事项) through create_item/apply, on SQLite and
PostgreSQL: every allowed transition by every allowed role, rejection and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import InvalidData, RoleForbidden, TransitionRefused
from engine.items.transition import Change, apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.workflow.loader import default_workflows_dir, load_file
from tests.engine.helpers import events, fire_all, item_row, jid

RECT = load_file(default_workflows_dir() / "rectification.yaml")
OFFICE, HANDLER, SUPERVISOR = "市办-线索组", "市公安-承办人", "省指导组-审计"
ACTOR_OF_ROLE = {"office": OFFICE, "handler": HANDLER, "supervisor": SUPERVISOR}
GOOD_DATA: dict[str, dict[str, Any]] = {
    "assign": {"unit": "city-police", "measures": "建立执法台账"}, "start": {},
    "submit": {"report": "已整改完毕"}, "reject": {"reason": "台账不全"},
    "verify": {"verification": "同意销号"}, "close": {}, "withdraw": {"reason": "不属于整改范围"},
}
ROUTES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "identified": [],
    "assigned": [("assign", GOOD_DATA["assign"])],
    "rectifying": [("assign", GOOD_DATA["assign"]), ("start", {})],
    "submitted": [("assign", GOOD_DATA["assign"]), ("start", {}),
                  ("submit", GOOD_DATA["submit"])],
    "verified": [("assign", GOOD_DATA["assign"]), ("start", {}),
                 ("submit", GOOD_DATA["submit"]), ("verify", GOOD_DATA["verify"])],
}
EDGES = [(s, t.trigger, t.dest, role) for t in RECT.transitions for s in t.sources
         for role in t.roles]


def new_item(rt: Runtime, actor: Actor, source: str = "guidance_group") -> Change:
    return create_item(rt, actor=actor, workflow="rectification",
                       jurisdiction_id=jid(rt, "5101"), title="超期羁押问题整治",
                       data={"source": source})


def test_routes_and_data_cover_every_state_and_trigger() -> None:
    """The tables above reach every non-final state and have data for every trigger."""
    assert set(ROUTES) == {s for s, d in RECT.states.items() if not d.final}
    assert set(GOOD_DATA) == {t.trigger for t in RECT.transitions}


@pytest.mark.parametrize(("source", "trigger", "dest", "role"), EDGES,
                         ids=[f"{s}-{t}-{r}" for s, t, _, r in EDGES])
def test_every_allowed_transition(rt: Runtime, actors: dict[str, Actor], source: str,
                                  trigger: str, dest: str, role: str) -> None:
    """Each (source, trigger) of rectification.yaml, by each allowed role, reaches its dest."""
    office, actor = actors[OFFICE], actors[ACTOR_OF_ROLE[role]]
    item = new_item(rt, office).item_id
    fire_all(rt, office, item, ROUTES[source])
    change = apply(rt, actor=actor, item_id=item, trigger=trigger, data=GOOD_DATA[trigger])
    row = item_row(rt, item)
    assert (change.from_state, change.to_state, row.state) == (source, dest, dest)
    last = events(rt, item)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.actor_role) == (
        trigger, source, dest, role)
    assert (row.closed_at is not None) == RECT.states[dest].closed


def test_rejected_acceptance_goes_back_to_rectifying(rt: Runtime,
                                                     actors: dict[str, Actor]) -> None:
    """submit → reject → submit → verify → close: rejection loops back, then the item closes."""
    office, supervisor = actors[OFFICE], actors[SUPERVISOR]
    item = new_item(rt, office).item_id
    fire_all(rt, office, item, ROUTES["submitted"])
    fire_all(rt, supervisor, item, [("reject", GOOD_DATA["reject"])])
    fire_all(rt, office, item, [("submit", {"report": "补充整改"})])
    fire_all(rt, supervisor, item, [("verify", GOOD_DATA["verify"])])
    fire_all(rt, office, item, [("close", {})])
    trail = [(e.trigger, e.to_state) for e in events(rt, item)]
    assert trail == [("create", "identified"), ("assign", "assigned"), ("start", "rectifying"),
                     ("submit", "submitted"), ("reject", "rectifying"),
                     ("submit", "submitted"), ("verify", "verified"), ("close", "closed")]
    row = item_row(rt, item)
    assert row.closed_at is not None
    assert row.data["report"] == "补充整改"


def test_assign_requires_unit_and_measures(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Assigning without a responsible unit and measures names both fields."""
    item = new_item(rt, actors[OFFICE]).item_id
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="assign")
    assert info.value.fields == {"unit": "is required", "measures": "is required"}
    assert item_row(rt, item).version == 1


def test_supervisor_may_not_close(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Only the office closes (销号) a verified item."""
    item = new_item(rt, actors[OFFICE]).item_id
    fire_all(rt, actors[OFFICE], item, ROUTES["verified"])
    with pytest.raises(RoleForbidden) as info:
        apply(rt, actor=actors[SUPERVISOR], item_id=item, trigger="close")
    assert info.value.roles == ["office"]


def test_handler_is_told_what_it_may_fire(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A handler trying to verify its own work in 'rectifying' is told it may only submit."""
    item = new_item(rt, actors[OFFICE]).item_id
    fire_all(rt, actors[OFFICE], item, ROUTES["rectifying"])
    with pytest.raises(TransitionRefused) as info:
        apply(rt, actor=actors[HANDLER], item_id=item, trigger="verify",
              data=GOOD_DATA["verify"])
    assert info.value.allowed == ["submit"]


def test_handler_may_not_create(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Rectification items are raised by the office, the supervisor or an admin."""
    with pytest.raises(RoleForbidden):
        new_item(rt, actors[HANDLER])


def test_source_must_come_from_the_vocabulary(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A source outside guidance_group / forum_opinion / self_inspection is refused."""
    with pytest.raises(InvalidData) as info:
        new_item(rt, actors[OFFICE], source="rumour")
    assert set(info.value.fields) == {"source"}
