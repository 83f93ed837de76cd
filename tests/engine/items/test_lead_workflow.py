"""The shipped lead workflow (问题线索) through create_item/apply, on SQLite and PostgreSQL:
every allowed transition by every allowed role, and each way a trigger is refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from engine.errors import InvalidData, RoleForbidden, TransitionRefused
from engine.items.transition import Change, apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.workflow.loader import default_workflows_dir, load_file
from tests.engine.helpers import event_count, events, fire_all, item_row, jid

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

LEAD = load_file(default_workflows_dir() / "lead.yaml")
OFFICE, HANDLER, CLIENT = "市办-线索组", "市公安-承办人", "检举举报平台"
ACTOR_OF_ROLE = {"office": OFFICE, "handler": HANDLER, "client": CLIENT}
CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "preliminary_check"}
PARK = {"disposal": "park", "reason": "暂不具备核查条件"}
# Data that satisfies each trigger's requirements (merge_into is filled in per test).
GOOD_DATA: dict[str, dict[str, Any]] = {
    "transfer": {"unit": "city-police"}, "transfer_to_discipline": {"reason": "涉嫌违纪"},
    "return_for_info": {"reason": "缺被反映人单位"}, "resubmit": {}, "accept": ACCEPT,
    "suspend": {"reason": "等待鉴定"}, "resume": {}, "merge": {}, "close": CLOSE,
    "reopen": {"reason": "出现新证据"}, "park": PARK, "take_up": ACCEPT,
}
# A trigger whose data depends on where it is fired from: closing a parked lead is 予以了结.
SOURCE_DATA: dict[tuple[str, str], dict[str, Any]] = {
    ("parked", "close"): {"conclusion": "暂存期满无新情况", "disposal": "dismiss"},
}
# How the city office brings a new lead into each non-final state.
ROUTES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "received": [],
    "returned": [("return_for_info", GOOD_DATA["return_for_info"])],
    "transferred": [("transfer", GOOD_DATA["transfer"])],
    "investigating": [("transfer", GOOD_DATA["transfer"]), ("accept", ACCEPT)],
    "suspended": [("transfer", GOOD_DATA["transfer"]), ("accept", ACCEPT),
                  ("suspend", GOOD_DATA["suspend"])],
    "closed": [("transfer", GOOD_DATA["transfer"]), ("accept", ACCEPT), ("close", CLOSE)],
    "parked": [("transfer", GOOD_DATA["transfer"]), ("park", PARK)],
}
EDGES = [(s, t.trigger, t.dest, role) for t in LEAD.transitions for s in t.sources
         for role in t.roles]


def new_lead(rt: Runtime, actor: Actor, *, code: str = "5101", category: str = "violation",
             unit: str | None = None, **data: Any) -> Change:
    return create_item(rt, actor=actor, workflow="lead", jurisdiction_id=jid(rt, code),
                       title="反映某民警违规办案", unit=unit,
                       data={"channel": "letter", "category": category, **data})


def lead_for(rt: Runtime, actors: dict[str, Actor], role: str) -> Change:
    """A lead the user of `role` may act on: handed in by the client for the client (it sees
    only its own submissions), entered by the office for the handler's unit otherwise."""
    if role == "client":
        return new_lead(rt, actors[CLIENT])
    return new_lead(rt, actors[OFFICE], unit="city-police")


def assert_nothing_written(rt: Runtime, item_id: int, before: Any, n_events: int) -> None:
    after = item_row(rt, item_id)
    assert (after.state, after.version, after.audit_seq) == (
        before.state, before.version, before.audit_seq)
    assert event_count(rt) == n_events


def test_routes_and_data_cover_every_state_and_trigger() -> None:
    """The tables above reach every non-final state and have data for every trigger."""
    assert set(ROUTES) == {s for s, d in LEAD.states.items() if not d.final}
    assert set(GOOD_DATA) == {t.trigger for t in LEAD.transitions}


@pytest.mark.parametrize(("source", "trigger", "dest", "role"), EDGES,
                         ids=[f"{s}-{t}-{r}" for s, t, _, r in EDGES])
def test_every_allowed_transition(rt: Runtime, actors: dict[str, Actor], source: str,
                                  trigger: str, dest: str, role: str) -> None:
    """Each (source, trigger) of lead.yaml, fired by each allowed role, reaches its dest."""
    office, actor = actors[OFFICE], actors[ACTOR_OF_ROLE[role]]
    item = lead_for(rt, actors, role).item_id
    fire_all(rt, office, item, ROUTES[source])
    data: Mapping[str, Any] = SOURCE_DATA.get((source, trigger), GOOD_DATA[trigger])
    if trigger == "merge":
        data = {"merge_into": new_lead(rt, office).item_id}
    before = item_row(rt, item)
    change = apply(rt, actor=actor, item_id=item, trigger=trigger, data=data)
    row = item_row(rt, item)
    assert (change.from_state, change.to_state, row.state) == (source, dest, dest)
    assert row.version == before.version + 1
    last = events(rt, item)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.actor) == (
        trigger, source, dest, actor.label)
    assert (row.closed_at is not None) == LEAD.states[dest].closed


