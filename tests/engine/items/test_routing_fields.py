"""Where an item goes: only a transition that sets the unit or assignee may move or reassign
an item; creating an item with a unit routes it exactly as a transfer does; an assignee must
work in the unit the item goes to or inside that unit's jurisdiction; an optional item
reference left out is simply not looked up."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import InvalidData, NotFound
from engine.items.queries import ItemFilters, list_items
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import USER
from engine.storage.db import read_tx
from tests.engine.helpers import event_count, item_row, jid, unit_id
from tests.engine.items.probe import probe_actors, probe_rt

__all__ = ["probe_actors", "probe_rt"]  # fixtures used below

OFFICE, DC_HANDLER, CITY_HANDLER = "市办-线索组", "东城公安-承办人", "市公安-承办人"
LEAD = {"channel": "letter", "category": "law_enforcement"}


def _lead(rt: Runtime, office: Actor, **kwargs: Any) -> int:
    return create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="线索", data=LEAD, **kwargs).item_id


def test_undeclared_unit_is_refused_and_nothing_changes(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """return_for_info does not set `unit`, so passing one is a 422-style error."""
    office = actors_sqlite[OFFICE]
    item_id = _lead(rt_sqlite, office)
    before = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as err:
        apply(rt_sqlite, actor=office, item_id=item_id, trigger="return_for_info",
              data={"reason": "补充材料", "unit": "dc-police"})
    assert err.value.fields == {"unit": "is not accepted by return_for_info (accepted: reason)"}
    row = item_row(rt_sqlite, item_id)
    assert (row.state, row.jurisdiction_id, row.version) == ("received", jid(rt_sqlite, "5101"), 1)
    assert event_count(rt_sqlite) == before


def test_transfer_may_name_an_optional_assignee(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """transfer declares an optional assignee: given, it is set; left out, it is not needed."""
    office, handler = actors_sqlite[OFFICE], actors_sqlite[DC_HANDLER]
    first, second = _lead(rt_sqlite, office), _lead(rt_sqlite, office)
    apply(rt_sqlite, actor=office, item_id=first, trigger="transfer",
          data={"unit": "dc-police", "assignee": handler.user_id})
    apply(rt_sqlite, actor=office, item_id=second, trigger="transfer", data={"unit": "dc-police"})
    assert item_row(rt_sqlite, first).assignee_id == handler.user_id
    assert item_row(rt_sqlite, second).assignee_id is None


def test_creating_with_a_unit_routes_like_a_transfer(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """A city lead created for 东城公安 lands in 东城's jurisdiction, like a transferred one:
    东城's handler finds it in the queue and can act on it."""
    office, handler = actors_sqlite[OFFICE], actors_sqlite[DC_HANDLER]
    created = _lead(rt_sqlite, office, unit="dc-police")
    transferred = _lead(rt_sqlite, office)
    apply(rt_sqlite, actor=office, item_id=transferred, trigger="transfer",
          data={"unit": "dc-police"})
    places = {(r.jurisdiction_id, r.unit_id) for r in
              (item_row(rt_sqlite, created), item_row(rt_sqlite, transferred))}
    assert places == {(jid(rt_sqlite, "510101"), unit_id(rt_sqlite, "dc-police"))}
    with read_tx(rt_sqlite.db) as conn:
        queue = list_items(conn, handler, ItemFilters(), now=rt_sqlite.clock.now(), limit=10)
    assert created in {r.id for r in queue.rows}
    apply(rt_sqlite, actor=handler, item_id=created, trigger="return_for_info",
          data={"reason": "请补充"})
    assert item_row(rt_sqlite, created).state == "returned"


def test_creating_with_a_unit_out_of_scope_is_refused(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """A county office cannot create an item for a unit of another county."""
    n = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as info:
        create_item(rt_sqlite, actor=actors_sqlite["东城办-联络员"], workflow="lead",
                    jurisdiction_id=jid(rt_sqlite, "510101"), title="线索", data=LEAD,
                    unit="xc-police")
    assert info.value.fields == {"unit": "unknown unit"}
    assert event_count(rt_sqlite) == n


def _user(rt: Runtime, name: str) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(USER.c.id).where(USER.c.name == name)).scalar_one())


