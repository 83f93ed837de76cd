"""Receipt codes over HTTP: status and follow-ups in the body, never in the URL."""

from __future__ import annotations

from typing import Any

from fastapi.routing import iter_route_contexts

from tests.fixtures.api import CITY_OFFICE, CLIENT, Api
from tests.fixtures.intake import lead_body

GUESS = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"


def _anonymous(api: Api, **overrides: Any) -> tuple[int, str]:
    r = api.client.post("/v1/leads", headers=api.as_(CLIENT), json=lead_body(
        channel="reporting_platform", reporter={"anonymous": True}, **overrides))
    assert r.status_code == 201, r.text
    return r.json()["item"]["id"], r.json()["receipt_code"]


def _status(api: Api, code: str, session: str = "s1") -> Any:
    return api.client.post("/v1/receipts/status", json={"code": code, "session": session},
                           headers=api.as_(CLIENT))


def test_status_shows_public_fields_only(lead_api: Api) -> None:
    """The status answer has a coarse status and dates, no ref, unit, names or text."""
    item_id, code = _anonymous(lead_api)
    r = _status(lead_api, code)
    assert r.status_code == 200
    assert set(r.json()) == {"status", "label", "received_on", "status_since", "follow_ups"}
    item = lead_api.client.get(f"/v1/items/{item_id}", headers=lead_api.as_(CITY_OFFICE))
    assert item.json()["ref"] not in r.text
    assert r.headers["Cache-Control"] == "no-store"


def test_follow_up_is_added_to_the_lead(lead_api: Api) -> None:
    """Information posted with the code appears in that lead's history."""
    item_id, code = _anonymous(lead_api)
    r = lead_api.client.post("/v1/receipts/info", headers=lead_api.as_(CLIENT), json={
        "code": code, "text": "补充：有转账记录", "attachments": [
            {"name": "转账.png", "size": 2048, "sha256": "c" * 64}]})
    assert r.status_code == 200, r.text
    assert r.json()["follow_ups"] == 1
    h = lead_api.client.get(f"/v1/items/{item_id}/history", headers=lead_api.as_(CITY_OFFICE))
    last = h.json()["events"][-1]
    assert last["trigger"] == "add_info"
    assert last["data"]["text"] == "补充：有转账记录"


def test_wrong_code_is_404(lead_api: Api) -> None:
    """A guessed code is 404."""
    _anonymous(lead_api)
    assert _status(lead_api, GUESS).status_code == 404


def test_guessing_is_429_with_retry_after(lead_api: Api) -> None:
    """After five wrong codes from a session, even the right code is 429 with Retry-After."""
    _, code = _anonymous(lead_api)
    for _ in range(5):
        assert _status(lead_api, GUESS, "guesser").status_code == 404
    r = _status(lead_api, code, "guesser")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert _status(lead_api, code, "someone-else").status_code == 200


def test_a_code_never_reaches_another_lead(lead_api: Api) -> None:
    """Following up with one lead's code leaves another lead untouched."""
    _, code = _anonymous(lead_api)
    other, _ = _anonymous(lead_api, subject={"name": "李四", "unit": "东城区法院"})
    lead_api.client.post("/v1/receipts/info", headers=lead_api.as_(CLIENT),
                         json={"code": code, "text": "补充"})
    h = lead_api.client.get(f"/v1/items/{other}/history", headers=lead_api.as_(CITY_OFFICE))
    assert [e["trigger"] for e in h.json()["events"]] == ["create"]


def test_only_the_platform_uses_receipts(lead_api: Api) -> None:
    """Staff tokens cannot use receipt routes (403)."""
    _, code = _anonymous(lead_api)
    r = lead_api.client.post("/v1/receipts/status", json={"code": code},
                             headers=lead_api.as_(CITY_OFFICE))
    assert r.status_code == 403


def test_receipt_routes_take_no_code_in_the_path(lead_api: Api) -> None:
    """No receipt route has a path parameter, so a code cannot reach an access log."""
    paths = [r.path or "" for r in iter_route_contexts(lead_api.app.routes)]
    receipt_paths = [p for p in paths if p.startswith("/v1/receipts")]
    assert sorted(receipt_paths) == ["/v1/receipts/info", "/v1/receipts/status"]