def test_happy_path_records_each_state_entry(rt: Runtime, actors: dict[str, Actor],
                                             clock: ManualClock) -> None:
    """received → transferred → investigating → closed stamps the entry time of each state."""
    office, handler = actors[OFFICE], actors[HANDLER]
    item = new_lead(rt, office).item_id
    times = {"received": clock.now()}
    for state, trigger, data in [("transferred", "transfer", GOOD_DATA["transfer"]),
                                 ("investigating", "accept", ACCEPT), ("closed", "close", CLOSE)]:
        clock.advance(timedelta(hours=5))
        times[state] = clock.now()
        apply(rt, actor=handler if trigger != "transfer" else office, item_id=item,
              trigger=trigger, data=data)
    row = item_row(rt, item)
    assert row.state_entries == {s: t.isoformat() for s, t in times.items()}
    assert row.closed_at == times["closed"]
    assert row.due_at is None
    assert row.data["outcome"] == "unfounded"


def test_reopen_clears_closed_at_and_starts_a_new_deadline(rt: Runtime,
                                                           actors: dict[str, Actor]) -> None:
    """Reopening a closed lead makes it open again with a fresh investigation deadline."""
    office = actors[OFFICE]
    item = new_lead(rt, office).item_id
    fire_all(rt, office, item, [*ROUTES["closed"], ("reopen", GOOD_DATA["reopen"])])
    row = item_row(rt, item)
    assert (row.state, row.closed_at) == ("investigating", None)
    assert row.due_at is not None


def test_creation_is_the_first_audit_event(rt: Runtime, actors: dict[str, Actor]) -> None:
    """create_item writes event seq 1, trigger 'create', from nothing to the initial state."""
    office = actors[OFFICE]
    change = new_lead(rt, office)
    (event,) = events(rt, change.item_id)
    assert (event.seq, event.trigger, event.from_state, event.to_state) == (
        1, "create", None, "received")
    assert (event.actor, event.actor_role, event.workflow_version) == (
        office.label, "office", LEAD.version)
    assert event.data == {"channel": "letter", "category": "violation"}
    assert event.hash == change.hash == item_row(rt, change.item_id).audit_head


def test_ref_numbers_are_sequential_per_jurisdiction_and_year(
        rt: Runtime, actors: dict[str, Actor], clock: ManualClock) -> None:
    """Refs count up per jurisdiction; another jurisdiction and a new year start at 1."""
    office = actors[OFFICE]
    refs = [new_lead(rt, office).ref for _ in range(3)]
    county = new_lead(rt, office, code="510101").ref
    clock.advance(timedelta(days=305))  # 2027-01-01 in China
    next_year = new_lead(rt, office).ref
    assert refs == ["5101-2026-000001", "5101-2026-000002", "5101-2026-000003"]
    assert county == "510101-2026-000001"
    assert next_year == "5101-2027-000001"


def test_refused_trigger_lists_what_the_office_may_fire(rt: Runtime,
                                                         actors: dict[str, Actor]) -> None:
    """A trigger not allowed from 'received' is refused, naming the office's allowed ones."""
    item = new_lead(rt, actors[OFFICE]).item_id
    before, n = item_row(rt, item), event_count(rt)
    with pytest.raises(TransitionRefused) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="close", data=CLOSE)
    assert info.value.allowed == ["transfer", "transfer_to_discipline", "return_for_info",
                                  "merge"]
    assert "allowed now: transfer, " in str(info.value)
    assert_nothing_written(rt, item, before, n)


def test_refused_trigger_lists_only_the_actors_own_triggers(rt: Runtime,
                                                            actors: dict[str, Actor]) -> None:
    """A handler is told only what a handler may fire; the client is told none."""
    item = lead_for(rt, actors, "handler").item_id
    own = lead_for(rt, actors, "client").item_id
    with pytest.raises(TransitionRefused) as handler_info:
        apply(rt, actor=actors[HANDLER], item_id=item, trigger="accept", data=ACCEPT)
    with pytest.raises(TransitionRefused) as client_info:
        apply(rt, actor=actors[CLIENT], item_id=own, trigger="accept", data=ACCEPT)
    assert handler_info.value.allowed == ["return_for_info"]
    assert client_info.value.allowed == []


