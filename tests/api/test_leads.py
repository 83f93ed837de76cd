"""HTTP intake, links and the audited identity read."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from api.app import create_app
from api.deps import IdentityConfig
from engine.errors import IdentityKeyError
from engine.intake.identity import IdentityCipher
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage import ITEM
from engine.storage.db import read_tx
from tests.fixtures.api import CITY_HANDLER, CITY_OFFICE, CLIENT, DC_OFFICE, XC_OFFICE, Api
from tests.fixtures.intake import REPORTER_CONTACT, REPORTER_NAME, lead_body

REASON = {"reason": "核实举报内容需联系举报人"}


def _post_lead(api: Api, who: str = CITY_OFFICE, **overrides: Any) -> Any:
    return api.client.post("/v1/leads", json=lead_body(**overrides), headers=api.as_(who))


def test_platform_intake_returns_receipt_once(lead_api: Api) -> None:
    """An anonymous platform report is 201 with the item, a receipt code and no-store."""
    r = _post_lead(lead_api, CLIENT, channel="reporting_platform",
                   reporter={"anonymous": True})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["receipt_code"]
    assert body["item"]["state"] == "received"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Location"] == f"/v1/items/{body['item']['id']}"
    again = lead_api.client.get(f"/v1/items/{body['item']['id']}",
                                headers=lead_api.as_(CITY_OFFICE))
    assert body["receipt_code"] not in again.text


def test_operator_intake_records_operator_not_reporter(lead_api: Api) -> None:
    """A letter entered by staff names the operator on the item, never the reporter."""
    r = _post_lead(lead_api)
    assert r.status_code == 201, r.text
    item = r.json()["item"]
    assert item["data"]["operator"] == f"user:{lead_api.user_ids[CITY_OFFICE]}"
    assert r.json()["receipt_code"] is None
    assert REPORTER_NAME not in r.text


def test_unknown_channel_is_422_listing_allowed(lead_api: Api) -> None:
    """An unknown channel is 422 and the problem lists every allowed channel."""
    r = _post_lead(lead_api, channel="carrier_pigeon")
    assert r.status_code == 422
    assert "reporting_platform (检举举报平台)" in r.json()["fields"]["channel"]


def test_unknown_category_is_422_listing_allowed(lead_api: Api) -> None:
    """An unknown category is 422 and the problem lists every allowed category."""
    r = _post_lead(lead_api, category="gossip")
    assert r.status_code == 422
    assert "law_enforcement (执法办案)" in r.json()["fields"]["category"]


def test_vocabularies_are_published(lead_api: Api) -> None:
    """Clients can read the channels and categories with their labels."""
    r = lead_api.client.get("/v1/leads/vocabularies", headers=lead_api.as_(CLIENT))
    assert r.json()["channel"]["letter"] == "来信"
    assert len(r.json()["category"]) == 4


def test_named_lead_without_key_is_503_and_saves_nothing(keyless_api: Api) -> None:
    """Without an identity key a named lead is refused loudly and nothing is written."""
    r = _post_lead(keyless_api)
    assert r.status_code == 503
    assert "LEADFLOW_IDENTITY_KEY" in r.json()["detail"]
    with read_tx(keyless_api.rt.db) as conn:
        assert conn.execute(select(func.count()).select_from(ITEM)).scalar_one() == 0


def test_rest_of_system_works_without_key(keyless_api: Api) -> None:
    """Without a key, anonymous intake, reads, transitions and history all work."""
    r = _post_lead(keyless_api, reporter={"anonymous": True})
    assert r.status_code == 201, r.text
    item_id = r.json()["item"]["id"]
    assert keyless_api.fire(item_id, "transfer", data={"unit": "dc-police"}).status_code == 200
    h = keyless_api.client.get(f"/v1/items/{item_id}/history",
                               headers=keyless_api.as_(CITY_OFFICE))
    assert [e["trigger"] for e in h.json()["events"]] == ["create", "transfer"]


def test_duplicates_are_shown_at_intake_and_on_the_item(lead_api: Api) -> None:
    """A second lead about the same person lists the first, in the answer and its links."""
    first = _post_lead(lead_api).json()["item"]["id"]
    second = _post_lead(lead_api).json()
    assert second["possible_duplicates"] == [first]
    links = lead_api.client.get(f"/v1/items/{second['item']['id']}/links",
                                headers=lead_api.as_(CITY_OFFICE)).json()
    assert [(v["kind"], v["item_id"]) for v in links] == [("duplicate", first)]


def test_link_route_links_both_ways(lead_api: Api) -> None:
    """POST links is 201, then 200 for the same pair; both leads list the link."""
    a = _post_lead(lead_api).json()["item"]["id"]
    b = _post_lead(lead_api, subject={"name": "李四", "unit": "东城区法院"}).json()["item"]["id"]
    url = f"/v1/items/{a}/links"
    hdr = lead_api.as_(CITY_OFFICE)
    assert lead_api.client.post(url, json={"other_id": b}, headers=hdr).status_code == 201
    assert lead_api.client.post(url, json={"other_id": b}, headers=hdr).status_code == 200
    back = lead_api.client.get(f"/v1/items/{b}/links", headers=hdr).json()
    assert [(v["kind"], v["item_id"]) for v in back] == [("related", a)]


def test_merge_through_transitions_shows_on_both(lead_api: Api) -> None:
    """并案 fired through the generic transitions route lists on both leads."""
    keep = _post_lead(lead_api).json()["item"]["id"]
    dup = _post_lead(lead_api).json()["item"]["id"]
    assert lead_api.fire(dup, "merge", data={"merge_into": keep}).status_code == 200
    hdr = lead_api.as_(CITY_OFFICE)
    kinds = [v["kind"] for v in lead_api.client.get(f"/v1/items/{keep}/links",
                                                    headers=hdr).json()]
    assert kinds == ["duplicate", "merged_from"]
    h = lead_api.client.get(f"/v1/items/{keep}/history", headers=hdr).json()
    assert h["events"][-1]["trigger"] == "link"


def test_authorised_read_returns_identity_and_audits(lead_api: Api) -> None:
    """An office user with a reason reads the identity; history shows who and why."""
    item_id = _post_lead(lead_api).json()["item"]["id"]
    r = lead_api.client.post(f"/v1/items/{item_id}/reporter", json=REASON,
                             headers=lead_api.as_(DC_OFFICE))
    assert r.status_code == 200, r.text
    assert r.json() == {"anonymous": False, "name": REPORTER_NAME, "contact": REPORTER_CONTACT}
    assert r.headers["Cache-Control"] == "no-store"
    h = lead_api.client.get(f"/v1/items/{item_id}/history",
                            headers=lead_api.as_(CITY_OFFICE)).json()
    last = h["events"][-1]
    assert (last["trigger"], last["data"]) == ("read_identity", REASON)
    assert last["actor"] == f"user:{lead_api.user_ids[DC_OFFICE]}"


def test_identity_read_by_other_role_is_403(lead_api: Api) -> None:
    """A handler may see the lead of their unit but not its reporter."""
    item_id = _post_lead(lead_api, jurisdiction="5101", unit="city-police").json()["item"]["id"]
    r = lead_api.client.post(f"/v1/items/{item_id}/reporter", json=REASON,
                             headers=lead_api.as_(CITY_HANDLER))
    assert r.status_code == 403


def test_identity_read_out_of_scope_is_404(lead_api: Api) -> None:
    """A sibling county's office gets 404, as for a missing item."""
    item_id = _post_lead(lead_api).json()["item"]["id"]
    r = lead_api.client.post(f"/v1/items/{item_id}/reporter", json=REASON,
                             headers=lead_api.as_(XC_OFFICE))
    assert r.status_code == 404


