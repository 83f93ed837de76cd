"""Lead disposal (处置方式), lead.yaml v3: each transition that sends a lead to investigation,
parks it or closes it records one of the five methods it declares, and only those it allows;
a parked lead (暂存待查) has its clock paused and is reviewed every 20 working days by the
sweep; leads on version 2 keep working on version 2."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import DefinitionError, InvalidData
from engine.items import light_rule
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.scheduling.sweep import run_sweep
from engine.storage.db import write_tx
from engine.workflow.loader import default_workflows_dir, parse_definition
from tests.conftest import EXAMPLE_ORG, actors_of
from tests.engine.helpers import event_count, events, fire_all, item_row
from tests.engine.scheduling.helpers import marks, new_lead, recipients, schedule

OFFICE, HANDLER = "东城办-联络员", "东城公安-承办人"
V2 = Path(__file__).parents[1] / "workflow" / "legacy_v2"  # lead.yaml as shipped in v2
TRANSFER = ("transfer", {"unit": "dc-police"})
PARK = {"disposal": "park", "reason": "暂不具备核查条件"}


def test_accept_takes_only_the_methods_of_an_investigation(rt: Runtime,
                                                           actors: dict[str, Actor]) -> None:
    """予以了结 is no way to start an investigation: refused with the methods accept allows,
    nothing written; 谈话函询 is accepted and stored on the lead."""
    office, handler = actors[OFFICE], actors[HANDLER]
    lead = new_lead(rt, office)
    fire_all(rt, office, lead, [TRANSFER])
    before, n = item_row(rt, lead), event_count(rt)
    for data in ({}, {"disposal": "dismiss"}, {"disposal": "谈话函询"}):
        with pytest.raises(InvalidData) as info:
            apply(rt, actor=handler, item_id=lead, trigger="accept", data=data)
        assert set(info.value.fields) == {"disposal"}
    assert info.value.fields == {"disposal": "must be one of: talk_inquiry, preliminary_check"}
    assert (item_row(rt, lead).version, event_count(rt)) == (before.version, n)
    apply(rt, actor=handler, item_id=lead, trigger="accept", data={"disposal": "talk_inquiry"})
    row = item_row(rt, lead)
    assert (row.state, row.data["disposal"]) == ("investigating", "talk_inquiry")
    assert events(rt, lead)[-1].data == {"disposal": "talk_inquiry"}


def test_a_parked_lead_pauses_its_clock_and_is_taken_up_or_closed(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    """暂存待查 stops the clock (no due time, no light); 启动核查 starts an investigation with
    its own method; closing a parked lead is 予以了结 and nothing else."""
    office = actors[OFFICE]
    taken, dismissed = new_lead(rt, office), new_lead(rt, office)
    for lead in (taken, dismissed):
        fire_all(rt, office, lead, [TRANSFER, ("park", PARK)])
        row = item_row(rt, lead)
        assert (row.state, row.due_at, row.data["disposal"]) == ("parked", None, "park")
        assert row.paused_remaining_s is not None  # the transfer deadline's time left
        assert light_rule(rt.registry.all(), rt.clock.now(), rt.calendar).of_row(row) is None
    apply(rt, actor=office, item_id=taken, trigger="take_up",
          data={"disposal": "preliminary_check"})
    row = item_row(rt, taken)
    assert (row.state, row.data["disposal"]) == ("investigating", "preliminary_check")
    assert row.due_at is not None
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=office, item_id=dismissed, trigger="close",
              data={"conclusion": "暂存期满无新情况", "disposal": "talk_inquiry"})
    assert info.value.fields == {"disposal": "must be one of: dismiss"}
    apply(rt, actor=office, item_id=dismissed, trigger="close",
          data={"conclusion": "暂存期满无新情况", "disposal": "dismiss"})
    row = item_row(rt, dismissed)
    assert (row.state, row.data["disposal"], row.closed_at is not None) == (
        "closed", "dismiss", True)


def test_a_parked_lead_is_reviewed_every_20_working_days(rt: Runtime, clock: ManualClock,
                                                        actors: dict[str, Actor]) -> None:
    """The sweep reminds the handling unit once per period while the lead stays parked, as
    a system `remind` event of kind `review`; taking it up ends the reviews."""
    office = actors[OFFICE]
    lead = new_lead(rt, office)
    fire_all(rt, office, lead, [TRANSFER, ("park", PARK)])
    first = rt.calendar.add_working_days(clock.now(), 20)
    assert schedule(rt, lead).next_check_at == first
    clock.set(first - (first - clock.now()) / 2)
    run_sweep(rt)
    assert marks(rt, lead) == []
    clock.set(first)
    assert run_sweep(rt).reviews == 1
    assert run_sweep(rt).reviews == 0  # once per period
    assert marks(rt, lead) == [("review", 1)]
    assert recipients(rt, lead, "review", 1) == {HANDLER}
    last = events(rt, lead)[-1]
    assert (last.actor, last.trigger, last.from_state, last.to_state) == (
        "system", "remind", "parked", "parked")
    assert (last.data["kind"], last.data["level"]) == ("review", 1)
    second = rt.calendar.add_working_days(first, 20)
    assert schedule(rt, lead).next_check_at == second
    clock.set(second)
    run_sweep(rt)
    assert marks(rt, lead) == [("review", 1), ("review", 2)]
    apply(rt, actor=office, item_id=lead, trigger="take_up", data={"disposal": "talk_inquiry"})
    assert schedule(rt, lead).next_check_at == item_row(rt, lead).remind_at


@pytest.fixture
def on_v2(db_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[tuple[Runtime, int]]:
    """A database that ran lead.yaml v2 and holds a v2 lead under investigation; then opened
    with today's files."""
    folder = tmp_path / "v2"
    folder.mkdir()
    shutil.copy(V2 / "lead.yaml", folder / "lead.yaml")
    shutil.copy(default_workflows_dir() / "rectification.yaml", folder / "rectification.yaml")
    before = open_runtime(db_url, folder, clock=clock)
    with write_tx(before.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    office = actors_of(before)[OFFICE]
    lead = new_lead(before, office)
    fire_all(before, office, lead, [TRANSFER, ("accept", {})])
    before.db.dispose()
    rt = open_runtime(db_url, default_workflows_dir(), clock=clock)
    try:
        yield rt, lead
    finally:
        rt.db.dispose()


def test_leads_on_version_2_keep_working_without_a_disposal(
        on_v2: tuple[Runtime, int]) -> None:
    """A v2 lead closes the v2 way (no disposal, which v2 does not know) while new leads
    start on the newest version (v3 on) and must give one."""
    rt, lead = on_v2
    office = actors_of(rt)[OFFICE]
    newest = rt.registry.latest("lead").version
    assert newest >= 3
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=office, item_id=lead, trigger="close",
              data={"outcome": "unfounded", "conclusion": "查无实据", "disposal": "dismiss"})
    assert set(info.value.fields) == {"disposal"}
    apply(rt, actor=office, item_id=lead, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据"})
    row = item_row(rt, lead)
    assert (row.state, row.workflow_version) == ("closed", 2)
    fresh = new_lead(rt, office)
    assert item_row(rt, fresh).workflow_version == newest


LEAD_TEXT = (default_workflows_dir() / "lead.yaml").read_text("utf-8")


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("disposal: {required: true, values: [park]}",
     "disposal: {required: true, values: [parking]}", "disposal can never be 'parking'"),
    ("disposal: {required: true, values: [park]}",
     "disposal: {required: true, values: []}", "values must be a non-empty list"),
    ("disposal: {required: true, values: [park]}",
     "disposal: {required: maybe, values: [park]}", "required must be true or false"),
    ("disposal: {required: true, values: [park]}",
     "disposal: {needed: true}", "unknown setting(s): ['needed']"),
    ("      conclusion: required\n      disposal: {required: true, values: [dismiss]}",
     "      conclusion: {values: [dismiss]}\n      disposal: {required: true, values: [dismiss]}",
     "only an enum field's values can be narrowed"),
    ("    review: {every: {working_days: 20}}",
     "    review: {every: {working_days: 20}}\n    deadline: {working_days: 5}\n"
     "    pauses_clock: false", "only a state that pauses the clock is reviewed"),
    ("review: {every: {working_days: 20}}", "review: {working_days: 20}",
     "review must be `{every: DURATION}`"),
])
def test_the_loader_checks_narrowed_values_and_reviews(old: str, new: str,
                                                       problem: str) -> None:
    assert old in LEAD_TEXT
    with pytest.raises(DefinitionError) as info:
        parse_definition(LEAD_TEXT.replace(old, new, 1), "lead.yaml")
    assert problem in str(info.value)
