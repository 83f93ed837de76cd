"""Supervision notices and extensions over HTTP: walked end to end with audit events and
notifications; the item shows its notices by level and lists filter by level; refusals are
problem+json 4xx that change nothing; out of scope is 404."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from engine.settings import Settings
from tests.fixtures.api import BOOTSTRAP, DC_HANDLER, DC_OFFICE, SECRET, SUPERVISOR, XC_OFFICE, Api


def investigating(api: Api) -> int:
    lead = api.create_lead(who=DC_OFFICE, jurisdiction="510101")
    assert api.fire(lead["id"], "transfer", DC_OFFICE, {"unit": "dc-police"}).status_code == 200
    assert api.fire(lead["id"], "accept", DC_HANDLER,
                    {"disposal": "preliminary_check"}).status_code == 200
    return int(lead["id"])


def post(api: Api, path: str, who: str, body: dict[str, Any]) -> Any:
    return api.client.post(path, json=body, headers=api.as_(who))


def history(api: Api, item_id: int) -> list[str]:
    r = api.client.get(f"/v1/items/{item_id}/history", headers=api.as_(DC_OFFICE))
    return [e["trigger"] for e in r.json()["events"]]


def inbox(api: Api, who: str) -> list[str]:
    r = api.client.get("/v1/notifications", headers=api.as_(who))
    return [n["kind"] for n in r.json()["items"]]


def test_a_notice_walked_over_the_api(api: Api) -> None:
    item_id = investigating(api)
    base = f"/v1/items/{item_id}/supervision"
    r = post(api, base, DC_OFFICE, {"level": "yellow", "requirement": "请报告核查进展"})
    assert r.status_code == 201, r.text
    notice = r.json()
    assert (notice["state"], notice["level_label"], notice["reply_working_days"]) == (
        "open", "黄牌", 3)
    assert "supervise" in inbox(api, DC_HANDLER)
    item = api.client.get(f"/v1/items/{item_id}", headers=api.as_(DC_OFFICE)).json()
    assert (item["state"], item["supervision"]) == ("investigating", {"yellow": 1})
    listed = api.client.get("/v1/items", params={"supervision_level": "yellow"},
                            headers=api.as_(DC_OFFICE)).json()["items"]
    assert [i["id"] for i in listed] == [item_id]
    assert api.client.get("/v1/items", params={"supervision_level": "red"},
                          headers=api.as_(DC_OFFICE)).json()["items"] == []
    n = notice["id"]
    assert post(api, f"{base}/{n}/reply", DC_HANDLER, {"reply": "已调取案卷"}).json()[
        "state"] == "replied"
    assert "supervise_reply" in inbox(api, DC_OFFICE)
    assert post(api, f"{base}/{n}/return", DC_OFFICE, {"reason": "不具体"}).json()[
        "state"] == "returned"
    assert post(api, f"{base}/{n}/reply", DC_HANDLER, {"reply": "补充了时间表"}).status_code == 200
    assert post(api, f"{base}/{n}/accept", DC_OFFICE, {}).json()["state"] == "accepted"
    assert history(api, item_id)[-5:] == [
        "supervise", "supervise_reply", "supervise_return", "supervise_reply",
        "supervise_accept"]
    read = api.client.get(base, headers=api.as_(DC_HANDLER)).json()
    assert [x["state"] for x in read["notices"]] == ["accepted"]
    verified = api.client.post("/v1/audit/verify", headers=api.as_(DC_OFFICE))
    assert verified.status_code == 200, verified.text
    assert verified.json()["ok"]


def test_an_extension_walked_over_the_api(api: Api) -> None:
    item_id = investigating(api)
    before = api.client.get(f"/v1/items/{item_id}", headers=api.as_(DC_OFFICE)).json()
    base = f"/v1/items/{item_id}/extensions"
    r = post(api, base, DC_HANDLER, {"working_days": 5, "reason": "需调取异地档案"})
    assert r.status_code == 201, r.text
    ext = r.json()
    assert "extension_request" in inbox(api, DC_OFFICE)
    r = post(api, f"{base}/{ext['id']}/approve", DC_OFFICE, {"working_days": 4})
    assert r.status_code == 200, r.text
    after = api.client.get(f"/v1/items/{item_id}", headers=api.as_(DC_OFFICE)).json()
    old, new = (datetime.fromisoformat(x["due_at"]) for x in (before, after))
    assert new == api.rt.calendar.add_working_days(old, 4)
    assert datetime.fromisoformat(r.json()["original_due_at"]) == old
    assert "extension_approve" in inbox(api, DC_HANDLER)
    second = post(api, base, DC_HANDLER, {"working_days": 2, "reason": "再次申请"}).json()
    r = post(api, f"{base}/{second['id']}/refuse", DC_OFFICE, {"reason": "不予延期"})
    assert r.json()["state"] == "refused"
    unchanged = api.client.get(f"/v1/items/{item_id}", headers=api.as_(DC_OFFICE)).json()
    assert unchanged["due_at"] == after["due_at"]
    assert history(api, item_id)[-4:] == [
        "extension_request", "extension_approve", "extension_request", "extension_refuse"]


def test_refusals_are_problems_that_change_nothing(api: Api) -> None:
    item_id = investigating(api)
    before = history(api, item_id)
    cases = [
        (f"/v1/items/{item_id}/supervision", DC_HANDLER,
         {"level": "general", "requirement": "x"}, 403),
        (f"/v1/items/{item_id}/supervision", DC_OFFICE,
         {"level": "purple", "requirement": "x"}, 422),
        (f"/v1/items/{item_id}/supervision", DC_OFFICE,
         {"level": "general", "requirement": "x", "extra": 1}, 422),
        (f"/v1/items/{item_id}/supervision", XC_OFFICE,
         {"level": "general", "requirement": "x"}, 404),
        (f"/v1/items/{item_id}/supervision/1/accept", DC_OFFICE, {}, 404),
        (f"/v1/items/{item_id}/extensions", DC_HANDLER,
         {"working_days": 16, "reason": "x"}, 422),
        (f"/v1/items/{item_id}/extensions", SUPERVISOR,
         {"working_days": 1, "reason": "x"}, 403),
        (f"/v1/items/{item_id}/extensions", XC_OFFICE,
         {"working_days": 1, "reason": "x"}, 404),
    ]
    for path, who, body, status in cases:
        r = post(api, path, who, body)
        assert r.status_code == status, (path, who, body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert api.client.get(f"/v1/items/{item_id}/supervision",
                          headers=api.as_(XC_OFFICE)).status_code == 404
    assert history(api, item_id) == before


def test_notices_count_by_level_and_a_late_extension_is_refused(api: Api) -> None:
    """Two notices at two levels show on the item; an extension after the deadline is 422."""
    item_id = investigating(api)
    for level in ("general", "red"):
        assert post(api, f"/v1/items/{item_id}/supervision", DC_OFFICE,
                    {"level": level, "requirement": "报告"}).status_code == 201
    item = api.client.get(f"/v1/items/{item_id}", headers=api.as_(DC_OFFICE)).json()
    assert item["supervision"] == {"general": 1, "red": 1}
    api.rt.clock.set(datetime.fromisoformat(item["due_at"]) + timedelta(hours=1))  # type: ignore[attr-defined]
    r = post(api, f"/v1/items/{item_id}/extensions", DC_HANDLER,
             {"working_days": 1, "reason": "晚了"})
    assert r.status_code == 422
    assert "deadline passed" in r.json()["detail"]


def test_metrics_count_notices_by_level_and_state(api: Api) -> None:
    item_id = investigating(api)
    for level in ("general", "red", "red"):
        post(api, f"/v1/items/{item_id}/supervision", DC_OFFICE,
             {"level": level, "requirement": "报告进展"})
    on = TestClient(create_app(api.rt, Settings(
        secret=SecretStr(SECRET), bootstrap_admin_token=SecretStr(BOOTSTRAP),
        metrics="token", metrics_token=SecretStr("t"))))
    text = on.get("/metrics", headers={"Authorization": "Bearer t"}).text
    assert 'leadflow_supervision_notices{level="red",state="open"} 2.0' in text
    assert 'leadflow_supervision_notices{level="general",state="open"} 1.0' in text
