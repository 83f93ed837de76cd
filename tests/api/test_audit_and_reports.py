"""Audit listing and verification for supervisors; bulletin figures over the caller's scope."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from engine.kernel.clock import ManualClock
from engine.storage.db import write_tx
from tests.fixtures.api import (
    CITY_OFFICE,
    CLIENT,
    DC_HANDLER,
    DC_OFFICE,
    SUPERVISOR,
    XC_OFFICE,
    Api,
)


def test_audit_events_filter_by_trigger(api: Api) -> None:
    """A supervisor lists audit events, filtered by trigger, with item ref and jurisdiction."""
    item = api.create_lead()
    api.fire(item["id"], "transfer", data={"unit": "dc-police"})
    r = api.client.get("/v1/audit/events", headers=api.as_(SUPERVISOR),
                       params={"trigger": "transfer"})
    assert r.status_code == 200
    events = r.json()["events"]
    assert [(e["item_id"], e["ref"], e["jurisdiction"]) for e in events] == [
        (item["id"], item["ref"], "510101")]


def test_audit_events_are_scoped_and_paged(api: Api) -> None:
    """A county office sees only its items' events; `after` pages through them."""
    api.create_lead(jurisdiction="510101")
    api.create_lead(jurisdiction="510102")
    mine = api.client.get("/v1/audit/events", headers=api.as_(DC_OFFICE),
                          params={"limit": 1}).json()
    assert [e["jurisdiction"] for e in mine["events"]] == ["510101"]
    assert mine["next_cursor"] is None
    every = api.client.get("/v1/audit/events", headers=api.as_(SUPERVISOR),
                           params={"limit": 1}).json()
    rest = api.client.get("/v1/audit/events", headers=api.as_(SUPERVISOR),
                          params={"limit": 1, "after": every["next_cursor"]}).json()
    assert rest["events"][0]["id"] > every["events"][0]["id"]


def test_handler_may_not_read_audit(api_sqlite: Api) -> None:
    """Handlers are not auditors: 403."""
    r = api_sqlite.client.get("/v1/audit/events", headers=api_sqlite.as_(DC_HANDLER))
    assert r.status_code == 403


def test_verify_reports_broken_chain_in_scope(api: Api) -> None:
    """POST /v1/audit/verify finds a tampered chain and names its first bad event."""
    item = api.create_lead(jurisdiction="510101")
    api.fire(item["id"], "transfer", data={"unit": "dc-police"})
    with write_tx(api.rt.db) as conn:  # simulate tampering behind the API's back
        conn.execute(text("UPDATE item SET audit_head = 'x' WHERE id = :i"), {"i": item["id"]})
    r = api.client.post("/v1/audit/verify", headers=api.as_(SUPERVISOR))
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    assert [b["item_id"] for b in body["broken"]] == [item["id"]]


def test_verify_counts_only_scope(api: Api) -> None:
    """A county office verifies the chains of its own county only."""
    api.create_lead(jurisdiction="510101")
    api.create_lead(jurisdiction="510102")
    body = api.client.post("/v1/audit/verify", headers=api.as_(XC_OFFICE)).json()
    assert (body["ok"], body["checked_items"], body["checked_events"]) == (True, 1, 1)


def test_summary_counts_in_scope_only(api: Api) -> None:
    """The summary counts by state, channel, category, unit and jurisdiction in scope."""
    api.create_lead(jurisdiction="510101")
    api.create_lead(jurisdiction="510102")
    moved = api.create_lead(jurisdiction="5101")["id"]
    api.fire(moved, "transfer", data={"unit": "dc-police"})
    county = api.client.get("/v1/reports/summary", headers=api.as_(DC_OFFICE)).json()
    assert county["total"] == 2
    assert county["by_state"] == {"received": 1, "transferred": 1}
    assert county["by_channel"] == {"letter": 2}
    assert county["by_category"] == {"law_enforcement": 2}
    assert county["by_unit"] == {"(none)": 1, "dc-police": 1}
    assert county["by_jurisdiction"] == {"510101": 2}
    city = api.client.get("/v1/reports/summary", headers=api.as_(CITY_OFFICE)).json()
    assert city["total"] == 3


def test_summary_overdue_and_medians(api: Api, clock: ManualClock) -> None:
    """Overdue items are counted by escalation level; medians use creation time."""
    item = api.create_lead()["id"]
    clock.advance(timedelta(hours=2))
    api.fire(item, "transfer", data={"unit": "dc-police"})
    api.create_lead()
    clock.advance(timedelta(days=30))
    body = api.client.get("/v1/reports/summary", headers=api.as_(SUPERVISOR),
                          params={"workflow": "lead"}).json()
    assert body["overdue_by_escalation_level"] == {"0": 2}
    assert body["median_seconds_to_transferred"] == 7200
    assert body["median_seconds_to_closed"] is None


def test_summary_for_jurisdiction_outside_scope_is_404(api_sqlite: Api) -> None:
    """Asking for a sibling county's figures is 404."""
    r = api_sqlite.client.get("/v1/reports/summary", headers=api_sqlite.as_(DC_OFFICE),
                              params={"jurisdiction": "510102"})
    assert r.status_code == 404


def test_client_may_not_read_reports(api_sqlite: Api) -> None:
    """A client system (reporting platform) may not read reports: 403."""
    r = api_sqlite.client.get("/v1/reports/summary", headers=api_sqlite.as_(CLIENT))
    assert r.status_code == 403


def test_audit_events_filter_by_actor_and_time(api: Api, clock: ManualClock) -> None:
    """`actor` and `at_from`/`at_to` select events by who fired them and when."""
    item = api.create_lead()["id"]
    clock.advance(timedelta(hours=1))
    api.fire(item, "transfer", data={"unit": "dc-police"})
    api.fire(item, "accept", who=DC_HANDLER, data={"disposal": "talk_inquiry"})
    handler = f"user:{api.user_ids[DC_HANDLER]}"
    h = api.as_(SUPERVISOR)
    by_actor = api.client.get("/v1/audit/events", headers=h, params={"actor": handler}).json()
    assert [e["trigger"] for e in by_actor["events"]] == ["accept"]
    since = (clock.now() - timedelta(minutes=1)).isoformat()
    recent = api.client.get("/v1/audit/events", headers=h, params={"at_from": since}).json()
    assert [e["trigger"] for e in recent["events"]] == ["transfer", "accept"]
    before = api.client.get("/v1/audit/events", headers=h, params={"at_to": since}).json()
    assert [e["trigger"] for e in before["events"]] == ["create"]


def test_summary_median_to_closed_averages_middle_pair(api: Api, clock: ManualClock) -> None:
    """With an even count, the median time to closed is the mean of the middle two."""
    def close_after(hours: int) -> None:
        item = api.create_lead()["id"]
        api.fire(item, "transfer", data={"unit": "dc-police"})
        api.fire(item, "accept", who=DC_HANDLER, data={"disposal": "talk_inquiry"})
        clock.advance(timedelta(hours=hours))
        api.fire(item, "close", who=DC_HANDLER,
                 data={"outcome": "unfounded", "conclusion": "查无实据",
                       "disposal": "preliminary_check"})

    for hours in (1, 2, 4, 10):
        close_after(hours)
    body = api.client.get("/v1/reports/summary", headers=api.as_(SUPERVISOR)).json()
    assert body["closed"] == 4
    assert body["median_seconds_to_closed"] == 3 * 3600
