"""Version-1 bodies, stored before workflows declared their fields, still load from the
database, and items on them keep their version. Their fields are derived (each vocabulary and
each `requires:` field), and the same rules hold: a trigger takes only what it declares and
its conditions look at the stored data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import InvalidData
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.storage.db import write_tx
from engine.workflow.loader import default_workflows_dir
from tests.conftest import EXAMPLE_ORG, actors_of
from tests.engine.helpers import events, fire_all, item_row, jid

LEGACY = Path(__file__).parent / "legacy"  # lead.yaml and rectification.yaml as shipped in v1
OFFICE = "市办-线索组"


@pytest.fixture
def upgraded(db_url: str, clock: ManualClock) -> Iterator[tuple[Runtime, int, int]]:
    """A database that ran the v1 files, holding a v1 lead of each category; then opened
    with today's files. Yields (runtime, law-enforcement lead, violation lead)."""
    old = open_runtime(db_url, LEGACY, clock=clock)
    with write_tx(old.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    office = actors_of(old)[OFFICE]
    leads = [create_item(old, actor=office, workflow="lead", jurisdiction_id=jid(old, "5101"),
                         title="旧线索", data={"channel": "letter", "category": category}
                         ).item_id for category in ("law_enforcement", "violation")]
    old.db.dispose()
    rt = open_runtime(db_url, default_workflows_dir(), clock=clock)
    try:
        yield rt, leads[0], leads[1]
    finally:
        rt.db.dispose()


def test_a_version_1_body_loads_with_derived_fields(upgraded: tuple[Runtime, int, int]
                                                    ) -> None:
    """The stored v1 lead loads beside the new version, its fields derived from
    vocabularies and requires; new items start on the new version."""
    rt, _, _ = upgraded
    v1, latest = rt.registry.get("lead", 1), rt.registry.latest("lead")
    assert (v1.declared, latest.declared) == (False, True)
    assert latest.version > 1
    assert {n: f.kind for n, f in v1.fields.items()} == {
        "channel": "enum", "category": "enum", "unit": "unit", "assignee": "user",
        "reason": "text", "merge_into": "item_ref", "outcome": "enum", "conclusion": "text"}


def test_items_on_version_1_keep_working_under_the_same_rules(
        upgraded: tuple[Runtime, int, int]) -> None:
    """A v1 lead is transferred, accepted and closed on v1; what a v1 trigger requires is
    stored as v1 stored it; a key it does not declare is refused."""
    rt, lead, _ = upgraded
    office = actors_of(rt)[OFFICE]
    fire_all(rt, office, lead, [("transfer", {"unit": "city-police"}), ("accept", {})])
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=office, item_id=lead, trigger="close",
              data={"outcome": "unfounded", "conclusion": "查无实据", "category": "violation"})
    assert set(info.value.fields) == {"category"}
    apply(rt, actor=office, item_id=lead, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据"})
    row = item_row(rt, lead)
    assert (row.state, row.workflow_version) == ("closed", 1)
    assert row.data == {"channel": "letter", "category": "law_enforcement",
                        "outcome": "unfounded", "conclusion": "查无实据"}
    assert {e.workflow_version for e in events(rt, lead)} == {1}


def test_a_version_1_condition_cannot_be_met_by_sending_the_field(
        upgraded: tuple[Runtime, int, int]) -> None:
    """On v1 too, only a lead stored as a violation goes to discipline inspection."""
    rt, law_enforcement, violation = upgraded
    office: Actor = actors_of(rt)[OFFICE]
    with pytest.raises(InvalidData):
        apply(rt, actor=office, item_id=law_enforcement, trigger="transfer_to_discipline",
              data={"reason": "涉嫌违纪", "category": "violation"})
    apply(rt, actor=office, item_id=violation, trigger="transfer_to_discipline",
          data={"reason": "涉嫌违纪"})
    assert item_row(rt, violation).state == "to_discipline"
    assert item_row(rt, law_enforcement).state == "received"
