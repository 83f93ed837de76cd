"""`item_detail_json` (the transition and create answers) is exactly
`item_detail(...).model_dump(mode="json")`: the same JSON text, for items of both workflows
in several states, as seen by every actor who may see them."""

from __future__ import annotations

import json

from api.views import item_detail, item_detail_json
from engine.errors import NotFound
from engine.items import apply, create_item, get_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import ITEM, read_tx
from tests.engine.helpers import jid

OFFICE = "市办-线索组"
LEAD = {"channel": "letter", "category": "law_enforcement"}
CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "preliminary_check"}


def test_item_detail_json_is_item_details_json(rt: Runtime, actors: dict[str, Actor]
                                               ) -> None:
    office = actors[OFFICE]
    city = jid(rt, "5101")
    create_item(rt, actor=office, workflow="lead", jurisdiction_id=city, title="新", data=LEAD)
    create_item(rt, actor=office, workflow="rectification", jurisdiction_id=city,
                title="超期羁押问题整治", data={"source": "guidance_group"})
    steps = [("transfer", {"unit": "city-police"}), ("accept", {"disposal": "preliminary_check"}),
             ("close", CLOSE), ("reopen", {"reason": "新的举报材料"})]
    for n in range(1, len(steps) + 1):
        item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=city,
                           title=f"线索 {n}", data=LEAD).item_id
        for trigger, data in steps[:n]:
            apply(rt, actor=office, item_id=item, trigger=trigger, data=data)
    compared = 0
    with read_tx(rt.db) as conn:
        ids = conn.execute(ITEM.select().with_only_columns(ITEM.c.id)).scalars().all()
        for item_id in ids:
            for actor in actors.values():
                try:
                    row = get_item(conn, actor, item_id)
                except NotFound:
                    continue
                want = item_detail(row, rt, actor).model_dump(mode="json")
                for _ in range(2):  # the second answer comes from the cache
                    got = item_detail_json(row, rt, actor)
                    assert json.dumps(got, ensure_ascii=False) == json.dumps(
                        want, ensure_ascii=False)
                compared += 1
    assert compared >= 2 * len(ids)
