"""Column types shared by the tables (aware-UTC datetimes, portable JSON) and the typed
access to a model's Core table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; refuses naive ones; always returns aware UTC.

    SQLite has no time zones, so it stores naive UTC and we re-attach UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


PortableJSON: Any = JSON().with_variant(JSONB(), "postgresql")


def core_table(model: type[SQLModel]) -> Table:
    """The Core `Table` of a SQLModel table class, typed: SQLModel declares `__table__` only
    on `table=True` classes, so mypy cannot see it."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table