def test_nothing_leaves_a_final_state(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A merged lead refuses every trigger, with no allowed ones."""
    office = actors[OFFICE]
    item = new_lead(rt, office).item_id
    apply(rt, actor=office, item_id=item, trigger="merge",
          data={"merge_into": new_lead(rt, office).item_id})
    with pytest.raises(TransitionRefused) as info:
        apply(rt, actor=office, item_id=item, trigger="reopen", data={"reason": "x"})
    assert info.value.allowed == []


def test_role_forbidden_names_the_roles_that_may(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A handler may not transfer; the error names the role that may, and nothing is written."""
    item = lead_for(rt, actors, "handler").item_id
    before, n = item_row(rt, item), event_count(rt)
    with pytest.raises(RoleForbidden) as info:
        apply(rt, actor=actors[HANDLER], item_id=item, trigger="transfer",
              data=GOOD_DATA["transfer"])
    assert (info.value.role, info.value.roles) == ("handler", ["office"])
    assert_nothing_written(rt, item, before, n)


@pytest.mark.parametrize("trigger", ["escalate", "remind"])
def test_users_cannot_fire_system_triggers(rt: Runtime, actors: dict[str, Actor],
                                           trigger: str) -> None:
    """escalate and remind belong to the scheduler; a user firing them is refused."""
    item = new_lead(rt, actors[OFFICE]).item_id
    with pytest.raises(TransitionRefused):
        apply(rt, actor=actors[OFFICE], item_id=item, trigger=trigger,
              system_values={"escalation_level": 3})
    assert item_row(rt, item).escalation_level == 0


def test_close_requires_outcome_conclusion_and_disposal(rt: Runtime,
                                                        actors: dict[str, Actor]) -> None:
    """Closing without data names every missing field and writes nothing."""
    office = actors[OFFICE]
    item = new_lead(rt, office).item_id
    fire_all(rt, office, item, ROUTES["investigating"])
    before, n = item_row(rt, item), event_count(rt)
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=office, item_id=item, trigger="close", data={"conclusion": "  "})
    assert info.value.fields == {"outcome": "is required", "conclusion": "is required",
                                 "disposal": "is required"}
    assert_nothing_written(rt, item, before, n)


def test_close_outcome_must_be_one_of_the_enum(rt: Runtime, actors: dict[str, Actor]) -> None:
    """An outcome outside the enum is refused with the allowed values."""
    office = actors[OFFICE]
    item = new_lead(rt, office).item_id
    fire_all(rt, office, item, ROUTES["investigating"])
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=office, item_id=item, trigger="close",
              data={"outcome": "maybe", "conclusion": "x",
                    "disposal": "preliminary_check"})
    assert info.value.fields == {
        "outcome": "must be one of: substantiated, partly_substantiated, unfounded"}


def test_text_field_must_be_a_string(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A number where a text reason is required is refused."""
    item = new_lead(rt, actors[OFFICE]).item_id
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="return_for_info",
              data={"reason": 5})
    assert info.value.fields == {"reason": "must be a string"}


def test_vocabulary_is_enforced_on_create(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A channel outside the workflow's vocabulary is refused at creation; no item appears."""
    n = event_count(rt)
    with pytest.raises(InvalidData) as info:
        new_lead(rt, actors[OFFICE], channel="pigeon")
    assert set(info.value.fields) == {"channel"}
    assert event_count(rt) == n


def test_vocabulary_is_enforced_on_transitions(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Transition data cannot smuggle in a category outside the vocabulary."""
    item = new_lead(rt, actors[OFFICE], category="law_enforcement").item_id
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="return_for_info",
              data={"reason": "x", "category": "gossip"})
    assert set(info.value.fields) == {"category"}
    assert item_row(rt, item).data["category"] == "law_enforcement"


def test_discipline_transfer_needs_a_violation(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Only a lead in category 'violation' can go to discipline inspection."""
    item = new_lead(rt, actors[OFFICE], category="law_enforcement").item_id
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="transfer_to_discipline",
              data={"reason": "x"})
    assert info.value.fields == {"category": "needs category equals 'violation'"}
    assert item_row(rt, item).state == "received"


def test_only_the_creation_roles_may_create(rt: Runtime, actors: dict[str, Actor]) -> None:
    """The read-only supervisor may not create a lead."""
    with pytest.raises(RoleForbidden):
        new_lead(rt, actors["省指导组-审计"])


def test_a_blank_title_is_refused(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A lead needs a title."""
    with pytest.raises(InvalidData) as info:
        create_item(rt, actor=actors[OFFICE], workflow="lead", jurisdiction_id=jid(rt, "5101"),
                    title="   ")
    assert info.value.fields == {"title": "is required"}
