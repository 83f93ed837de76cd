"""The warning light in item responses (code and word) and `GET /v1/items?light=`."""

from __future__ import annotations

from datetime import timedelta

from engine.kernel.clock import ManualClock
from tests.fixtures.api import CITY_OFFICE, Api


def test_items_carry_their_light_and_lists_filter_by_it(api: Api, clock: ManualClock) -> None:
    old = api.create_lead()
    assert (old["light"], old["light_label"]) == ("green", "绿")
    clock.advance(timedelta(days=4))  # Friday 09:00 China time: at old's reminder point
    fresh = api.create_lead()
    paused = api.create_lead()
    assert api.fire(paused["id"], "return_for_info", data={"reason": "缺材料"}).status_code == 200
    me = api.as_(CITY_OFFICE)
    got = api.client.get(f"/v1/items/{old['id']}", headers=me).json()
    assert (got["light"], got["light_label"]) == ("yellow", "黄")
    clock.advance(timedelta(days=3))  # Monday 09:00: old is due
    listed = {i["id"]: (i["light"], i["light_label"])
              for i in api.client.get("/v1/items", headers=me).json()["items"]}
    assert listed == {old["id"]: ("red", "红"), fresh["id"]: ("green", "绿"),
                      paused["id"]: (None, "")}
    for light, want in (("red", [old["id"]]), ("green", [fresh["id"]]), ("yellow", [])):
        r = api.client.get("/v1/items", params={"light": light}, headers=me)
        assert r.status_code == 200, r.text
        assert [i["id"] for i in r.json()["items"]] == want
    bad = api.client.get("/v1/items", params={"light": "blue"}, headers=me)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
