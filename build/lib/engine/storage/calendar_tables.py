"""The working-day calendar's own table: admin overrides of China's official calendar."""

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


CALENDAR_OVERRIDE = core_table(CalendarOverride)
