"""The working-day calendar's own tables: admin overrides of China's official calendar, the
years an admin loaded complete, and the revision every process compares before planning
deadlines."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from engine.storage.types import UTCDateTime, core_table


class CalendarOverride(SQLModel, table=True):
    """An admin's word on one day: working (an adjusted working weekend) or not (a holiday).
    Wins over the `holidays` package; how a not-yet-published year gets its schedule."""

    __tablename__ = "calendar_override"
    day: date = Field(primary_key=True)
    working: bool
    note: str = Field(default="", max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CalendarYear(SQLModel, table=True):
    """A year whose whole official schedule an admin loaded (`published_years` in the
    file): only then does the calendar stop warning that the year is unpublished."""

    __tablename__ = "calendar_year"
    year: int = Field(primary_key=True)
    note: str = Field(default="", max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CalendarRevision(SQLModel, table=True):
    """One row (id 1) counting the loads of overrides. A process reads it before planning a
    deadline and reloads its overrides when it moved: one primary-key read, not the table."""

    __tablename__ = "calendar_revision"
    id: int = Field(primary_key=True)
    revision: int = 0


CALENDAR_OVERRIDE = core_table(CalendarOverride)
CALENDAR_YEAR = core_table(CalendarYear)
CALENDAR_REVISION = core_table(CalendarRevision)
