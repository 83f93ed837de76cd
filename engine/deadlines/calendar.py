"""Working days on China's official calendar: public holidays off, adjusted working weekends
(调休) on. Days are counted in China Standard Time; datetimes in and out are aware UTC.

The State Council publishes each year's schedule late in the year before. For a year the
`holidays` package does not know yet, the calendar warns loudly (once per year) and falls back
to plain Monday-to-Friday, under whatever days an admin entered as overrides
(`leadflow calendar load FILE`, engine/deadlines/overrides.py); the warning stops only once an
admin loaded the year's schedule as complete (`published_years` in the file), never because
some days of it were entered."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
import structlog

CHINA_TZ = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)
log = structlog.get_logger("engine.deadlines.calendar")


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


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)


def working_seconds_between(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Seconds between `start` and `end` that fall on working days (0 if end <= start): the
    working time left on a deadline, which a pause keeps and a resume gives back."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(CHINA_TZ).date()
    last = end.astimezone(CHINA_TZ).date()
    while day <= last:
        if calendar.is_working_day(day):
            lo = max(start, _local_midnight(day))
            hi = min(end, _local_midnight(day + DAY))
            total += max((hi - lo).total_seconds(), 0.0)
        day += DAY
    return total


def add_working_seconds(calendar: WorkCalendar, start: datetime, seconds: float) -> datetime:
    """The instant at which `seconds` of working-day time have passed since `start`."""
    left = max(seconds, 0.0)
    cursor = start.astimezone(CHINA_TZ)
    while True:
        day = cursor.date()
        day_end = _local_midnight(day + DAY)
        if calendar.is_working_day(day):
            available = (day_end - cursor).total_seconds()
            if left <= available:
                return (cursor + timedelta(seconds=left)).astimezone(UTC)
            left -= available
        cursor = day_end


@dataclass(frozen=True, kw_only=True)
class _Admin:
    """What the admins entered, with the answers computed under it: replaced whole, so a
    thread reading it never mixes one load's days with another's answers."""

    overrides: Mapping[date, bool]
    published: frozenset[int]  # years whose whole schedule an admin loaded
    memo: dict[date, bool]  # answers per day under these overrides
    # (from, whole working days, direction) -> the day it lands on: a deadline is planned
    # from one of few days, so each is counted out once, not day by day on every call
    shifts: dict[tuple[date, int, int], date] = field(default_factory=dict)


class ChinaCalendar:
    """China's calendar from the `holidays` package, plus admin overrides.

    `overrides` maps a date to True (working day) or False (day off); it wins over the
    package. A year is *published* when the package knows its adjusted working weekends or
    an admin loaded its schedule as complete (`published`); an unpublished year is counted
    Monday to Friday (with a warning) under the overrides. `revision` is the database's
    calendar revision these overrides were read at (engine/deadlines/overrides.py)."""

    def __init__(self, overrides: Mapping[date, bool] | None = None,
                 published: Iterable[int] = ()) -> None:
        self._admin = _Admin(overrides=dict(overrides or {}), published=frozenset(published),
                             memo={})
        self.revision: int | None = None
        self._years: set[int] = set()
        self._warned: set[int] = set()
        self._published: dict[int, bool] = {}
        self._lock = threading.Lock()
        self._cn = holidays.country_holidays("CN", years=[])

    def _ensure(self, year: int) -> None:
        if year not in self._years:
            with self._lock:
                years = sorted(self._years | {year})
                cn = holidays.country_holidays("CN", years=years)
                self._published[year] = any(d.year == year for d in cn.weekend_workdays)
                self._cn = cn
                self._years.add(year)

    def set_override(self, day: date, working: bool) -> None:
        admin = self._admin
        self.replace_overrides({**admin.overrides, day: working}, admin.published)

    def replace_overrides(self, overrides: Mapping[date, bool],
                          published: Iterable[int] | None = None) -> None:
        """Swap in the admin's overrides (and complete years, when given) as a whole, as
        read from the database."""
        admin = self._admin
        years = admin.published if published is None else frozenset(published)
        if dict(overrides) != admin.overrides or years != admin.published:
            self._admin = _Admin(overrides=dict(overrides), published=years, memo={})

    @property
    def overrides(self) -> dict[date, bool]:
        return dict(self._admin.overrides)

    @property
    def admin_published(self) -> frozenset[int]:
        """The years an admin loaded as complete."""
        return self._admin.published

    def package_knows(self, year: int) -> bool:
        self._ensure(year)
        return self._published[year]

    def published_years(self, years: Iterable[int]) -> dict[int, bool]:
        """Whether each year's schedule is known: from the package (its adjusted working
        weekends, 调休) or loaded by an admin as complete. Some override days of a year do
        not make it known: a sample of four days leaves the other holidays unknown."""
        published = self._admin.published
        return {y: self.package_knows(y) or y in published for y in years}

    def is_working_day(self, day: date) -> bool:
        return self._working_under(self._admin, day)

    def _working_under(self, admin: _Admin, day: date) -> bool:
        # the answer is stored with the overrides it came from
        known = admin.memo.get(day)
        if known is None:
            known = admin.memo[day] = self._is_working_day(admin, day)
        return known

    def _is_working_day(self, admin: _Admin, day: date) -> bool:
        if day in admin.overrides:
            return admin.overrides[day]
        if not self.package_knows(day.year):
            self._warn_unpublished(admin, day.year)
            return day.weekday() < 5
        if day in self._cn.weekend_workdays:
            return True
        if day in self._cn:
            return False
        return day.weekday() < 5

    def _warn_unpublished(self, admin: _Admin, year: int) -> None:
        if year in self._warned or year in admin.published:
            return
        self._warned.add(year)
        log.warning("calendar_year_unpublished", year=year,
                    fallback="plain weekdays (Mon-Fri)",
                    fix=f"load {year}'s whole schedule (holidays and 调休, with "
                        f"`published_years: [{year}]`) using `leadflow calendar load`")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """The same local time of day on the `days`-th working day after `start`'s date."""
        return self._shift(start, days, 1)

    def subtract_working_days(self, end: datetime, days: float) -> datetime:
        return self._shift(end, days, -1)

    def _shift(self, start: datetime, days: float, direction: int) -> datetime:
        """`step_working_days`, with the landing day remembered under these overrides."""
        admin = self._admin
        local = start.astimezone(CHINA_TZ)
        whole = int(days)
        key = (local.date(), whole, direction)
        day = admin.shifts.get(key)
        if day is None:
            landed = step_working_days(lambda d: self._working_under(admin, d),
                                       _local_midnight(key[0]), whole, direction)
            day = admin.shifts[key] = landed.astimezone(CHINA_TZ).date()
        result = datetime.combine(day, local.timetz())
        frac = days - whole
        if frac:
            result += timedelta(days=frac) * direction
        return result.astimezone(UTC)


class WeekdayCalendar:
    """Plain Monday-to-Friday: the fallback when a year's official calendar is unknown."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return step_working_days(self.is_working_day, start, days, 1)

    def subtract_working_days(self, end: datetime, days: float) -> datetime:
        return step_working_days(self.is_working_day, end, days, -1)


def calendar_warnings(calendar: WorkCalendar, now: datetime,
                      horizon: timedelta = timedelta(days=90)) -> list[str]:
    """Warnings for /readyz: years a deadline set now may reach whose official schedule is
    neither in the package nor entered by an admin."""
    if not isinstance(calendar, ChinaCalendar):
        return []
    first = now.astimezone(CHINA_TZ).year
    last = (now + horizon).astimezone(CHINA_TZ).year
    known = calendar.published_years(range(first, last + 1))
    return [f"calendar: {year}'s official holidays and adjusted working days (调休) are not "
            "published in the holidays package and no overrides are loaded; counting plain "
            f"weekdays. Load them with `leadflow calendar load FILE`."
            for year, ok in sorted(known.items()) if not ok]
