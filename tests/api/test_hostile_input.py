"""A bounded, deterministic fuzz of every route with hostile values: huge and deep JSON, long
strings, NUL, lone surrogates, huge integers, extreme date-times, bad cursors, bad If-Match.

The routes come from the app itself (so a new route is fuzzed without anyone listing it), the
parameters and body fields from its OpenAPI document. Every answer must be below 500, and a
4xx must be problem+json and leave every table's row count as it was: nothing half-written.
The one exception by design: a failed receipt lookup is recorded (rate limiting, audit).
Bounded by construction (a fixed list of cases), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel

from engine.storage import FAILURE
from engine.storage.db import read_tx
from tests.fixtures.api import ADMIN, CITY_OFFICE, CLIENT, LEAD, SUPERVISOR, XC_HANDLER, Api
from tests.fixtures.intake import lead_body

ADMIN_PREFIXES = ("/v1/jurisdictions", "/v1/units", "/v1/users", "/v1/tokens")
MIN_ROUTES = 30  # the app has more: if enumeration ever goes quiet, this fails loudly


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


# Query and path values are written raw into the URL (already percent-encoded).
URL_TEXT = ["x" * 5000, "a%00b", "%ED%A0%80", "%FF%FE", "%27%20OR%201%3D1--", "%20%20"]
URL_INTS = [str(2**31), str(2**63), "9" * 30, "-1", "abc", "1e400"]
URL_TIMES = ["12345", "0001-01-01T00:00:00%2B01:00", "9999-12-31T23:59:59-01:00",
             "2026-13-45T99:99:99Z", "0000-01-01T00:00:00Z"]
CURSORS = [_cursor({"o": "newest", "id": 2**70}), _cursor({"o": "newest", "id": True}),
           _cursor({"o": "due", "id": 1, "due": "0001-01-01T00:00:00+05:00"}),
           base64.urlsafe_b64encode(b"[" * 300).decode(), "!!", "%00"]
IF_MATCH = ['W/"1"', '"abc"', "1", '"1", "2"', '"' + "9" * 40 + '"', "*, W/\"1\""]


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


# Body values, sent as json.dumps writes them (\u0000, \ud800 escapes, as a client would).
STRINGS: list[Any] = ["长" * 100_000, "a\x00b", "\ud800", "\udfff\ud800", "   ", "", 2**70]
INTS: list[Any] = [2**31, 2**40, 2**63, 2**64, 10**30, -1, "1", 1.5]
OBJECTS: list[Any] = [{"a\x00": 1}, {"x": _deep(40)}, {"k" * 300: 1}, {"x": "\ud800"},
                      {"x": 10**400}, {"x": "长" * 30_000}, _deep(5), "text"]
RAW_BODIES = [b"\xff\xfe{}", b"[" * 50_000, b'{"a":' * 40 + b"1" + b"}" * 40, b"[]",
              b"null", b'{"x": Infinity}', b'{"x": 1' + b"0" * 5000 + b"}"]


@dataclass
class Fuzz:
    api: Api
    item: int  # a lead the city office sees, for routes that take one
    other: int
    receipt: str
    spare_user: int
    client: TestClient  # answers a crash with its 500 (as a server would) so all are listed
    sent: int = 0
    failures: list[str] = field(default_factory=list)

    def good_path_value(self, name: str) -> str:
        return {"item_id": str(self.item), "name": "lead", "user_id": str(self.spare_user),
                "token_id": "1", "notification_id": "1"}.get(name, "1")


def _counts(api: Api) -> dict[str, int]:
    tables = SQLModel.metadata.sorted_tables
    with read_tx(api.rt.db) as conn:
        row = conn.execute(select(*[select(func.count()).select_from(t).scalar_subquery()
                                    .label(t.name) for t in tables])).one()
    return dict(row._mapping)


def _who(method: str, path: str) -> str:
    if path.startswith(ADMIN_PREFIXES) and method != "GET":
        return ADMIN
    if path.startswith("/v1/receipts"):
        return CLIENT
    if path.startswith("/v1/audit"):
        return SUPERVISOR
    return CITY_OFFICE


def _known_bodies(f: Fuzz) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        ("POST", "/v1/items"): {"workflow": "lead", "jurisdiction": "5101", "title": "线索",
                                "data": dict(LEAD), "comment": "c"},
        ("POST", "/v1/items/{item_id}/transitions"): {
            "trigger": "return_for_info", "data": {"reason": "补充"}, "comment": "c"},
        ("POST", "/v1/leads"): lead_body(),
        ("POST", "/v1/items/{item_id}/links"): {"other_id": f.other, "note": "n"},
        ("POST", "/v1/items/{item_id}/reporter"): {"reason": "核实举报内容"},
        ("POST", "/v1/receipts/status"): {"code": f.receipt, "session": "s1"},
        ("POST", "/v1/receipts/info"): {"code": f.receipt, "session": "s1", "text": "补充"},
        ("POST", "/v1/jurisdictions"): {"code": "fz1", "name": "x", "level": "county",
                                        "parent": "5101"},
        ("POST", "/v1/units"): {"code": "fz-u", "name": "x", "kind": "police",
                                "jurisdiction": "510101"},
        ("POST", "/v1/users"): {"name": "fz", "role": "handler", "jurisdiction": "510101"},
    }


def _schema_body(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A minimal body from the schema, for a route nobody wrote a baseline for."""
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {k: _schema_body(doc, v) for k, v in schema.get("properties", {}).items()
                if k in schema.get("required", [])}
    return {"integer": 1, "number": 1, "boolean": False, "array": []}.get(
        str(kind), "x" * max(1, schema.get("minLength", 1)))