def test_identity_read_without_reason_is_422(lead_api: Api) -> None:
    """The reason is required."""
    item_id = _post_lead(lead_api).json()["item"]["id"]
    r = lead_api.client.post(f"/v1/items/{item_id}/reporter", json={"reason": ""},
                             headers=lead_api.as_(CITY_OFFICE))
    assert r.status_code == 422


def test_identity_read_with_wrong_key_is_503(lead_api: Api) -> None:
    """A server started with another key says so (503) instead of returning garbage."""
    item_id = _post_lead(lead_api).json()["item"]["id"]
    lead_api.app.state.identity = IdentityConfig(cipher=IdentityCipher(b"\x07" * 32),
                                                 read_roles=frozenset({"office"}))
    r = lead_api.client.post(f"/v1/items/{item_id}/reporter", json=REASON,
                             headers=lead_api.as_(CITY_OFFICE))
    assert r.status_code == 503
    assert "stored under key" in r.json()["detail"]
    assert REPORTER_NAME not in r.text


def test_identity_config_is_read_from_the_settings_at_app_creation(rt_sqlite: Runtime) -> None:
    """create_app hands the routes the key and reader roles of the settings it was given."""
    key = base64.b64encode(b"\x05" * 32).decode()
    app = create_app(rt_sqlite, Settings(secret=SecretStr("s"), identity_key=SecretStr(key),
                                         identity_read_roles="supervisor"))
    config = app.state.identity
    assert config.cipher is not None
    assert config.cipher.key_id == IdentityCipher.from_base64(key).key_id
    assert config.read_roles == {"supervisor"}


def test_malformed_identity_key_stops_the_app_at_creation(rt_sqlite: Runtime) -> None:
    """A key that cannot work is said once, at start, not on every lead request."""
    with pytest.raises(IdentityKeyError, match="base64"):
        create_app(rt_sqlite, Settings(secret=SecretStr("s"),
                                       identity_key=SecretStr("not base64 !!")))
