"""Contract details a client relies on: 405 names what is allowed, every status a route can
answer is in the document, the schema's minimums are the server's, and a malformed or weak
If-Match is a 412 that says what was wrong (and changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.intake.identity import MIN_REASON
from tests.fixtures.api import CITY_OFFICE, Api

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PUT", "/v1/items", "GET, POST"),
    ("DELETE", "/v1/items/1", "GET"),
    ("PATCH", "/v1/audit/verify", "POST"),
    ("GET", "/v1/items/1/transitions", "POST"),
    ("PUT", "/v1/items/1/links", "GET, POST"),
])
def test_a_405_carries_allow(api_sqlite: Api, method: str, path: str, allow: str) -> None:
    """Allow lists every method of the path, also when they are separate routes."""
    r = api_sqlite.client.request(method, path, headers=api_sqlite.as_(CITY_OFFICE))
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["allow"] == allow


def _operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    paths = api.app.openapi()["paths"]
    return [(m.upper(), p, op) for p, ops in paths.items() for m, op in ops.items()]


def test_every_body_may_be_refused_as_400_and_413(api_sqlite: Api) -> None:
    """A body that is not UTF-8 JSON (400) or too large (413): declared wherever a body is."""
    with_body = [(m, p, op) for m, p, op in _operations(api_sqlite) if "requestBody" in op]
    assert len(with_body) >= 8
    for _m, _p, op in with_body:
        for status in ("400", "413"):
            assert PROBLEM in op["responses"][status]["content"]


def test_a_body_that_is_not_utf8_is_the_declared_400(api_sqlite: Api) -> None:
    r = api_sqlite.client.post("/v1/items", content=b'{"title": "\xff\xfe"}',
                               headers=api_sqlite.as_(CITY_OFFICE)
                               | {"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM


def test_linking_declares_both_its_answers(api_sqlite: Api) -> None:
    """201 when linked now, 200 when the two were linked already."""
    op = api_sqlite.app.openapi()["paths"]["/v1/items/{item_id}/links"]["post"]
    assert {"200", "201"} <= set(op["responses"])
    schemas = [op["responses"][s]["content"]["application/json"]["schema"]
               for s in ("200", "201")]
    assert [s["items"] for s in schemas] == [{"$ref": "#/components/schemas/LinkOut"}] * 2


def _property(api: Api, model: str, name: str) -> dict[str, Any]:
    prop: dict[str, Any] = api.app.openapi()["components"]["schemas"][model]["properties"][name]
    return prop


# Text the engine strips before it checks the length: the schema must refuse blank text too.
STRIPPED = [("ItemCreate", "title"), ("LeadIn", "allegation"), ("LeadIn", "jurisdiction"),
            ("SubjectIn", "name"), ("SubjectIn", "unit"), ("AttachmentIn", "name"),
            ("FollowUpIn", "text"), ("ReasonIn", "reason")]


@pytest.mark.parametrize(("model", "name"), STRIPPED)
def test_the_schema_refuses_blank_text_the_engine_refuses(api_sqlite: Api, model: str,
                                                          name: str) -> None:
    prop = _property(api_sqlite, model, name)
    assert prop.get("minLength", 0) >= 1
    assert r"\S" in prop.get("pattern", "")


def test_the_reason_minimum_is_the_engines(api_sqlite: Api) -> None:
    assert _property(api_sqlite, "ReasonIn", "reason")["minLength"] == MIN_REASON


@pytest.mark.parametrize("title", ["   ", "\t\n", "\u3000"])
def test_a_blank_title_is_refused_by_the_schema(api_sqlite: Api, title: str) -> None:
    r = api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(CITY_OFFICE), json={
        "workflow": "lead", "jurisdiction": "5101", "title": title, "data": {}})
    assert r.status_code == 422
    assert "body.title" in r.json()["fields"]


@pytest.mark.parametrize(("if_match", "says"), [
    ('W/"1"', "weak"),
    ('"abc"', "not an ETag this server issues"),
    ("1", "not a quoted ETag"),
    ('"1", "2"', "several"),
    ('"1', "not a quoted ETag"),
    ("", "not a quoted ETag"),
    ('"' + "9" * 30 + '"', "not an ETag this server issues"),
    ('"' + "9" * 60 + '"', "not an ETag this server issues"),
])
def test_a_malformed_or_weak_if_match_is_412_saying_why(api: Api, if_match: str,
                                                        says: str) -> None:
    item = api.create_lead()
    r = api.fire(item["id"], "return_for_info", data={"reason": "补充"},
                 **{"If-Match": if_match})
    assert r.status_code == 412, r.text
    assert r.headers["content-type"] == PROBLEM
    assert says in r.json()["detail"]
    assert r.json()["current_version"] == 1
    after = api.client.get(f"/v1/items/{item['id']}", headers=api.as_(CITY_OFFICE)).json()
    assert (after["version"], after["state"]) == (1, "received")


@pytest.mark.parametrize("if_match", ['"1"', ' "1" ', "*"])
def test_the_etag_as_given_or_a_star_matches(api: Api, if_match: str) -> None:
    item = api.create_lead()
    r = api.fire(item["id"], "return_for_info", data={"reason": "补充"},
                 **{"If-Match": if_match})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
