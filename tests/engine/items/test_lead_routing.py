"""Lead transitions that involve other objects: merging into another lead, transferring to a
unit (which moves the lead's jurisdiction), jurisdiction scope, and the paused clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.errors import InvalidData, NotFound
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from tests.engine.helpers import event_count, events, fire_all, item_row, jid, unit_id
from tests.engine.items.test_lead_workflow import CLOSE, OFFICE, ROUTES, new_lead

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

DC_OFFICE, DC_HANDLER, XC_OFFICE = "东城办-联络员", "东城公安-承办人", "西城办-联络员"


def test_merge_into_another_lead_links_both(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A merged lead ends in 'merged'; the lead it went into records a link to it."""
    office = actors[OFFICE]
    target, dup = new_lead(rt, office), new_lead(rt, office)
    apply(rt, actor=office, item_id=dup.item_id, trigger="merge",
          data={"merge_into": target.item_id})
    assert item_row(rt, dup.item_id).state == "merged"
    link = events(rt, target.item_id)[-1]
    assert (link.trigger, link.data["item_id"]) == ("link", dup.item_id)
    assert item_row(rt, target.item_id).state == "received"


@pytest.mark.parametrize("target", ["itself", "rectification", "missing", "out_of_scope",
                                    "not_an_id"])
def test_merge_into_must_be_another_visible_lead(rt: Runtime, actors: dict[str, Actor],
                                                 target: str) -> None:
    """merge_into must name another lead the actor can see; anything else writes nothing."""
    dc_office = actors[DC_OFFICE]
    item = new_lead(rt, dc_office, code="510101").item_id
    other: Any = {
        "itself": item,
        "rectification": create_item(rt, actor=dc_office, workflow="rectification",
                                     jurisdiction_id=jid(rt, "510101"), title="整改",
                                     data={"source": "self_inspection"}).item_id,
        "missing": 9999,
        "out_of_scope": new_lead(rt, actors[XC_OFFICE], code="510102").item_id,
        "not_an_id": "LEAD-1",
    }[target]
    n = event_count(rt)
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=dc_office, item_id=item, trigger="merge", data={"merge_into": other})
    assert set(info.value.fields) == {"merge_into"}
    assert item_row(rt, item).state == "received"
    assert event_count(rt) == n


def test_transfer_moves_the_lead_to_the_units_jurisdiction(rt: Runtime,
                                                          actors: dict[str, Actor]) -> None:
    """Transferring a city lead to a county unit puts it in that county, with that unit."""
    item = new_lead(rt, actors[OFFICE]).item_id
    change = apply(rt, actor=actors[OFFICE], item_id=item, trigger="transfer",
                   data={"unit": "dc-police"})
    row = item_row(rt, item)
    assert (row.jurisdiction_id, row.unit_id) == (jid(rt, "510101"), unit_id(rt, "dc-police"))
    assert change.jurisdiction_id == jid(rt, "510101")


def test_the_receiving_county_can_work_a_transferred_lead(rt: Runtime,
                                                          actors: dict[str, Actor]) -> None:
    """After transfer to 东城, 东城's handler accepts and closes the lead."""
    item = new_lead(rt, actors[OFFICE]).item_id
    apply(rt, actor=actors[OFFICE], item_id=item, trigger="transfer", data={"unit": "dc-police"})
    fire_all(rt, actors[DC_HANDLER], item, [("accept", ACCEPT), ("close", CLOSE)])
    assert item_row(rt, item).state == "closed"


def test_another_county_does_not_see_a_transferred_lead(rt: Runtime,
                                                        actors: dict[str, Actor]) -> None:
    """A lead transferred to 东城 is NotFound for 西城's office."""
    item = new_lead(rt, actors[OFFICE]).item_id
    apply(rt, actor=actors[OFFICE], item_id=item, trigger="transfer", data={"unit": "dc-police"})
    with pytest.raises(NotFound):
        apply(rt, actor=actors[XC_OFFICE], item_id=item, trigger="accept", data=ACCEPT)


