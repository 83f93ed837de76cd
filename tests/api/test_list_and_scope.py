"""GET /v1/items: filters, a stable cursor, and the scope rules (county / city / province)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.kernel.clock import ManualClock
from tests.fixtures.api import (
    CITY_OFFICE,
    CLIENT,
    DC_HANDLER,
    DC_OFFICE,
    SUPERVISOR,
    XC_HANDLER,
    XC_OFFICE,
    Api,
)


def _ids(api: Api, who: str, **params: Any) -> list[int]:
    r = api.client.get("/v1/items", headers=api.as_(who), params=params)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


@pytest.fixture
def spread(api: Api) -> dict[str, int]:
    """One lead in the city itself and one in each of two counties."""
    return {code: api.create_lead(jurisdiction=code, title=f"线索 {code}")["id"]
            for code in ("5101", "510101", "510102")}


def test_county_office_lists_only_its_county(api: Api, spread: dict[str, int]) -> None:
    """A county office sees that county's items only."""
    assert _ids(api, DC_OFFICE) == [spread["510101"]]
    assert _ids(api, XC_OFFICE) == [spread["510102"]]


def test_county_handler_lists_only_its_unit(api: Api, spread: dict[str, int]) -> None:
    """A county handler sees the items of their own unit, not the rest of the county (nor
    another county's): 东城公安 sees its lead, not 东城法院's, not the unassigned ones."""
    police = api.create_lead(jurisdiction="510101", unit="dc-police")["id"]
    api.create_lead(jurisdiction="510101", unit="dc-court")
    xc_police = api.create_lead(jurisdiction="510102", unit="xc-police")["id"]
    assert _ids(api, DC_HANDLER) == [police]
    assert _ids(api, XC_HANDLER) == [xc_police]
    assert _ids(api, DC_HANDLER, jurisdiction="510101") == [police]


def test_a_handler_sees_what_is_assigned_to_them(api: Api) -> None:
    """A lead of another unit assigned to the handler by name is in their queue, and theirs
    to accept."""
    item = api.create_lead(jurisdiction="510101")["id"]
    assert api.fire(item, "transfer", data={
        "unit": "dc-court", "assignee": api.user_ids[DC_HANDLER]}).status_code == 200
    assert _ids(api, DC_HANDLER) == [item]
    accepted = api.fire(item, "accept", who=DC_HANDLER, data={"disposal": "talk_inquiry"})
    assert accepted.status_code == 200


def test_a_handlers_report_counts_only_what_they_see(api: Api) -> None:
    """The summary of 东城公安's handler counts its lead, not 东城法院's."""
    api.create_lead(jurisdiction="510101", unit="dc-police")
    api.create_lead(jurisdiction="510101", unit="dc-court")
    r = api.client.get("/v1/reports/summary", headers=api.as_(DC_HANDLER))
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["by_unit"]) == (1, {"dc-police": 1})


def test_the_client_lists_only_what_it_handed_in(api: Api, spread: dict[str, int]) -> None:
    """The reporting platform lists its own submissions, never the office's leads."""
    own = api.create_lead(who=CLIENT, jurisdiction="510101")["id"]
    assert _ids(api, CLIENT) == [own]
    assert api.client.get(f"/v1/items/{own}", headers=api.as_(CLIENT)).status_code == 200


def test_city_office_lists_city_and_counties(api: Api, spread: dict[str, int]) -> None:
    """A city office sees the city and its counties, newest first."""
    assert _ids(api, CITY_OFFICE) == sorted(spread.values(), reverse=True)


def test_province_sees_everything(api: Api, spread: dict[str, int]) -> None:
    """The provincial supervisor sees every item."""
    assert sorted(_ids(api, SUPERVISOR)) == sorted(spread.values())


def test_jurisdiction_filter_takes_the_subtree(api: Api, spread: dict[str, int]) -> None:
    """?jurisdiction=5101 includes the counties below the city; a county filter only that."""
    assert len(_ids(api, SUPERVISOR, jurisdiction="5101")) == 3
    assert _ids(api, SUPERVISOR, jurisdiction="510102") == [spread["510102"]]


def test_filter_on_jurisdiction_outside_scope_is_404(api: Api,
                                                     spread: dict[str, int]) -> None:
    """Filtering on a sibling county is answered like a missing code: 404."""
    r = api.client.get("/v1/items", headers=api.as_(DC_OFFICE),
                       params={"jurisdiction": "510102"})
    assert r.status_code == 404


