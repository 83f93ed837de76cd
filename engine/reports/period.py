"""A report period in China time: a month (2026-03), a quarter (2026-Q1) or from/to dates
(both included), as the half-open UTC interval [start, end) the queries compare with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.deadlines import CHINA_TZ
from engine.errors import InvalidData

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, kw_only=True)
class Period:
    label: str  # e.g. 2026年3月
    first: date  # China dates, both included
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=CHINA_TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=CHINA_TZ)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(*, month: str | None = None, quarter: str | None = None,
                 date_from: date | None = None, date_to: date | None = None) -> Period:
    """Exactly one of month, quarter or the pair from/to; InvalidData otherwise."""
    given = sum(x is not None for x in (month, quarter)) + (
        1 if date_from is not None or date_to is not None else 0)
    if given != 1:
        raise InvalidData("give exactly one period: month (2026-03), quarter (2026-Q1) "
                          "or from and to", fields={"period": "one of month, quarter, from/to"})
    if month is not None:
        m = _MONTH.match(month)
        if not m or not 1 <= int(m[2]) <= 12:
            raise InvalidData(f"month {month!r}: write YYYY-MM", fields={"month": "YYYY-MM"})
        y, mo = int(m[1]), int(m[2])
        return Period(label=f"{y}年{mo}月", first=date(y, mo, 1), last=_month_end(y, mo))
    if quarter is not None:
        q = _QUARTER.match(quarter)
        if not q:
            raise InvalidData(f"quarter {quarter!r}: write YYYY-Qn",
                              fields={"quarter": "YYYY-Q1 … YYYY-Q4"})
        y, n = int(q[1]), int(q[2])
        return Period(label=f"{y}年第{n}季度", first=date(y, 3 * n - 2, 1),
                      last=_month_end(y, 3 * n))
    if date_from is None or date_to is None or date_to < date_from:
        raise InvalidData("from and to are both needed, from ≤ to",
                          fields={"from": "a date", "to": "a date on or after from"})
    return Period(label=f"{date_from.isoformat()} 至 {date_to.isoformat()}",
                  first=date_from, last=date_to)
