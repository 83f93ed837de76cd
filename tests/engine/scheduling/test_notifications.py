"""GET /v1/notifications and marking read: unread first, only one's own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from tests.fixtures.api import Api, make_api

DC_OFFICE = "东城办-联络员"


@pytest.fixture
def api(rt: Runtime) -> Iterator[Api]:
    yield from make_api(rt)


def two_notices(api: Api, clock: ManualClock) -> None:
    """A reminder and a level-1 escalation for 东城办 about one lead."""
    api.create_lead(DC_OFFICE, jurisdiction="510101")
    clock.advance(timedelta(days=4))  # Fri 6 March 09:00: reminder
    run_sweep(api.rt)
    clock.advance(timedelta(days=3))  # Mon 9 March 09:00: level 1
    run_sweep(api.rt)


def test_user_lists_own_notifications_newest_first(api: Api, clock: ManualClock) -> None:
    """The county office sees its escalation, then its reminder, both unread."""
    two_notices(api, clock)
    r = api.client.get("/v1/notifications", headers=api.as_(DC_OFFICE))
    assert r.status_code == 200
    body = r.json()
    assert [(n["kind"], n["level"]) for n in body["items"]] == [("escalate", 1), ("remind", 0)]
    assert (body["unread"], body["total"], body["next_offset"]) == (2, 2, None)


def test_unread_come_before_read(api: Api, clock: ManualClock) -> None:
    """After reading the newest, the older unread one is listed first."""
    two_notices(api, clock)
    newest = api.client.get("/v1/notifications", headers=api.as_(DC_OFFICE)).json()["items"][0]
    r = api.client.post(f"/v1/notifications/{newest['id']}/read", headers=api.as_(DC_OFFICE))
    assert r.json() == {"marked": 1}
    items = api.client.get("/v1/notifications", headers=api.as_(DC_OFFICE)).json()["items"]
    assert [(n["kind"], n["read_at"] is None) for n in items] == [
        ("remind", True), ("escalate", False)]


def test_pages_follow_next_offset(api: Api, clock: ManualClock) -> None:
    """With limit 1 the first page points at the second."""
    two_notices(api, clock)
    first = api.client.get("/v1/notifications?limit=1", headers=api.as_(DC_OFFICE)).json()
    assert first["next_offset"] == 1
    second = api.client.get("/v1/notifications?limit=1&offset=1",
                            headers=api.as_(DC_OFFICE)).json()
    assert [n["kind"] for n in second["items"]] == ["remind"]


def test_another_users_notification_is_404(api: Api, clock: ManualClock) -> None:
    """The city office cannot mark the county office's notification: 404, not 403."""
    two_notices(api, clock)
    mine = api.client.get("/v1/notifications", headers=api.as_(DC_OFFICE)).json()["items"][0]
    r = api.client.post(f"/v1/notifications/{mine['id']}/read", headers=api.as_("市办-线索组"))
    assert r.status_code == 404
    again = api.client.get("/v1/notifications", headers=api.as_(DC_OFFICE)).json()
    assert again["unread"] == 2


def test_read_all_marks_every_unread(api: Api, clock: ManualClock) -> None:
    """read-all marks both notices read and leaves nothing unread."""
    two_notices(api, clock)
    r = api.client.post("/v1/notifications/read-all", headers=api.as_(DC_OFFICE))
    assert r.json() == {"marked": 2}
    assert api.client.get("/v1/notifications?unread_only=true",
                          headers=api.as_(DC_OFFICE)).json()["total"] == 0


def test_notifications_need_a_token(api: Api) -> None:
    """Without a bearer token the inbox is 401."""
    assert api.client.get("/v1/notifications").status_code == 401
