"""Broken object-level authorisation matrix, built from `app.routes`: every route that takes
an item id, called by a user of a sibling county, answers 404 exactly like a missing item.
A new item route without an entry below fails `test_every_item_route_has_a_matrix_entry`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from tests.fixtures.api import DC_OFFICE, XC_OFFICE, Api

ITEM_PARAM = re.compile(r"\{(item_id|lead_id|id)\}")

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
}


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
    url = ITEM_PARAM.sub(str(item_id), path)
    return api.client.request(method, url, headers=api.as_(who), **MATRIX[(method, path)])


@pytest.mark.parametrize("route", list(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_sibling_county_gets_404(api: Api, route: tuple[str, str]) -> None:
    """A user of a sibling county gets 404 (same as a missing item); the owner does not."""
    method, path = route
    assert route in item_routes(api), f"{route} is in MATRIX but not served"
    item = api.create_lead(jurisdiction="510101")["id"]
    before = api.client.get(f"/v1/items/{item}", headers=api.as_(DC_OFFICE)).json()
    assert _call(api, method, path, item, XC_OFFICE).status_code == 404
    assert _call(api, method, path, 999999, XC_OFFICE).status_code == 404
    after = api.client.get(f"/v1/items/{item}", headers=api.as_(DC_OFFICE)).json()
    assert after == before  # nothing was changed by the refused call
    assert _call(api, method, path, item, DC_OFFICE).status_code != 404
