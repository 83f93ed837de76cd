"""Admin overrides of China's calendar: the YAML file `leadflow calendar load` reads, the
tables it is stored in, and how every process keeps its calendar current.

A load writes its days, the years the file declares complete, and bumps one revision counter,
in one transaction. Each process compares that revision (one primary-key read) before it
plans a deadline (engine.items.transition) and before each sweep batch, and reloads the
overrides when it moved: a holiday loaded by one process counts in every API process from
its next transition on, without a restart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, delete, insert, select, update

from engine.deadlines.calendar import ChinaCalendar, WorkCalendar
from engine.errors import InvalidData
from engine.storage import CALENDAR_OVERRIDE, CALENDAR_REVISION, CALENDAR_YEAR

FILE_KEYS = ("note", "days_off", "working_days", "published_years")
_REVISION = select(CALENDAR_REVISION.c.revision).where(CALENDAR_REVISION.c.id == 1)


@dataclass(frozen=True, kw_only=True)
class OverrideDay:
    day: date
    working: bool
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class OverrideFile:
    """A calendar file: its days, and the years it says it holds the whole schedule of."""

    days: tuple[OverrideDay, ...]
    published_years: tuple[int, ...]
    note: str = ""


def read_overrides(conn: Connection) -> list[OverrideDay]:
    t = CALENDAR_OVERRIDE
    return [OverrideDay(day=r.day, working=r.working, note=r.note)
            for r in conn.execute(select(t).order_by(t.c.day))]


def read_published_years(conn: Connection) -> list[int]:
    """The years an admin loaded complete."""
    return [int(y) for y in conn.execute(select(CALENDAR_YEAR.c.year)
                                         .order_by(CALENDAR_YEAR.c.year)).scalars()]


def read_revision(conn: Connection) -> int:
    return int(conn.execute(_REVISION).scalar() or 0)


def refresh_overrides(calendar: WorkCalendar, conn: Connection) -> int:
    """Load the overrides and complete years into `calendar` (a ChinaCalendar); returns
    how many days. Every process calls this at start; `sync_calendar` when they changed."""
    revision = read_revision(conn)  # first: data read after it is at least this new
    days = read_overrides(conn)
    if isinstance(calendar, ChinaCalendar):
        calendar.replace_overrides({d.day: d.working for d in days},
                                   read_published_years(conn))
        calendar.revision = revision
    return len(days)


def sync_calendar(calendar: WorkCalendar, conn: Connection) -> bool:
    """Reload the overrides if another process loaded some since; True when it did. The
    check is one primary-key read, cheap enough for every deadline planned."""
    if not isinstance(calendar, ChinaCalendar) or read_revision(conn) == calendar.revision:
        return False
    refresh_overrides(calendar, conn)
    return True


def store_overrides(conn: Connection, days: Iterable[OverrideDay], now: datetime, *,
                    published_years: Iterable[int] = (), note: str = "") -> int:
    """Insert or replace override days and mark `published_years` complete, then move the
    revision (the caller's transaction: all or nothing). Returns how many days."""
    rows = [{"day": d.day, "working": d.working, "note": d.note, "updated_at": now}
            for d in days]
    years = sorted(set(published_years))
    if rows:
        conn.execute(delete(CALENDAR_OVERRIDE).where(
            CALENDAR_OVERRIDE.c.day.in_([r["day"] for r in rows])))
        conn.execute(insert(CALENDAR_OVERRIDE), rows)
    if years:
        conn.execute(delete(CALENDAR_YEAR).where(CALENDAR_YEAR.c.year.in_(years)))
        conn.execute(insert(CALENDAR_YEAR), [{"year": y, "note": note[:200], "updated_at": now}
                                              for y in years])
    if rows or years:
        bumped = conn.execute(update(CALENDAR_REVISION).where(CALENDAR_REVISION.c.id == 1)
                              .values(revision=CALENDAR_REVISION.c.revision + 1))
        if bumped.rowcount == 0:  # the row migration 0006 seeds is missing
            conn.execute(insert(CALENDAR_REVISION).values(id=1, revision=1))
    return len(rows)


def parse_override_file(path: Path) -> OverrideFile:
    """Read a YAML file of override days:

        note: 国务院办公厅关于2027年部分节假日安排的通知
        days_off: [2027-02-06, 2027-02-07, ...]       # holidays, 休
        working_days: [2027-02-14, ...]               # adjusted working weekends, 班
        published_years: [2027]                       # this file is 2027's whole schedule

    A year counts as published (no more "unpublished year" warning) only when listed in
    `published_years`; a file without it adds days and leaves the year unpublished.
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
    problems = {str(k): f"unknown key; expected {', '.join(FILE_KEYS)} (a year whose whole "
                        "schedule this file holds goes in published_years: [YYYY])"
                for k in doc if k not in FILE_KEYS}
    days = _days(doc, note, problems)
    years = _published_years(doc.get("published_years"), days, problems)
    if problems:
        listed = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise InvalidData(f"{path}: {listed}", fields=problems)
    return OverrideFile(days=tuple(sorted(days.values(), key=lambda d: d.day)),
                        published_years=years, note=note)


def _days(doc: Mapping[str, Any], note: str, problems: dict[str, str]
          ) -> dict[date, OverrideDay]:
    out: dict[date, OverrideDay] = {}
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
    return out


def _published_years(raw: Any, days: Mapping[date, OverrideDay],
                     problems: dict[str, str]) -> tuple[int, ...]:
    """The years the file declares complete; each must have its days in this file."""
    if raw is None or raw == "":
        return ()
    if not isinstance(raw, list):
        problems["published_years"] = "must be a list of years (e.g. [2027])"
        return ()
    years: list[int] = []
    covered = {d.year for d in days}
    for i, entry in enumerate(raw):
        text = str(entry)
        if not (text.isdigit() and len(text) == 4):
            problems[f"published_years[{i}]"] = f"{entry!r} is not a year (YYYY)"
        elif int(text) not in covered:
            problems[f"published_years[{i}]"] = (
                f"{text} has no days in this file: a year is complete only with its "
                "holidays and adjusted working days listed")
        else:
            years.append(int(text))
    return tuple(sorted(set(years)))


def _as_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None