def test_item_of_sibling_county_is_404(api: Api, spread: dict[str, int]) -> None:
    """Reading an item of another county is 404, exactly like a missing item."""
    other = api.client.get(f"/v1/items/{spread['510102']}", headers=api.as_(DC_OFFICE))
    missing = api.client.get("/v1/items/999999", headers=api.as_(DC_OFFICE))
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(str(spread["510102"]), "N") == \
        missing.json()["detail"].replace("999999", "N")


def test_cursor_pages_through_everything_once(api: Api) -> None:
    """Following next_cursor with limit=2 returns every item exactly once, in order."""
    made = [api.create_lead(title=f"线索 {i}")["id"] for i in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.client.get("/v1/items", headers=api.as_(CITY_OFFICE), params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)


def test_bad_cursor_is_422(api_sqlite: Api) -> None:
    """A cursor the server did not make is 422."""
    r = api_sqlite.client.get("/v1/items", headers=api_sqlite.as_(CITY_OFFICE),
                              params={"cursor": "garbage!"})
    assert r.status_code == 422


def test_state_unit_and_text_filters(api: Api, spread: dict[str, int]) -> None:
    """state, unit and q (title text) narrow the list."""
    moved = spread["5101"]
    assert api.fire(moved, "transfer", data={"unit": "dc-police"}).status_code == 200
    assert _ids(api, CITY_OFFICE, state="transferred") == [moved]
    assert _ids(api, CITY_OFFICE, unit="dc-police") == [moved]
    assert _ids(api, CITY_OFFICE, q="510102") == [spread["510102"]]


def test_overdue_filter_and_due_order(api: Api, clock: ManualClock) -> None:
    """?overdue=true&order=due lists items past their deadline, earliest due first."""
    first = api.create_lead(title="早")["id"]
    clock.advance(timedelta(days=1))
    second = api.create_lead(title="晚")["id"]
    assert _ids(api, CITY_OFFICE, overdue="true") == []
    clock.advance(timedelta(days=30))
    assert _ids(api, CITY_OFFICE, overdue="true", order="due") == [first, second]
    item = api.client.get(f"/v1/items/{first}", headers=api.as_(CITY_OFFICE)).json()
    assert item["overdue"] is True


def test_created_range_filter(api: Api, clock: ManualClock) -> None:
    """created_from / created_to select by creation time (aware datetimes)."""
    api.create_lead(title="旧")
    clock.advance(timedelta(days=2))
    newer = api.create_lead(title="新")["id"]
    since = (clock.now() - timedelta(hours=1)).isoformat()
    assert _ids(api, CITY_OFFICE, created_from=since) == [newer]


def test_naive_datetime_filter_is_422(api_sqlite: Api) -> None:
    """A time filter without a zone is ambiguous: 422."""
    r = api_sqlite.client.get("/v1/items", headers=api_sqlite.as_(CITY_OFFICE),
                              params={"created_from": "2026-03-01T00:00:00"})
    assert r.status_code == 422


def test_transfer_moves_item_out_of_sender_county_scope(api: Api) -> None:
    """Transferring to another county's unit moves the item: the old county stops seeing it."""
    item = api.create_lead(who=CITY_OFFICE, jurisdiction="510101")["id"]
    assert api.fire(item, "transfer", data={"unit": "xc-police"}).status_code == 200
    assert _ids(api, DC_OFFICE) == []
    assert _ids(api, XC_OFFICE) == [item]


def test_open_filter_is_the_work_queue(api: Api) -> None:
    """?open=true leaves closed items out; ?open=false lists only them."""
    done = api.create_lead()["id"]
    api.fire(done, "transfer", data={"unit": "dc-police"})
    api.fire(done, "accept", who=DC_HANDLER, data={"disposal": "talk_inquiry"})
    api.fire(done, "close", who=DC_HANDLER,
             data={"outcome": "unfounded", "conclusion": "查无实据",
                   "disposal": "preliminary_check"})
    waiting = api.create_lead()["id"]
    assert _ids(api, CITY_OFFICE, open="true") == [waiting]
    assert _ids(api, CITY_OFFICE, open="false") == [done]
