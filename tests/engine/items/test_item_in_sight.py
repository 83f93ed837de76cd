"""`item_in_sight` (the transition route's answer, on the prepared path) returns what
`get_item` returns, value for value, on both databases; None where get_item says 404."""

from __future__ import annotations

import pytest

from engine.errors import NotFound
from engine.items import apply, create_item, get_item, item_in_sight
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import read_tx
from tests.engine.helpers import jid

OFFICE, HANDLER = "市办-线索组", "市公安-承办人"
LEAD = {"channel": "letter", "category": "law_enforcement"}


def test_item_in_sight_is_get_items_row(rt: Runtime, actors: dict[str, Actor]) -> None:
    office = actors[OFFICE]
    fresh = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                        title="新线索", data=LEAD).item_id  # no unit yet
    moved = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                        title="已转办", data=LEAD).item_id
    apply(rt, actor=office, item_id=moved, trigger="transfer", data={"unit": "city-police"})
    apply(rt, actor=office, item_id=moved, trigger="accept",
          data={"disposal": "preliminary_check"})
    apply(rt, actor=office, item_id=moved, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    with read_tx(rt.db) as conn:
        for item in (fresh, moved):
            for name in (OFFICE, HANDLER):
                actor = actors[name]
                try:
                    want = dict(get_item(conn, actor, item)._mapping)
                except NotFound:
                    assert item_in_sight(conn, actor, item) is None
                    continue
                got = item_in_sight(conn, actor, item)
                assert got is not None
                assert dict(got) == want
                assert [type(v) for v in got.values()] == [type(v) for v in want.values()]
                assert list(got) == list(want)  # the same columns in the same order
        assert item_in_sight(conn, office, 10**6) is None


def test_item_in_sight_hides_what_get_item_hides(rt: Runtime, actors: dict[str, Actor]
                                                  ) -> None:
    office = actors[OFFICE]
    item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="未转办", data=LEAD).item_id
    with read_tx(rt.db) as conn:
        with pytest.raises(NotFound):
            get_item(conn, actors[HANDLER], item)
        assert item_in_sight(conn, actors[HANDLER], item) is None
