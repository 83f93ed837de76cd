"""The raw counts of a performance report for one group of items, and the figures made from
them: every figure with its numerator and denominator (formulas: docs/reports.md)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from engine.reports.labels import FIGURE_LABELS


@dataclass(frozen=True, kw_only=True)
class Figure:
    key: str
    label: str
    numerator: float
    denominator: int | None  # None for a plain count
    value: float | None  # numerator / denominator, rounded; the count itself for a count


@dataclass(kw_only=True)
class Counts:
    """What the database counted for one group; added up the tree by `add`."""

    received: int = 0
    closed: int = 0
    closed_of_received: int = 0
    closed_late: int = 0
    due: int = 0
    overdue_open: int = 0
    returned_of_received: int = 0
    reopened: int = 0
    signed_for: int = 0
    signed_for_late: int = 0
    handling_days: Counter[int] = field(default_factory=Counter)  # working days → items
    extra: Counter[str] = field(default_factory=Counter)  # e.g. supervision_figures' counts

    def add(self, other: Counts) -> None:
        for name in ("received", "closed", "closed_of_received", "closed_late", "due",
                     "overdue_open", "returned_of_received", "reopened", "signed_for",
                     "signed_for_late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.handling_days.update(other.handling_days)
        self.extra.update(other.extra)


def _rate(key: str, num: float, den: int) -> Figure:
    return Figure(key=key, label=FIGURE_LABELS[key], numerator=num, denominator=den,
                  value=round(num / den, 4) if den else None)


def _count(key: str, n: int) -> Figure:
    return Figure(key=key, label=FIGURE_LABELS[key], numerator=n, denominator=None, value=n)


def _median(days: Counter[int]) -> float | None:
    """The median of the multiset {days: count}, without expanding it."""
    total = sum(days.values())
    if not total:
        return None
    lo, hi = (total - 1) // 2, total // 2  # the middle position(s), 0-based
    middle: list[int] = []
    seen = 0
    for d in sorted(days):
        nxt = seen + days[d]
        middle += [d] * sum(seen <= pos < nxt for pos in (lo, hi))
        seen = nxt
    return float(statistics.mean(middle))


def figures(c: Counts) -> tuple[Figure, ...]:
    on_time = c.closed - c.closed_late
    handled = sum(c.handling_days.values())
    total_days = sum(d * n for d, n in c.handling_days.items())
    median = _median(c.handling_days)
    return (
        _count("received", c.received),
        _count("closed", c.closed),
        _rate("closure_rate", c.closed_of_received, c.received),
        _rate("on_time_rate_of_closed", on_time, c.closed),
        _rate("on_time_rate_of_due", on_time, c.due),
        _count("overdue_open", c.overdue_open),
        _count("closed_late", c.closed_late),
        _rate("sign_for_rate", c.signed_for - c.signed_for_late, c.signed_for),
        _rate("handling_days_mean", total_days, handled),
        Figure(key="handling_days_median", label=FIGURE_LABELS["handling_days_median"],
               numerator=median if median is not None else 0, denominator=handled,
               value=median),
        _rate("return_rate", c.returned_of_received, c.received),
        _rate("reopen_rate", c.reopened, c.closed),
    )
