"""POST /v1/audit/verify works for a scope of any size: the items in scope are selected by
their jurisdiction's nested-set range in a subquery, never sent as a list of ids (SQLite
refuses more bound variables than its limit, 32766 by default; psycopg more than 65535)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import event

from engine.items.transition import create_item
from engine.org.tree import actor_for_user
from engine.storage.db import read_tx
from tests.fixtures.api import CITY_OFFICE, DC_OFFICE, SUPERVISOR, Api

ITEMS = 100
LOW_LIMIT = 64  # bound variables per statement: below ITEMS, above what any statement needs


def many_items(api: Api, n: int, jurisdiction: str = "510101") -> None:
    with read_tx(api.rt.db) as conn:
        office = actor_for_user(conn, api.user_ids[CITY_OFFICE])
    jid = api.jurisdiction_id(jurisdiction)
    for i in range(n):
        create_item(api.rt, actor=office, workflow="lead", jurisdiction_id=jid,
                    title=f"线索{i}", data={"channel": "letter", "category": "violation"})


def test_verify_on_sqlite_past_its_variable_limit(api_sqlite: Api) -> None:
    """With SQLite's limit lowered below the number of items in scope, verify still runs."""
    many_items(api_sqlite, ITEMS)
    many_items(api_sqlite, 3, jurisdiction="510102")

    @event.listens_for(api_sqlite.rt.db, "connect")
    def low_limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, LOW_LIMIT)

    api_sqlite.rt.db.dispose()  # pooled connections were opened with the default limit
    try:
        r = api_sqlite.client.post("/v1/audit/verify", headers=api_sqlite.as_(DC_OFFICE))
        assert r.status_code == 200, r.text
        assert (r.json()["ok"], r.json()["checked_items"]) == (True, ITEMS)
        whole = api_sqlite.client.post("/v1/audit/verify", headers=api_sqlite.as_(SUPERVISOR))
        assert whole.json()["checked_items"] == ITEMS + 3
    finally:
        event.remove(api_sqlite.rt.db, "connect", low_limit)


def test_verify_binds_a_bounded_number_of_parameters(api: Api) -> None:
    """On both databases: no statement verify runs binds more than a handful of values,
    however many items are in scope; and the scope is exactly the office's subtree."""
    many_items(api, ITEMS)
    many_items(api, 3, jurisdiction="510102")
    sizes: list[int] = []

    @event.listens_for(api.rt.db, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
              _many: bool) -> None:
        sizes.append(len(parameters or ()))

    try:
        r = api.client.post("/v1/audit/verify", headers=api.as_(DC_OFFICE))
    finally:
        event.remove(api.rt.db, "before_cursor_execute", count)
    assert r.status_code == 200, r.text
    assert (r.json()["ok"], r.json()["checked_items"], r.json()["checked_events"]) == \
        (True, ITEMS, ITEMS)
    assert sizes
    assert max(sizes) <= 10


@pytest.mark.parametrize(("who", "expected"), [(DC_OFFICE, 2), (CITY_OFFICE, 3)])
def test_verify_checks_exactly_the_scope(api: Api, who: str, expected: int) -> None:
    many_items(api, 2)
    many_items(api, 1, jurisdiction="510102")
    r = api.client.post("/v1/audit/verify", headers=api.as_(who))
    assert r.json()["checked_items"] == expected
