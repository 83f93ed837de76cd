"""Broken object-level authorisation matrix, built from `app.routes`: every route that takes
an item id answers 404, exactly like a missing item, to a user of a sibling county, to a
handler of another unit in the same county, and to the reporting platform (client) for a
lead it did not hand in. A new item route without an entry below fails
`test_every_item_route_has_a_matrix_entry`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from tests.fixtures.api import ADMIN, CLIENT, DC_HANDLER, DC_OFFICE, XC_OFFICE, Api

ITEM_PARAM = re.compile(r"\{(item_id|lead_id|id)\}")
DC_COURT_HANDLER = "东城法院-承办人"  # added by `court_handler`: same county, another unit

# (method, path template) -> keyword arguments of the request (body, params).
MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/v1/items/{item_id}"): {},
    ("GET", "/v1/items/{item_id}/history"): {},
    ("POST", "/v1/items/{item_id}/transitions"): {
        "json": {"trigger": "return_for_info", "data": {"reason": "补充"}}},
    # lead intake (api/routes/leads.py)
    ("GET", "/v1/items/{item_id}/links"): {},
    ("POST", "/v1/items/{item_id}/links"): {"json": {"other_id": 999999}},
    ("POST", "/v1/items/{item_id}/reporter"): {"json": {"reason": "核实举报内容"}},
    # supervision (api/routes/supervision.py); a notice or extension id in the path is 1
    ("GET", "/v1/items/{item_id}/supervision"): {},
    ("POST", "/v1/items/{item_id}/supervision"): {
        "json": {"level": "general", "requirement": "报告进展"}},
    ("POST", "/v1/items/{item_id}/supervision/{notice_id}/reply"): {"json": {"reply": "已办"}},
    ("POST", "/v1/items/{item_id}/supervision/{notice_id}/accept"): {"json": {}},
    ("POST", "/v1/items/{item_id}/supervision/{notice_id}/return"): {"json": {"reason": "x"}},
    ("POST", "/v1/items/{item_id}/extensions"): {"json": {"working_days": 1, "reason": "x"}},
    ("POST", "/v1/items/{item_id}/extensions/{extension_id}/approve"): {"json": {}},
    ("POST", "/v1/items/{item_id}/extensions/{extension_id}/refuse"): {"json": {"reason": "x"}},
}
OTHER_ID = re.compile(r"\{(notice_id|extension_id)\}")


def item_routes(api: Api) -> list[tuple[str, str]]:
    """(method, path) of every served API route with an item id in its path. FastAPI
    includes routers lazily, so `app.routes` is walked through `iter_route_contexts`. The
    console's pages (outside /v1, signed in by session, not token) have their own matrix:
    tests/console/test_item.py::test_a_sibling_county_gets_404_for_every_url_naming_the_item."""
    out = []
    for route in iter_route_contexts(api.app.routes):
        if route.path and route.path.startswith("/v1/") and ITEM_PARAM.search(route.path):
            methods = set(route.methods or ()) - {"HEAD", "OPTIONS"}
            out += [(m, route.path) for m in sorted(methods)]
    return out


def test_every_item_route_has_a_matrix_entry(api_sqlite: Api) -> None:
    """Each route taking an item id is listed in MATRIX (add it when adding a route)."""
    served = item_routes(api_sqlite)
    assert ("GET", "/v1/items/{item_id}") in served  # the walk over app.routes works
    missing = [r for r in served if r not in MATRIX]
    assert not missing, f"add these routes to MATRIX in {__file__}: {missing}"


def _call(api: Api, method: str, path: str, item_id: int, who: str) -> Any:
    url = OTHER_ID.sub("1", ITEM_PARAM.sub(str(item_id), path))
    return api.client.request(method, url, headers=api.as_(who), **MATRIX[(method, path)])


def _outsider_gets_404(api: Api, route: tuple[str, str], item: int, outsider: str,
                       owner: str) -> None:
    """`outsider` gets 404 on `item` (same as a missing item) and changes nothing; `owner`,
    who may see it, does not get 404."""
    method, path = route
    assert route in item_routes(api), f"{route} is in MATRIX but not served"
    before = api.client.get(f"/v1/items/{item}", headers=api.as_(DC_OFFICE)).json()
    assert _call(api, method, path, item, outsider).status_code == 404
    assert _call(api, method, path, 999999, outsider).status_code == 404
    after = api.client.get(f"/v1/items/{item}", headers=api.as_(DC_OFFICE)).json()
    assert after == before  # nothing was changed by the refused call
    mine = _call(api, method, path, item, owner)
    # the owner passes the item's scope check; a notice or extension the item does not have
    # is then its own 404, which names it
    assert mine.status_code != 404 or mine.json()["detail"] != f"item {item} not found"


@pytest.fixture
def court_handler(api: Api) -> str:
    """A handler of 东城区法院, in the same county as 东城公安's handler, made by the admin."""
    r = api.client.post("/v1/users", headers=api.as_(ADMIN), json={
        "name": DC_COURT_HANDLER, "role": "handler", "jurisdiction": "510101",
        "unit": "dc-court"})
    assert r.status_code == 201, r.text
    api.tokens[DC_COURT_HANDLER] = r.json()["token"]
    return DC_COURT_HANDLER


ROUTES = pytest.mark.parametrize("route", list(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")


@ROUTES
def test_sibling_county_gets_404(api: Api, route: tuple[str, str]) -> None:
    """A user of a sibling county gets 404 (same as a missing item); the owner does not."""
    item = api.create_lead(jurisdiction="510101")["id"]
    _outsider_gets_404(api, route, item, XC_OFFICE, DC_OFFICE)


@ROUTES
def test_handler_of_another_unit_in_the_county_gets_404(api: Api, court_handler: str,
                                                        route: tuple[str, str]) -> None:
    """东城法院's handler gets 404 on 东城公安's lead, in their own county; 东城公安's
    handler does not."""
    item = api.create_lead(jurisdiction="510101", unit="dc-police")["id"]
    _outsider_gets_404(api, route, item, court_handler, DC_HANDLER)


@ROUTES
def test_client_gets_404_for_a_staff_entered_lead(api: Api, route: tuple[str, str]) -> None:
    """The reporting platform gets 404 on a lead the office entered; on its own it does not
    (then the owner in `_outsider_gets_404` is the platform, on the lead it handed in)."""
    staff = api.create_lead(jurisdiction="510101")["id"]
    own = api.create_lead(who=CLIENT, jurisdiction="510101")["id"]
    _outsider_gets_404(api, route, staff, CLIENT, DC_OFFICE)
    _outsider_gets_404(api, route, own, XC_OFFICE, CLIENT)
