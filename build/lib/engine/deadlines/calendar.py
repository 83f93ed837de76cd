"""Working days on China's official calendar: public holidays off, adjusted working weekends
(调休) on. Days are counted in China Standard Time; datetimes in and out are aware UTC.

The State Council publishes each year's schedule late in the year before. For a year the
`holidays` package does not know yet, the calendar warns loudly (once per year) and falls back
to plain Monday-to-Friday, under whatever days an admin entered as overrides
(`leadflow calendar load FILE`, table calendar_override)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import holidays
import structlog
import yaml
from sqlalchemy import Connection, delete, insert, select

from engine.errors import InvalidData
from engine.storage import CALENDAR_OVERRIDE

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


class ChinaCalendar:
    """China's calendar from the `holidays` package, plus admin overrides.

    `overrides` maps a date to True (working day) or False (day off); it wins over the
    package. A year is *published* when the package knows its adjusted working weekends;
    an unpublished year is counted Monday to Friday (with a warning) under the overrides."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._years: set[int] = set()
        self._warned: set[int] = set()
        self._published: dict[int, bool] = {}
        self._memo: dict[date, bool] = {}  # answers per day; dropped when overrides change
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
        self._overrides[day] = working
        self._memo = {}

    def replace_overrides(self, overrides: Mapping[date, bool]) -> None:
        """Swap in the admin's overrides as a whole (as read from the database)."""
        if dict(overrides) != self._overrides:
            self._overrides = dict(overrides)
            self._memo = {}

    @property
    def overrides(self) -> dict[date, bool]:
        return dict(self._overrides)

    def package_knows(self, year: int) -> bool:
        self._ensure(year)
        return self._published[year]

    def published_years(self, years: Iterable[int]) -> dict[int, bool]:
        """Whether each year's schedule is known: from the package (its adjusted working
        weekends, 调休) or entered by an admin as overrides."""
        out = {}
        for y in years:
            overridden = any(d.year == y for d in self._overrides)
            out[y] = self.package_knows(y) or overridden
        return out

    def is_working_day(self, day: date) -> bool:
        known = self._memo.get(day)
        if known is None:
            known = self._memo[day] = self._is_working_day(day)
        return known

    def _is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if not self.package_knows(day.year):
            self._warn_unpublished(day.year)
            return day.weekday() < 5
        if day in self._cn.weekend_workdays:
            return True
        if day in self._cn:
            return False
        return day.weekday() < 5

    def _warn_unpublished(self, year: int) -> None:
        if year in self._warned:
            return
        self._warned.add(year)
        if not any(d.year == year for d in self._overrides):
            log.warning("calendar_year_unpublished", year=year,
                        fallback="plain weekdays (Mon-Fri)",
                        fix=f"load {year}'s holidays and 调休 with `leadflow calendar load`")

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


# --- overrides stored in the database -----------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class OverrideDay:
    day: date
    working: bool
    note: str = ""


def _table() -> Any:
    return CALENDAR_OVERRIDE


def read_overrides(conn: Connection) -> list[OverrideDay]:
    t = _table()
    return [OverrideDay(day=r.day, working=r.working, note=r.note)
            for r in conn.execute(select(t).order_by(t.c.day))]


def refresh_overrides(calendar: WorkCalendar, conn: Connection) -> int:
    """Load the override table into `calendar` (a ChinaCalendar); returns how many days.
    Every process that computes deadlines calls this at start; the scheduler on every tick."""
    days = read_overrides(conn)
    if isinstance(calendar, ChinaCalendar):
        calendar.replace_overrides({d.day: d.working for d in days})
    return len(days)


def store_overrides(conn: Connection, days: Iterable[OverrideDay], now: datetime) -> int:
    """Insert or replace override days (the caller's transaction: all or nothing)."""
    t = _table()
    rows = [{"day": d.day, "working": d.working, "note": d.note, "updated_at": now}
            for d in days]
    if rows:
        conn.execute(delete(t).where(t.c.day.in_([r["day"] for r in rows])))
        conn.execute(insert(t), rows)
    return len(rows)


def parse_override_file(path: Path) -> list[OverrideDay]:
    """Read a YAML file of override days:

        days_off: [2027-02-06, 2027-02-07, ...]       # holidays, 休
        working_days: [2027-02-14, ...]               # adjusted working weekends, 班
        note: 国务院办公厅关于2027年部分节假日安排的通知

    Raises InvalidData naming every bad entry; nothing is stored unless all are valid."""
    try:
        # BaseLoader keeps every scalar a string: we parse the dates ourselves and can name
        # a bad one instead of failing inside YAML's timestamp constructor
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidData(f"{path}: cannot read calendar file: {exc}") from None
    if not isinstance(doc, Mapping) or not ({"days_off", "working_days"} & set(doc)):
        raise InvalidData(f"{path}: expected a mapping with days_off and/or working_days lists")
    note = str(doc.get("note", ""))[:200]
    out: dict[date, OverrideDay] = {}
    problems: dict[str, str] = {}
    for key, working in (("days_off", False), ("working_days", True)):
        entries = doc.get(key) or []
        if not isinstance(entries, list):
            problems[key] = "must be a list of dates (YYYY-MM-DD)"
            continue
        for i, raw in enumerate(entries):
            day = _as_date(raw)
            if day is None:
                problems[f"{key}[{i}]"] = f"{raw!r} is not a date (YYYY-MM-DD)"
            elif day in out and out[day].working != working:
                problems[f"{key}[{i}]"] = f"{day} is listed both as day off and working day"
            else:
                out[day] = OverrideDay(day=day, working=working, note=note)
    if problems:
        listed = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise InvalidData(f"{path}: {listed}", fields=problems)
    return sorted(out.values(), key=lambda d: d.day)


def _as_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None
