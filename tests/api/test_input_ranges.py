"""Numbers and cursors outside what the database can hold are input errors (4xx), on both
databases: PostgreSQL's id columns are `integer`, and psycopg raises NumericValueOutOfRange
when a larger number is compared with one; SQLite refuses integers past 64 bits."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from engine.errors import InvalidData
from engine.intake.links import link_leads
from engine.org.tree import actor_for_user
from engine.storage.db import read_tx
from tests.engine.helpers import event_count
from tests.fixtures.api import CITY_OFFICE, SUPERVISOR, Api

HUGE = [2**31, 2**40, 2**63, 2**70]


def cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


BAD_CURSORS = [
    ("newest", cursor({"o": "newest", "id": 2**31})),
    ("newest", cursor({"o": "newest", "id": 2**70})),
    ("newest", cursor({"o": "newest", "id": True})),
    ("newest", cursor({"o": "newest", "id": "1"})),
    ("newest", cursor({"o": "newest", "id": -5})),
    ("newest", cursor([1, 2])),
    ("newest", base64.urlsafe_b64encode(b"[" * 140 + b"]" * 140).decode()),
    ("newest", "!!not-base64!!"),
    ("due", cursor({"o": "due", "id": 1, "due": "0001-01-01T00:00:00+05:00"})),
    ("due", cursor({"o": "due", "id": 1, "due": "9999-12-31T23:59:59-05:00"})),
    ("due", cursor({"o": "due", "id": 1, "due": "2026-03-02T01:00:00"})),
    ("due", cursor({"o": "due", "id": 1, "due": 12345})),
    ("due", cursor({"o": "due", "id": 1})),
]


@pytest.mark.parametrize(("order", "value"), BAD_CURSORS)
def test_a_cursor_with_values_out_of_range_is_422(api: Api, order: str, value: str) -> None:
    """A cursor comes back from the client: an id past the id columns, a time Python cannot
    hold in UTC, or any other malformed key is the same clear 422."""
    api.create_lead()
    r = api.client.get("/v1/items", params={"order": order, "cursor": value},
                       headers=api.as_(CITY_OFFICE))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["fields"] == {"cursor": "invalid"}


def test_a_cursor_the_server_wrote_still_pages(api: Api) -> None:
    for _ in range(3):
        api.create_lead()
    hdr = api.as_(CITY_OFFICE)
    first = api.client.get("/v1/items", params={"limit": 2}, headers=hdr).json()
    rest = api.client.get("/v1/items", params={"limit": 2, "cursor": first["next_cursor"]},
                          headers=hdr).json()
    assert len(first["items"]) == 2
    assert len(rest["items"]) == 1


@pytest.mark.parametrize("value", HUGE)
def test_an_assignee_past_the_id_range_is_422_and_nothing_moves(api: Api, value: int) -> None:
    """`assignee: 2**40` names no user: refused like an unknown one, not a 500."""
    item = api.create_lead()
    before = event_count(api.rt)
    r = api.fire(item["id"], "transfer", data={"unit": "dc-police", "assignee": value})
    assert r.status_code == 422, r.text
    assert "assignee" in r.json()["fields"]
    assert event_count(api.rt) == before
    assert api.client.get(f"/v1/items/{item['id']}",
                          headers=api.as_(CITY_OFFICE)).json()["state"] == "received"


@pytest.mark.parametrize("value", HUGE)
def test_an_item_reference_past_the_id_range_is_422(api: Api, value: int) -> None:
    item = api.create_lead()
    r = api.fire(item["id"], "merge", data={"merge_into": value})
    assert r.status_code == 422, r.text
    assert "merge_into" in r.json()["fields"]


@pytest.mark.parametrize("value", [2**31, 2**40, 2**62])
def test_an_audit_page_cursor_past_the_id_range_is_422(api: Api, value: int) -> None:
    r = api.client.get("/v1/audit/events", params={"after": value},
                       headers=api.as_(SUPERVISOR))
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("value", HUGE)
def test_linking_to_an_id_past_the_range_is_invalid(api: Api, value: int) -> None:
    """The engine function behind the links route checks it too (the CLI has no schema)."""
    item = api.create_lead()
    with read_tx(api.rt.db) as conn:
        office = actor_for_user(conn, api.user_ids[CITY_OFFICE])
    before = event_count(api.rt)
    with pytest.raises(InvalidData) as info:
        link_leads(api.rt, actor=office, item_id=item["id"], other_id=value)
    assert "other_id" in info.value.fields
    assert event_count(api.rt) == before