@pytest.mark.parametrize("unit", ["city-police", "xc-police", "no-such-unit"])
def test_transfer_to_a_unit_outside_scope_is_refused(rt: Runtime, actors: dict[str, Actor],
                                                     unit: str) -> None:
    """A county office cannot transfer to a unit above or beside it, nor to an unknown one."""
    item = new_lead(rt, actors[DC_OFFICE], code="510101").item_id
    with pytest.raises(InvalidData) as info:
        apply(rt, actor=actors[DC_OFFICE], item_id=item, trigger="transfer",
              data={"unit": unit})
    assert info.value.fields == {"unit": "unknown unit"}
    row = item_row(rt, item)
    assert (row.state, row.jurisdiction_id, row.unit_id) == (
        "received", jid(rt, "510101"), None)


def test_out_of_scope_item_is_not_found(rt: Runtime, actors: dict[str, Actor]) -> None:
    """An item of another county looks exactly like a missing one: NotFound, never 'forbidden'."""
    item = new_lead(rt, actors[DC_OFFICE], code="510101").item_id
    with pytest.raises(NotFound) as hidden:
        apply(rt, actor=actors[XC_OFFICE], item_id=item, trigger="transfer",
              data={"unit": "xc-police"})
    with pytest.raises(NotFound) as missing:
        apply(rt, actor=actors[XC_OFFICE], item_id=99999, trigger="transfer")
    assert str(hidden.value) == f"item {item} not found"
    assert str(missing.value) == "item 99999 not found"


def test_county_cannot_create_in_the_city(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Creating in a jurisdiction above the actor's is NotFound and creates nothing."""
    n = event_count(rt)
    with pytest.raises(NotFound):
        new_lead(rt, actors[DC_OFFICE], code="5101")
    assert event_count(rt) == n


def test_city_sees_county_leads(rt: Runtime, actors: dict[str, Actor]) -> None:
    """The city office may act on a lead created in one of its counties."""
    item = new_lead(rt, actors[DC_OFFICE], code="510101").item_id
    apply(rt, actor=actors[OFFICE], item_id=item, trigger="transfer", data={"unit": "dc-court"})
    assert item_row(rt, item).state == "transferred"


def test_suspend_and_resume_keep_the_remaining_deadline(
        rt: Runtime, actors: dict[str, Actor], clock: ManualClock) -> None:
    """A week suspended moves the investigation deadline a week later; the pause has none."""
    office = actors[OFFICE]
    item = new_lead(rt, office).item_id
    fire_all(rt, office, item, ROUTES["investigating"])
    due = item_row(rt, item).due_at
    clock.advance(timedelta(days=2))
    apply(rt, actor=office, item_id=item, trigger="suspend", data={"reason": "等待鉴定"})
    paused = item_row(rt, item)
    assert (paused.due_at, paused.paused_state) == (None, "investigating")
    assert paused.paused_remaining_s > 0
    clock.advance(timedelta(days=7))
    apply(rt, actor=office, item_id=item, trigger="resume")
    assert item_row(rt, item).due_at == due + timedelta(days=7)


def test_return_and_resubmit_keep_the_remaining_deadline(
        rt: Runtime, actors: dict[str, Actor], clock: ManualClock) -> None:
    """Time spent waiting for more information does not count against 'received'."""
    office, client = actors[OFFICE], actors["检举举报平台"]
    item = new_lead(rt, client).item_id  # the client resubmits only what it handed in
    due = item_row(rt, item).due_at
    clock.advance(timedelta(hours=3))
    apply(rt, actor=office, item_id=item, trigger="return_for_info", data={"reason": "补充"})
    clock.advance(timedelta(days=14))
    apply(rt, actor=client, item_id=item, trigger="resubmit")
    assert item_row(rt, item).due_at == due + timedelta(days=14)


def test_resuming_into_another_state_starts_its_own_deadline(
        rt: Runtime, actors: dict[str, Actor], clock: ManualClock) -> None:
    """Suspended while 'transferred', resumed into 'investigating': a fresh 30 working days."""
    office = actors[OFFICE]
    item = new_lead(rt, office).item_id
    fire_all(rt, office, item, [*ROUTES["transferred"], ("suspend", {"reason": "x"})])
    clock.advance(timedelta(days=7))
    apply(rt, actor=office, item_id=item, trigger="resume")
    row = item_row(rt, item)
    assert row.due_at == rt.calendar.add_working_days(clock.now(), 30)
    assert (row.paused_state, row.paused_remaining_s) == (None, None)