def _values_for(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return ["true", 2**70, None]
    if isinstance(value, int):
        return INTS
    if isinstance(value, dict | list):
        return OBJECTS
    return STRINGS


def _mutations(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One hostile value at a time, in every field and every field of a nested object."""
    yield body | {"unknown\x00": 1}
    for key, value in body.items():
        for hostile in _values_for(value):
            yield body | {key: hostile}
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                for hostile in _values_for(inner_value)[:4]:
                    yield body | {key: value | {inner: hostile}}


def _cases(f: Fuzz, method: str, path: str, op: dict[str, Any] | None
           ) -> Iterator[tuple[str, dict[str, Any], bytes | None]]:
    """(url, headers, body) for one route: hostile path values, query values, headers and
    bodies, each against otherwise good input."""
    doc = f.api.app.openapi()
    params = (op or {}).get("parameters", [])
    path_names = [p.strip("{}") for p in path.split("/") if p.startswith("{")]

    def url(overrides: dict[str, str] | None = None, query: str = "") -> str:
        out = path
        for name in path_names:
            out = out.replace("{" + name + "}", (overrides or {}).get(
                name, f.good_path_value(name)))
        return out + (f"?{query}" if query else "")

    body = None
    if op and "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        body = _known_bodies(f).get((method, path)) or _schema_body(doc, schema)
    good_body = json.dumps(body).encode() if body is not None else None
    for name in path_names:
        kinds = [p for p in params if p["name"] == name]
        is_int = bool(kinds) and kinds[0]["schema"].get("type") == "integer"
        for value in URL_INTS if is_int else URL_TEXT:
            yield url({name: value}), {}, good_body
    for p in params:
        schema = p.get("schema", {})
        types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
        formats = {s.get("format") for s in [schema, *schema.get("anyOf", [])]}
        if p["in"] == "header":
            values = IF_MATCH if p["name"] == "If-Match" else ["x" * 300, "\xe9" * 50, " "]
            for value in values:
                # bytes: httpx writes str header values as ASCII only; latin-1 is what HTTP carries
                yield url(), {p["name"]: value.encode("latin-1")}, good_body
            continue
        if p["in"] != "query":
            continue
        if p["name"] == "cursor":
            values = CURSORS
        elif "date-time" in formats:
            values = URL_TIMES
        elif "integer" in types:
            values = URL_INTS
        elif "boolean" in types:
            values = ["maybe", "2", "%00"]
        else:
            values = URL_TEXT
        for value in values:
            yield url(query=f"{p['name']}={value}"), {}, good_body
    if not op:  # not in the document: still try hostile query strings
        yield url(query="q=%00&cursor=!!&limit=" + "9" * 30), {}, None
    if isinstance(body, dict):
        for mutated in _mutations(body):
            yield url(), {}, json.dumps(mutated).encode()
        for raw in RAW_BODIES:
            yield url(), {}, raw
        yield url(), {}, json.dumps(body | {"pad": "a" * (1024 * 1024)}).encode()


def _send(f: Fuzz, method: str, url: str, headers: dict[str, Any], body: bytes | None,
          who: str, before: dict[str, int]) -> dict[str, int]:
    r = f.client.request(method, url, content=body, headers=f.api.as_(who) | headers | (
        {"Content-Type": "application/json"} if body is not None else {}))
    f.sent += 1
    after = _counts(f.api)
    label = f"{method} {url[:120]} {headers} {(body or b'')[:80]!r} -> {r.status_code}"
    if r.status_code >= 500:
        f.failures.append(f"5xx: {label} {r.text[:200]}")
    elif r.status_code >= 400:
        if r.headers.get("content-type") != "application/problem+json":
            f.failures.append(f"not problem+json: {label}")
        changed = {k for k in after if after[k] != before[k]}
        if url.startswith("/v1/receipts"):
            changed -= {FAILURE.name}  # a failed lookup is recorded by design
        if changed:
            f.failures.append(f"stored on a 4xx ({sorted(changed)}): {label}")
    return after


@pytest.fixture
def fuzz(lead_api: Api) -> Fuzz:
    api = lead_api
    item = api.create_lead()["id"]
    other = api.create_lead()["id"]
    made = api.client.post("/v1/leads", headers=api.as_(CLIENT),
                           json=lead_body(reporter={"anonymous": True}, jurisdiction="5101"))
    assert made.status_code == 201, made.text
    return Fuzz(api=api, item=item, other=other, receipt=made.json()["receipt_code"],
                spare_user=api.user_ids[XC_HANDLER],
                client=TestClient(api.app, raise_server_exceptions=False))


def test_no_route_answers_hostile_input_with_5xx_or_a_half_write(fuzz: Fuzz) -> None:
    doc = fuzz.api.app.openapi()
    routes = [(m, ctx.path_format) for ctx in iter_route_contexts(fuzz.api.app.routes)
              for m in sorted(ctx.methods or ()) if m != "HEAD"]
    assert len(routes) >= MIN_ROUTES
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert documented <= set(routes)  # every documented operation is fuzzed
    counts = _counts(fuzz.api)
    for method, path in routes:
        op = doc["paths"].get(path, {}).get(method.lower())
        for url, headers, body in _cases(fuzz, method, path, op):
            counts = _send(fuzz, method, url, headers, body, _who(method, path), counts)
    assert not fuzz.failures, "\n".join(fuzz.failures[:40])
    assert fuzz.sent >= 400
