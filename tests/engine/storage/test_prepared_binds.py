"""The prepared statements' short roads for binding datetimes and JSON
(engine/storage/prepared.py `bind_processor`) give exactly what SQLAlchemy's own type
processors give: value by value on both dialects, and as the text each database stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect

from engine.storage.db import is_postgres, make_engine, write_tx
from engine.storage.prepared import Prepared, bind_processor
from engine.storage.types import PortableJSON, UTCDateTime

DATETIMES = [
    datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
    datetime(2026, 6, 1, 1, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(999, 3, 4, 5, 6, 7, 8, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=8))),  # converted
    datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2026, 6, 1, 1, 0, tzinfo=ZoneInfo("UTC")),  # UTC, but not datetime.UTC
    datetime(2026, 6, 1, 1, 0, tzinfo=UTC).replace(fold=1),
    None,
]
JSONS: list[Any] = [
    {}, {"outcome": "unfounded", "conclusion": "查无实据", "n": 3, "ok": True, "x": None},
    {"nested": {"list": [1, 2.5, "三"], "empty": {}}, "emoji": "\U0001f600", "q": '"\\'},
    None, [1, 2], "text", 7, JSON.NULL,
]
DIALECTS: list[Dialect] = [SQLiteDialect_pysqlite(), PGDialect_psycopg()]  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_datetime_binds_as_the_type_does(dialect: Dialect) -> None:
    type_ = UTCDateTime()
    fast, slow = bind_processor(type_, dialect), type_._cached_bind_processor(dialect)
    assert fast is not None
    assert slow is not None
    for value in DATETIMES:
        assert fast(value) == slow(value), value
        assert type(fast(value)) is type(slow(value))
    with pytest.raises(ValueError, match="naive datetime"):
        fast(datetime(2026, 6, 1))  # naive: refused, as by the type


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_json_binds_as_the_type_does(dialect: Dialect) -> None:
    fast = bind_processor(PortableJSON, dialect)
    slow = PortableJSON._cached_bind_processor(dialect)
    for value in JSONS:
        if fast is None or slow is None:
            assert fast is slow
            continue
        got, want = fast(value), slow(value)
        assert type(got) is type(want)
        assert repr(got) == repr(want), value  # psycopg wrappers compare by identity


BINDS = Table("prepared_binds_probe", MetaData(), Column("id", Integer, primary_key=True),
              Column("at", UTCDateTime), Column("data", PortableJSON))


def test_stored_text_is_what_sqlalchemy_stores(db_url: str) -> None:
    """Each value written through a Prepared INSERT and through Core's own execution: the
    database holds the same text for both."""
    engine = make_engine(db_url)
    BINDS.create(engine)
    try:
        prepared = Prepared(insert(BINDS))
        stored_json = [v for v in JSONS if v is not JSON.NULL]
        rows = [(at, data) for at in DATETIMES for data in stored_json[:3]] + [
            (DATETIMES[0], data) for data in stored_json]
        with write_tx(engine) as conn:
            for n, (at, data) in enumerate(rows):
                prepared.execute(conn, {"id": 2 * n, "at": at, "data": data})
                conn.execute(insert(BINDS).values(id=2 * n + 1, at=at, data=data))
            as_text = ("SELECT id, at::text, data::text FROM prepared_binds_probe"
                       if is_postgres(conn) else
                       "SELECT id, at, CAST(data AS TEXT) FROM prepared_binds_probe")
            stored = {r[0]: (r[1], r[2]) for r in conn.execute(text(as_text))}
        assert len(stored) == 2 * len(rows)
        for n in range(len(rows)):
            assert stored[2 * n] == stored[2 * n + 1], rows[n]
    finally:
        BINDS.drop(engine)
        engine.dispose()
