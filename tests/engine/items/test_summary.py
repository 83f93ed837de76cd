"""The summary report (engine.items.reports.summary) against the same figures counted in
Python from the item rows, over varied items on both databases: the one grouped scan
folded per dimension, and the medians from histograms, exact at any bucket width."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.items.reports import UNSET, Summary, median_seconds, summary
from engine.items.transition import apply, create_item
from engine.kernel import SYSTEM
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from engine.storage import ITEM, JUR, UNIT
from engine.storage.db import read_tx
from tests.engine.scheduling.helpers import jid

CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "preliminary_check"}
CHANNELS = ("letter", "phone", "online")
CATEGORIES = ("law_enforcement", "violation")


def _items(rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Seventeen leads in two counties: transferred after different waits (some equal, so
    medians meet ties), some accepted and closed, a few left to go overdue."""
    dc, xc, handler = actors["东城办-联络员"], actors["西城办-联络员"], actors["东城公安-承办人"]
    for i in range(15):
        office, county = (dc, "510101") if i % 3 else (xc, "510102")
        item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, county),
                           title=f"线索{i}",
                           data={"channel": CHANNELS[i % 3],
                                 "category": CATEGORIES[i % 2]}).item_id
        clock.advance(timedelta(seconds=2 * (i * 37 % 11) + 1))
        if county == "510101" and i % 4:
            apply(rt, actor=dc, item_id=item, trigger="transfer", data={"unit": "dc-police"})
            clock.advance(timedelta(seconds=2 * (i * 53 % 7)))
            if i % 2:
                apply(rt, actor=handler, item_id=item, trigger="accept",
                      data={"disposal": "talk_inquiry"})
                clock.advance(timedelta(hours=i % 5, seconds=2 * i))
                apply(rt, actor=handler, item_id=item, trigger="close", data=CLOSE)
    clock.advance(timedelta(days=12))
    run_sweep(rt)  # the open ones past their limit get marks and raised levels
    for _ in range(2):  # two more, overdue for a shorter time: a lower level
        create_item(rt, actor=dc, workflow="lead", jurisdiction_id=jid(rt, "510101"),
                    title="新线索", data={"channel": "phone", "category": "violation"})
    clock.advance(timedelta(days=8))
    run_sweep(rt)


def _expected(rt: Runtime) -> Summary:
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(ITEM)).all()
        units = dict(conn.execute(select(UNIT.c.id, UNIT.c.code)).all())
        jurs = dict(conn.execute(select(JUR.c.id, JUR.c.code)).all())
    now = rt.clock.now()

    def by(values: list[Any]) -> dict[str, int]:
        return dict(Counter(str(v) if v is not None else UNSET for v in values))

    def median(values: list[float]) -> float | None:
        return round(statistics.median(values), 3) if values else None

    closed = [r for r in rows if r.closed_at is not None]
    moved = [r for r in rows if "transferred" in r.state_entries]
    return Summary(
        total=len(rows), by_state=by([r.state for r in rows]),
        by_channel=by([r.data.get("channel") for r in rows]),
        by_category=by([r.data.get("category") for r in rows]),
        by_unit=by([units.get(r.unit_id) for r in rows]),
        by_jurisdiction=by([jurs[r.jurisdiction_id] for r in rows]),
        by_disposal=by([r.data.get("disposal") for r in rows]),
        overdue_by_escalation_level=by([r.escalation_level for r in rows
                                        if r.closed_at is None and r.due_at is not None
                                        and r.due_at < now]),
        closed=len(closed), open=len(rows) - len(closed),
        median_seconds_to_transferred=median([
            (_aware(r.state_entries["transferred"]) - r.created_at).total_seconds()
            for r in moved]),
        median_seconds_to_closed=median([(r.closed_at - r.created_at).total_seconds()
                                         for r in closed]))


def _aware(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_the_summary_is_the_rows_counted_in_python(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    _items(rt, clock, actors)
    expected = _expected(rt)
    assert len(expected.by_state) >= 3
    assert len(expected.overdue_by_escalation_level) >= 2
    assert expected.closed >= 3
    assert expected.median_seconds_to_transferred is not None
    with read_tx(rt.db) as conn:
        assert summary(conn, SYSTEM, now=rt.clock.now()) == expected


def test_medians_are_exact_at_any_bucket_width(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """Buckets of 1 s put nearly every value in a bucket of its own, 7 s makes the middle
    pair straddle buckets or share one, 10^9 s puts all in one: the median never moves."""
    _items(rt, clock, actors)
    expected = _expected(rt)
    some = [ITEM.c.title != "线索1"]  # four of the five closed: an even count
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(ITEM.c.created_at, ITEM.c.closed_at).where(*some)).all()
        closed = [(c - a).total_seconds() for a, c in rows if c is not None]
        assert len(closed) % 2 == 0
        of_some = round(statistics.median(closed), 3)
        for width in (1, 7, 3600, 10**9):
            got = (median_seconds(conn, [], ITEM.c.state_entries["transferred"].as_string(),
                                  bucket_s=width),
                   median_seconds(conn, [], ITEM.c.closed_at, bucket_s=width),
                   median_seconds(conn, some, ITEM.c.closed_at, bucket_s=width))
            assert got == (expected.median_seconds_to_transferred,
                           expected.median_seconds_to_closed, of_some), width