@pytest.mark.parametrize(("unit", "assignee", "ok"), [
    ("dc-police", DC_HANDLER, True),         # works in the unit
    ("city-police", CITY_HANDLER, True),     # works in the unit
    ("city-police", DC_HANDLER, True),       # inside the city police's jurisdiction subtree
    ("dc-police", CITY_HANDLER, False),      # above the unit: not its handler
    ("dc-police", "西城公安-承办人", False),   # another county
])
def test_an_assignee_must_work_in_the_unit_or_below_it(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor], unit: str, assignee: str,
        ok: bool) -> None:
    """The city office sees every county's handlers, but may hand a lead for 东城公安 only
    to someone of 东城公安 or inside 东城."""
    office = actors_sqlite[OFFICE]
    item = _lead(rt_sqlite, office)
    data = {"unit": unit, "assignee": _user(rt_sqlite, assignee)}
    if ok:
        apply(rt_sqlite, actor=office, item_id=item, trigger="transfer", data=data)
        assert item_row(rt_sqlite, item).assignee_id == data["assignee"]
        return
    n = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as info:
        apply(rt_sqlite, actor=office, item_id=item, trigger="transfer", data=data)
    assert set(info.value.fields) == {"assignee"}
    assert (item_row(rt_sqlite, item).state, event_count(rt_sqlite)) == ("received", n)


def test_accept_assigns_only_inside_the_items_unit(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """Without a new unit the target is the item's own: a lead at 东城公安 cannot be
    accepted onto a city handler."""
    office = actors_sqlite[OFFICE]
    item = _lead(rt_sqlite, office, unit="dc-police")
    apply(rt_sqlite, actor=office, item_id=item, trigger="transfer", data={"unit": "dc-police"})
    with pytest.raises(InvalidData):
        apply(rt_sqlite, actor=office, item_id=item, trigger="accept",
              data={"assignee": _user(rt_sqlite, CITY_HANDLER), "disposal": "talk_inquiry"})
    apply(rt_sqlite, actor=office, item_id=item, trigger="accept",
          data={"assignee": _user(rt_sqlite, DC_HANDLER), "disposal": "talk_inquiry"})
    assert item_row(rt_sqlite, item).state == "investigating"


def test_an_absent_optional_item_ref_is_not_looked_up_in_a_version_1_file(
        probe_rt: Runtime, probe_actors: dict[str, Actor]) -> None:
    """refs' finish (written the version-1 way) takes an optional `related`: left out,
    finish works instead of failing on the missing key."""
    office = probe_actors[OFFICE]
    item = create_item(probe_rt, actor=office, workflow="refs",
                       jurisdiction_id=jid(probe_rt, "5101"), title="引用").item_id
    apply(probe_rt, actor=office, item_id=item, trigger="finish", data={})
    assert item_row(probe_rt, item).state == "done"


def test_an_absent_optional_item_ref_is_not_looked_up(
        probe_rt: Runtime, probe_actors: dict[str, Actor]) -> None:
    """probe's approve takes an optional `related` item: left out, approve just works; given,
    it must name another visible probe item."""
    office = probe_actors[OFFICE]
    first, second = (create_item(probe_rt, actor=office, workflow="probe",
                                 jurisdiction_id=jid(probe_rt, "5101"), title="探针",
                                 data={"grade": "a"}).item_id for _ in range(2))
    apply(probe_rt, actor=office, item_id=first, trigger="approve", data={})
    with pytest.raises(InvalidData) as info:
        apply(probe_rt, actor=office, item_id=second, trigger="approve",
              data={"related": 99999})
    assert set(info.value.fields) == {"related"}
    apply(probe_rt, actor=office, item_id=second, trigger="approve", data={"related": first})
    assert item_row(probe_rt, second).data["related"] == first


def test_a_rectification_unit_is_set_when_assigning_not_at_creation(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """rectification's unit field may not be given at creation (create_roles: [])."""
    with pytest.raises(InvalidData) as info:
        create_item(rt_sqlite, actor=actors_sqlite[OFFICE], workflow="rectification",
                    jurisdiction_id=jid(rt_sqlite, "5101"), title="整改",
                    data={"source": "self_inspection"}, unit="city-police")
    assert info.value.fields == {"unit": "is set by a transition, not at creation"}


def test_an_unknown_item_is_still_not_found(rt_sqlite: Runtime,
                                            actors_sqlite: dict[str, Actor]) -> None:
    """Routing checks come after scope: an item out of reach is NotFound, whatever the data."""
    with pytest.raises(NotFound):
        apply(rt_sqlite, actor=actors_sqlite[OFFICE], item_id=424242, trigger="transfer",
              data={"unit": "dc-police", "assignee": 1})
