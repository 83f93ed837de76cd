"""Working days on China's official calendar: public holidays off, adjusted working weekends
(调休) on. Days are counted in China Standard Time; datetimes in and out are aware UTC."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class WorkCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...

    def add_working_days(self, start: datetime, days: float) -> datetime: ...

    def subtract_working_days(self, end: datetime, days: float) -> datetime: ...


def step_working_days(is_working_day: Callable[[date], bool], start: datetime, days: float,
                      direction: int) -> datetime:
    """Move `days` working days from `start` (whole days land on the same local time of day;
    a fraction is added as calendar time)."""
    local = start.astimezone(CHINA_TZ)
    whole = int(days)
    day = local.date()
    remaining = whole
    while remaining > 0:
        day += timedelta(days=direction)
        if is_working_day(day):
            remaining -= 1
    result = datetime.combine(day, local.timetz())
    frac = days - whole
    if frac:
        result += timedelta(days=frac) * direction
    return result.astimezone(UTC)


class ChinaCalendar:
    """China's calendar from the `holidays` package, plus admin overrides.

    `overrides` maps a date to True (working day) or False (day off); it wins over the
    package, so an admin can enter a year's 调休 before the package knows it."""

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._years: set[int] = set()
        self._cn = holidays.country_holidays("CN", years=[])

    def _ensure(self, year: int) -> None:
        if year not in self._years:
            self._years.add(year)
            self._cn = holidays.country_holidays("CN", years=sorted(self._years))

    def set_override(self, day: date, working: bool) -> None:
        self._overrides[day] = working

    def published_years(self, years: Iterable[int]) -> dict[int, bool]:
        """Whether the package knows each year's adjusted working weekends (调休); a year
        without any is treated as not yet published by the State Council."""
        out = {}
        for y in years:
            self._ensure(y)
            known = any(d.year == y for d in self._cn.weekend_workdays)
            overridden = any(d.year == y for d in self._overrides)
            out[y] = known or overridden
        return out

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        self._ensure(day.year)
        if day in self._cn.weekend_workdays:
            return True
        if day in self._cn:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """The same local time of day on the `days`-th working day after `start`'s date."""
        return step_working_days(self.is_working_day, start, days, 1)

    def subtract_working_days(self, end: datetime, days: float) -> datetime:
        return step_working_days(self.is_working_day, end, days, -1)


class WeekdayCalendar:
    """Plain Monday-to-Friday: the fallback when a year's official calendar is unknown."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return step_working_days(self.is_working_day, start, days, 1)

    def subtract_working_days(self, end: datetime, days: float) -> datetime:
        return step_working_days(self.is_working_day, end, days, -1)
