"""Input the API refuses at its edge, before any route or the database sees it: a body over
the size limit (413, with or without Content-Length), a NUL anywhere in the URL or a body, a
lone surrogate in a body, a body nested too deep, and date-time parameters that are not RFC
3339 or that leave Python's datetime range once in UTC. Each is a 4xx problem and changes
nothing, on both databases (PostgreSQL text refuses NUL; SQLite stored it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from api.app import create_app
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage import EVENT, FAILURE, ITEM, JUR, USER
from engine.storage.db import read_tx
from tests.fixtures.api import (
    ADMIN,
    CITY_OFFICE,
    CLIENT,
    LEAD,
    SECRET,
    SUPERVISOR,
    Api,
)

PROBLEM = "application/problem+json"


def counts(rt: Runtime) -> tuple[int, ...]:
    with read_tx(rt.db) as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                     for t in (ITEM, EVENT, USER, JUR, FAILURE))


def raw_post(api: Api, url: str, body: bytes | Iterator[bytes], who: str = CITY_OFFICE,
             **headers: str) -> Any:
    return api.client.post(url, content=body, headers=api.as_(who) | {
        "Content-Type": "application/json"} | headers)


def item_body(**overrides: Any) -> dict[str, Any]:
    return {"workflow": "lead", "jurisdiction": "5101", "title": "线索",
            "data": dict(LEAD)} | overrides


def test_a_body_over_the_limit_is_413_before_it_is_read(api: Api) -> None:
    """Content-Length over 1 MiB (the default): 413 problem with the request id, nothing
    stored."""
    before = counts(api.rt)
    body = json.dumps(item_body(data=LEAD | {"x": "a" * (1024 * 1024)})).encode()
    r = raw_post(api, "/v1/items", body)
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["x-request-id"]
    assert "1048576" in r.json()["detail"]
    assert counts(api.rt) == before


def test_a_chunked_body_over_the_limit_is_413(api: Api) -> None:
    """Without Content-Length (Transfer-Encoding: chunked) the bytes are counted as they
    arrive."""
    before = counts(api.rt)
    head = json.dumps(item_body())[:-1].encode() + b', "comment": "'

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(40):
            yield b"a" * 32 * 1024
        yield b'"}'

    r = raw_post(api, "/v1/items", chunks())
    assert r.status_code == 413, r.text
    assert counts(api.rt) == before


def test_a_chunked_body_within_the_limit_is_read_whole(api: Api) -> None:
    body = json.dumps(item_body()).encode()
    r = raw_post(api, "/v1/items", iter([body[:10], body[10:]]))
    assert r.status_code == 201, r.text


def test_the_limit_is_a_setting(rt: Runtime) -> None:
    app = create_app(rt, Settings(secret=SecretStr(SECRET), max_body_bytes=4096))
    client = TestClient(app)
    assert client.post("/v1/items", content=b" " * 4097).status_code == 413
    # under the limit the body reaches authentication (no token here): 401, not 413
    assert client.post("/v1/items", content=b" " * 4096).status_code == 401


@pytest.mark.parametrize("query", ["state=a%00b", "q=%00", "workflow=lead%00",
                                   "cursor=abc%00"])
def test_a_nul_in_the_query_string_is_422(api: Api, query: str) -> None:
    r = api.client.get(f"/v1/items?{query}", headers=api.as_(CITY_OFFICE))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM


def test_a_nul_in_the_path_is_422(api: Api) -> None:
    r = api.client.get("/v1/workflows/lead%00", headers=api.as_(CITY_OFFICE))
    assert r.status_code == 422


NUL = "a\u0000b"
SURROGATE = "a\ud800b"


@pytest.mark.parametrize(("who", "url", "body"), [
    (CITY_OFFICE, "/v1/items", item_body(title=NUL)),
    (CITY_OFFICE, "/v1/items", item_body(title=SURROGATE)),
    (CITY_OFFICE, "/v1/items", item_body(data=LEAD | {"x": NUL})),
    (CITY_OFFICE, "/v1/items", item_body(data=LEAD | {"x": SURROGATE})),
    (CITY_OFFICE, "/v1/items", item_body(data=LEAD | {SURROGATE: 1})),
    (CITY_OFFICE, "/v1/items", item_body(data=LEAD | {"x": {"y": [NUL]}})),
    (CITY_OFFICE, "/v1/items", item_body(unit=NUL)),
    (ADMIN, "/v1/users", {"name": NUL, "role": "handler", "jurisdiction": "510101"}),
    (ADMIN, "/v1/users", {"name": SURROGATE, "role": "handler", "jurisdiction": "510101"}),
    (ADMIN, "/v1/jurisdictions", {"code": "x1", "name": NUL, "level": "county",
                                  "parent": "5101"}),
    (CLIENT, "/v1/receipts/status", {"code": "AAAA-BBBB-CCCC-DDDD", "session": NUL}),
    (CLIENT, "/v1/receipts/status", {"code": "AAAA-BBBB-CCCC-DDDD", "session": SURROGATE}),
], ids=["title-nul", "title-surrogate", "data-nul", "data-surrogate", "data-key-surrogate",
        "data-nested-nul", "unit-nul", "user-nul", "user-surrogate", "jurisdiction-nul",
        "receipt-session-nul", "receipt-session-surrogate"])
def test_text_no_database_can_hold_is_422_and_stores_nothing(
        api: Api, who: str, url: str, body: dict[str, Any]) -> None:
    """NUL and lone surrogates in any string of any body, keys of free-form data included
    (json.dumps writes them as \\u0000 and \\ud800, as a client would)."""
    before = counts(api.rt)
    r = raw_post(api, url, json.dumps(body).encode(), who=who)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert counts(api.rt) == before


@pytest.mark.parametrize("depth", [40, 300])
def test_a_body_nested_too_deep_is_422(api: Api, depth: int) -> None:
    """Deep enough to make pydantic's serialiser give up (300) was a 500."""
    nested: Any = 1
    for _ in range(depth):
        nested = [nested]
    before = counts(api.rt)
    r = raw_post(api, "/v1/items", json.dumps(item_body(data=LEAD | {"x": nested})).encode())
    assert r.status_code == 422, r.text
    assert counts(api.rt) == before


