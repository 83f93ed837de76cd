"""The daily dispatch digest (日调度) and weekly summary (周例会) per jurisdiction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.digests import daily_digest, weekly_summary
from engine.scheduling.sweep import run_sweep
from engine.storage.db import read_tx
from tests.engine.scheduling.helpers import NOTE, new_lead, user_id


def cst(m: int, d: int, h: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, m, d, h - 8, minute, tzinfo=UTC)


def digest_of(rt: Runtime, user: str, kind: str) -> list[dict[str, Any]]:
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(NOTE.c.data).where(
            NOTE.c.recipient_id == user_id(rt, user), NOTE.c.kind == kind)
            .order_by(NOTE.c.id))
        return [dict(r.data) for r in rows]


def three_leads(rt: Runtime, actors: dict[str, Actor]) -> list[int]:
    """Two leads in 东城区 and one in 西城县, created Mon 2 March 09:00."""
    return [new_lead(rt, actors["东城办-联络员"], "510101"),
            new_lead(rt, actors["东城办-联络员"], "510101"),
            new_lead(rt, actors["西城办-联络员"], "510102")]


def test_daily_digest_counts_each_office_subtree(rt: Runtime, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    """At 08:00 the city office counts all three new leads, each county its own."""
    three_leads(rt, actors)
    clock.set(cst(3, 3, 8))
    daily_digest(rt)
    assert [d["new"] for d in digest_of(rt, "市办-线索组", "digest_daily")] == [3]
    assert [d["new"] for d in digest_of(rt, "东城办-联络员", "digest_daily")] == [2]
    assert [d["new"] for d in digest_of(rt, "南山办-联络员", "digest_daily")] == [0]
    assert [d["new"] for d in digest_of(rt, "省指导组-审计", "digest_daily")] == [3]


def test_daily_digest_is_produced_once_per_day(rt: Runtime, clock: ManualClock,
                                               actors: dict[str, Actor]) -> None:
    """A second scheduler running the same day's digest produces nothing more."""
    three_leads(rt, actors)
    clock.set(cst(3, 3, 8))
    first = daily_digest(rt)
    clock.set(cst(3, 3, 15))
    second = daily_digest(rt)
    assert (first.period, second.period) == ("2026-03-03", "2026-03-03")
    assert (second.produced, second.skipped) == (0, first.produced)
    assert len(digest_of(rt, "市办-线索组", "digest_daily")) == 1


def test_daily_digest_reports_overdue_and_yesterdays_escalations(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """On Tue 10 March the city sees three overdue leads escalated at level 1 yesterday."""
    three_leads(rt, actors)
    clock.set(cst(3, 9))
    run_sweep(rt)
    clock.set(cst(3, 10, 8))
    daily_digest(rt)
    [digest] = digest_of(rt, "市办-线索组", "digest_daily")
    assert (digest["overdue"], digest["escalated"]) == (3, {"1": 3})


def test_daily_digest_reports_items_due_within_a_day(rt: Runtime, clock: ManualClock,
                                                     actors: dict[str, Actor]) -> None:
    """On Sun 8 March 09:30 the three leads due Mon 09:00 are due soon, not overdue."""
    three_leads(rt, actors)
    clock.set(cst(3, 8, 9, 30))
    daily_digest(rt)
    [digest] = digest_of(rt, "市办-线索组", "digest_daily")
    assert (digest["due_soon"], digest["overdue"]) == (3, 0)


def test_weekly_summary_counts_new_and_closed(rt: Runtime, clock: ManualClock,
                                              actors: dict[str, Actor]) -> None:
    """The summary of the week to Mon 9 March 08:30 counts 3 new, 1 closed, 2 open."""
    lead = three_leads(rt, actors)[0]
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=handler, item_id=lead, trigger="accept", data={"disposal": "preliminary_check"})
    apply(rt, actor=handler, item_id=lead, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    clock.set(cst(3, 10))
    report = weekly_summary(rt)
    [summary] = digest_of(rt, "市办-线索组", "digest_weekly")
    assert report.period == "2026-W11"
    assert (summary["new"], summary["closed"], summary["open_by_state"]) == (
        3, 1, {"received": 2})


def test_weekly_summary_speaks_chinese_and_carries_the_report_figures(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """States by their labels (受理, not `received`), and 办结率 … of the calendar week
    before, equal to the performance report of those dates."""
    lead = three_leads(rt, actors)[0]
    office = actors["东城办-联络员"]
    apply(rt, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=office, item_id=lead, trigger="accept", data={"disposal": "preliminary_check"})
    apply(rt, actor=office, item_id=lead, trigger="close",
          data={"outcome": "unfounded", "conclusion": "查无实据",
                "disposal": "preliminary_check"})
    clock.set(cst(3, 10))
    weekly_summary(rt)
    with read_tx(rt.db) as conn:
        body = conn.execute(select(NOTE.c.body).where(
            NOTE.c.recipient_id == user_id(rt, "市办-线索组"),
            NOTE.c.kind == "digest_weekly")).scalar_one()
    assert "在办：受理 2" in body
    assert "received" not in body
    assert "办结率 1/3" in body
    assert "签收及时率 1/1" in body
    [summary] = digest_of(rt, "市办-线索组", "digest_weekly")
    assert summary["figures"]["closure_rate"] == [1, 3]
