"""Only a transition that declares `unit` or `assignee` may move or reassign an item."""

from __future__ import annotations

import pytest

from engine.errors import InvalidData
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from tests.engine.helpers import event_count, item_row, jid


def _lead(rt: Runtime, office: Actor) -> int:
    return create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="线索", data={"channel": "letter", "category": "law_enforcement"}
                       ).item_id


def test_undeclared_unit_is_refused_and_nothing_changes(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """return_for_info does not declare `unit`, so passing one is a 422-style error."""
    office = actors_sqlite["市办-线索组"]
    item_id = _lead(rt_sqlite, office)
    before = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as err:
        apply(rt_sqlite, actor=office, item_id=item_id, trigger="return_for_info",
              data={"reason": "补充材料", "unit": "dc-police"})
    assert err.value.fields == {"unit": "not accepted by this trigger"}
    row = item_row(rt_sqlite, item_id)
    assert (row.state, row.jurisdiction_id, row.version) == ("received", jid(rt_sqlite, "5101"), 1)
    assert event_count(rt_sqlite) == before


def test_transfer_may_name_an_optional_assignee(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """transfer declares an optional assignee: given, it is set; left out, it is not needed."""
    office, handler = actors_sqlite["市办-线索组"], actors_sqlite["东城公安-承办人"]
    first, second = _lead(rt_sqlite, office), _lead(rt_sqlite, office)
    apply(rt_sqlite, actor=office, item_id=first, trigger="transfer",
          data={"unit": "dc-police", "assignee": handler.user_id})
    apply(rt_sqlite, actor=office, item_id=second, trigger="transfer", data={"unit": "dc-police"})
    assert item_row(rt_sqlite, first).assignee_id == handler.user_id
    assert item_row(rt_sqlite, second).assignee_id is None


@pytest.mark.parametrize("key", ["reporter", "reporter_name", "reporter_contact"])
def test_identity_never_goes_into_item_data(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor], key: str) -> None:
    """Generic item creation refuses reporter identity keys: they belong to lead intake."""
    office = actors_sqlite["市办-线索组"]
    before = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as err:
        create_item(rt_sqlite, actor=office, workflow="lead",
                    jurisdiction_id=jid(rt_sqlite, "5101"), title="线索",
                    data={"channel": "letter", key: "张三 13800000000"})
    assert key in err.value.fields
    assert event_count(rt_sqlite) == before