def test_a_transition_nested_too_deep_is_refused_and_lists_still_answer(api: Api) -> None:
    """Once, such data was stored and its 200 could not be rendered: the transition was
    saved, and every list holding the item answered 500 from then on."""
    item = api.create_lead()
    nested: Any = "x"
    for _ in range(300):
        nested = [nested]
    r = api.fire(item["id"], "return_for_info", data={"reason": "补充", "x": nested})
    assert r.status_code == 422, r.text
    hdr = api.as_(CITY_OFFICE)
    assert api.client.get("/v1/items", headers=hdr).status_code == 200
    assert api.client.get(f"/v1/items/{item['id']}", headers=hdr).json()["version"] == 1


@pytest.mark.parametrize(("url", "name", "who"), [
    ("/v1/items", "created_from", CITY_OFFICE), ("/v1/items", "updated_to", CITY_OFFICE),
    ("/v1/audit/events", "at_from", SUPERVISOR)],
    ids=["items-created_from", "items-updated_to", "audit-at_from"])
@pytest.mark.parametrize("value", [
    "12345", "1700000000", "1.5", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-03-02", "2026-03-02T09:00:00"])
def test_a_date_time_parameter_must_be_rfc3339_within_range(
        api: Api, url: str, name: str, who: str, value: str) -> None:
    """Bare numbers (pydantic alone reads them as Unix times), naive times, and times whose
    conversion to UTC (or a day's arithmetic on it) leaves years 1..9999 are 422."""
    r = api.client.get(url, params={name: value}, headers=api.as_(who))
    assert r.status_code == 422, r.text
    assert name in next(iter(r.json()["fields"]))


@pytest.mark.parametrize("value", ["2026-03-02T09:00:00+08:00", "2026-03-02T01:00:00Z",
                                   "2026-03-02 01:00:00.5+00:00"])
def test_an_rfc3339_date_time_is_accepted(api: Api, value: str) -> None:
    r = api.client.get("/v1/items", params={"created_from": value},
                       headers=api.as_(CITY_OFFICE))
    assert r.status_code == 200, r.text
