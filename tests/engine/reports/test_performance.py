"""The performance report's figures over a March whose numbers are worked out by hand."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from engine.errors import InvalidData, NotFound
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.reports import (
    Counts,
    Performance,
    definitions,
    figures,
    parse_period,
    performance,
    semantics,
)
from engine.runtime import Runtime
from engine.storage.db import read_tx
from tests.engine.reports.scenario import CLOSE, cst, march
from tests.engine.scheduling.helpers import jid


def report(rt: Runtime, actor: Actor, jurisdiction: str | None = None,
           month: str = "2026-03") -> Performance:
    with read_tx(rt.db) as conn:
        return performance(conn, actor, period=parse_period(month=month),
                           now=rt.clock.now(), calendar=rt.calendar,
                           semantics=semantics(definitions(rt.registry)),
                           jurisdiction_id=jid(rt, jurisdiction) if jurisdiction else None)


def fig(figures: tuple[object, ...]) -> dict[str, tuple[float, int | None]]:
    return {f.key: (f.numerator, f.denominator) for f in figures}  # type: ignore[attr-defined]


def test_march_figures_with_numerators_and_denominators(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    march(rt, clock, actors)
    out = report(rt, actors["市办-线索组"], "5101")
    assert fig(out.total) == {
        "received": (4, None), "closed": (2, None),
        "closure_rate": (2, 4),  # A and B of the four received
        "on_time_rate_of_closed": (1, 2),  # A
        "on_time_rate_of_due": (1, 3),  # due: A, B closed; D open, due 9 March
        "overdue_open": (1, None), "closed_late": (1, None),  # D; B
        "sign_for_rate": (1, 2),  # A accepted in time, B not
        "handling_days_mean": (15, 2),  # 4 + 11 working days
        "handling_days_median": (7.5, 2),
        "return_rate": (1, 4), "reopen_rate": (0, 2),
        # no notice or extension this March (tests/engine/reports/test_supervision_figures.py)
        "supervision_notices": (0, None), "supervision_replied_on_time": (0, 0),
        "extensions_granted": (0, 0), "closed_extended": (0, 2),
    }
    rows = {r.code: fig(r.figures) for r in out.jurisdictions}
    assert rows["5101"] == fig(out.total)  # the city row holds its whole subtree
    assert rows["510101"]["received"] == (3, None)
    assert rows["510102"]["return_rate"] == (1, 1)
    units = {(r.jurisdiction_code, r.code): fig(r.figures) for r in out.units}
    assert units[("510101", "dc-police")]["closed"] == (2, None)
    assert units[("510101", "")]["overdue_open"] == (1, None)  # D has no unit yet


def test_a_county_sees_its_own_figures_only(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    march(rt, clock, actors)
    dc = actors["东城办-联络员"]
    assert fig(report(rt, dc).total)["received"] == (3, None)
    assert {r.code for r in report(rt, dc).jurisdictions} == {"510101"}
    with pytest.raises(NotFound):
        report(rt, dc, "510102")


def test_a_reopening_counts_and_another_month_is_empty(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    items = march(rt, clock, actors)
    clock.set(cst(3, 23))
    apply(rt, actor=actors["东城办-联络员"], item_id=items["A"], trigger="reopen",
          data={"reason": "出现新证据"})
    figures = fig(report(rt, actors["市办-线索组"]).total)
    # A is open again: one closed (B), and A's reopening in March is not one of B's
    assert figures["closed"] == (1, None)
    assert figures["closure_rate"] == (1, 4)
    assert fig(report(rt, actors["市办-线索组"], month="2026-02").total)["received"] == (0, None)


def test_a_reopening_counts_in_its_own_period_only(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """A reopened on the 23rd and closed again on the 24th: one of March's closed items was
    reopened in March. B reopened on the 25th and closed again on 2 April: April's one
    closed item was reopened in March, not April."""
    items, office = march(rt, clock, actors), actors["东城办-联络员"]
    for item, reopened, closed in (("A", cst(3, 23), cst(3, 24)), ("B", cst(3, 25), cst(4, 2))):
        clock.set(reopened)
        apply(rt, actor=office, item_id=items[item], trigger="reopen", data={"reason": "新证据"})
        clock.set(closed)
        apply(rt, actor=office, item_id=items[item], trigger="close", data=CLOSE)
    city = actors["市办-线索组"]
    march_, april = fig(report(rt, city).total), fig(report(rt, city, month="2026-04").total)
    assert march_["reopen_rate"] == (1, 1)
    assert april["reopen_rate"] == (0, 1)
    # A closed on time in March; B, late in its transferred stay, closed in April
    assert (march_["closed_late"], april["closed_late"]) == ((0, None), (1, None))


def test_an_acceptance_is_late_by_the_stay_it_ends_only(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """D went overdue while received (marked by the sweep on the 16th), then was transferred
    on the 20th and accepted on the 23rd, within its 5 working days: on time, whatever the
    marks of its earlier stay."""
    items, office = march(rt, clock, actors), actors["东城办-联络员"]
    apply(rt, actor=office, item_id=items["D"], trigger="transfer", data={"unit": "dc-police"})
    clock.set(cst(3, 23))
    apply(rt, actor=office, item_id=items["D"], trigger="accept",
          data={"disposal": "talk_inquiry"})
    assert fig(report(rt, actors["市办-线索组"]).total)["sign_for_rate"] == (2, 3)


def test_periods() -> None:
    q = parse_period(quarter="2026-Q1")
    assert (q.first, q.last, q.label) == (date(2026, 1, 1), date(2026, 3, 31), "2026年第1季度")
    assert parse_period(month="2026-12").last == date(2026, 12, 31)
    span = parse_period(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    assert span.end.isoformat() == "2026-03-03T00:00:00+08:00"
    for bad in ({"month": "2026-13"}, {"quarter": "2026-Q5"}, {},
                {"month": "2026-03", "quarter": "2026-Q1"}):
        with pytest.raises(InvalidData):
            parse_period(**bad)  # type: ignore[arg-type]


def test_the_median_of_counted_working_days() -> None:
    """The median is taken from {days: items} without expanding it, odd and even counts."""
    def median(days: dict[int, int]) -> float | None:
        c = Counts(handling_days=Counter(days))
        return next(f.value for f in figures(c) if f.key == "handling_days_median")

    assert median({}) is None
    assert median({1: 3, 5: 1}) == 1
    assert median({1: 2, 3: 2, 9: 1}) == 3
    assert median({4: 1, 11: 1}) == 7.5
