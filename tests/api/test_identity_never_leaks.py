"""The reporter's identity appears nowhere but in the authorised read: not in any item,
list, history, report or export route, not in any other table, not in the logs."""

from __future__ import annotations

import re

import structlog
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from engine.storage.db import read_tx
from engine.storage.schema import metadata
from tests.fixtures.api import ADMIN, CITY_OFFICE, CLIENT, DC_OFFICE, SUPERVISOR, Api
from tests.fixtures.intake import REPORTER_CONTACT, REPORTER_NAME, lead_body

SECRETS = (REPORTER_NAME, REPORTER_CONTACT, "ZQXV7")
PARAM = re.compile(r"\{(\w+)\}")
READERS = (CITY_OFFICE, DC_OFFICE, SUPERVISOR, ADMIN)


def _populate(api: Api) -> tuple[int, str]:
    """Named and anonymous leads, moved, merged, followed up, their identity read once."""
    hdr = api.as_(CITY_OFFICE)
    named = api.client.post("/v1/leads", json=lead_body(), headers=hdr).json()["item"]["id"]
    api.client.post("/v1/leads", json=lead_body(jurisdiction="5101"), headers=hdr)
    anon = api.client.post("/v1/leads", headers=api.as_(CLIENT), json=lead_body(
        channel="reporting_platform", reporter={"anonymous": True})).json()
    api.client.post("/v1/receipts/info", headers=api.as_(CLIENT),
                    json={"code": anon["receipt_code"], "text": "补充材料"})
    api.fire(named, "transfer", data={"unit": "dc-police"})
    api.fire(anon["item"]["id"], "merge", data={"merge_into": named})
    r = api.client.post(f"/v1/items/{named}/reporter", json={"reason": "核实举报内容"},
                        headers=hdr)
    assert REPORTER_NAME in r.text  # the one place it may appear
    return named, str(anon["receipt_code"])


def _get_routes(api: Api) -> list[str]:
    out = []
    for route in iter_route_contexts(api.app.routes):
        if route.path and "GET" in (route.methods or ()):
            out.append(route.path)
    return out


def test_no_read_list_history_report_or_export_route_shows_identity(lead_api: Api) -> None:
    """Every GET route (and audit verify), as every reading role, is free of the identity."""
    item_id, _ = _populate(lead_api)
    fill = {"item_id": str(item_id), "lead_id": str(item_id), "id": str(item_id),
            "name": "lead"}
    called = []
    for template in _get_routes(lead_api):
        names = PARAM.findall(template)
        if any(n not in fill for n in names):
            continue
        url = PARAM.sub(lambda m: fill[m.group(1)], template)
        for who in READERS:
            for params in ({}, {"workflow": "lead"}):
                r = lead_api.client.get(url, params=params, headers=lead_api.as_(who))
                for s in SECRETS:
                    assert s not in r.text, f"{s!r} leaked by GET {url} as {who}"
        called.append(template)
    r = lead_api.client.post("/v1/audit/verify", headers=lead_api.as_(ADMIN))
    assert all(s not in r.text for s in SECRETS)
    expected = {"/v1/items", "/v1/items/{item_id}", "/v1/items/{item_id}/history",
                "/v1/items/{item_id}/links", "/v1/audit/events", "/v1/reports/summary"}
    assert expected <= set(called), f"routes not exercised: {expected - set(called)}"


def test_no_table_but_the_encrypted_one_holds_identity(lead_api: Api) -> None:
    """Dumping every other table finds neither the name, the contact nor a receipt code."""
    _, code = _populate(lead_api)
    with read_tx(lead_api.rt.db) as conn:
        for table in metadata.sorted_tables:
            if table.name == "reporter_identity":
                continue
            dump = repr(conn.execute(select(table)).all())
            for s in (*SECRETS, code, code.replace("-", "")):
                assert s not in dump, f"{s!r} found in table {table.name}"


def test_logs_never_carry_identity_or_receipt(lead_api: Api) -> None:
    """Request and engine logs of intake, moves and the read carry no identity or code."""
    with structlog.testing.capture_logs() as logs:
        _, code = _populate(lead_api)
    assert any(e.get("event") == "request" for e in logs)
    text = repr(logs)
    for s in (*SECRETS, code, code.replace("-", "")):
        assert s not in text
