"""Hot-path statements: a Core statement compiled once per dialect (and per set of given
columns) and run straight on the driver's cursor inside the caller's transaction, with the
column types' own bind and result processors applied.

Profiles of `apply()` showed SQLAlchemy's per-execution machinery (execution context,
parameter processing, result metadata) costing more than the database did. The SQL is
still the one Core writes from the table definitions, the values are converted by the same
type processors, and driver errors come out as SQLAlchemy's own exceptions, so a caller
sees what `Connection.execute` would give it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from engine.storage.types import UTCDateTime

Processor = Callable[[Any], Any] | None


class PlainRow(dict[str, Any]):
    """A row as a dict that also reads like a Row (`row.state`, `row._mapping`)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> dict[str, Any]:
        return self


class _Compiled:
    __slots__ = ("binds", "columns", "fixed", "named", "sql", "wire")

    def __init__(self, stmt: ClauseElement, dialect: Dialect, keys: Sequence[str] | None
                 ) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.named = compiled.positiontup is None
        order = list(compiled.binds) if self.named else list(compiled.positiontup or ())
        self.binds: list[tuple[str, Processor]] = [
            (name, bind_processor(compiled.binds[name].type, dialect)) for name in order]
        # literals the statement holds (`id == 1`) are binds with a value of their own
        self.fixed = {name: compiled.binds[name].effective_value for name in order
                      if not compiled.binds[name].required}
        escaped: dict[str, str] = dict(compiled.escaped_bind_names or {})
        self.wire = [escaped.get(name, name) for name, _ in self.binds]  # names in the SQL
        self.columns: list[tuple[str, Processor]] | None = None  # at the first fetch

    def result_columns(self, stmt: Select[Any], dialect: Dialect,
                       description: Sequence[Any]) -> list[tuple[str, Processor]]:
        """Each column's name and result processor, which may depend on the type the
        driver reports (PostgreSQL numerics)."""
        if self.columns is None:
            self.columns = [
                (str(c.key), c.type._cached_result_processor(dialect, d[1]))
                for c, d in zip(stmt.selected_columns, description, strict=True)]
        return self.columns

    def params(self, values: Mapping[str, Any]) -> Any:
        fixed = self.fixed
        out = [v if proc is None else proc(v)
               for v, proc in ((values[name] if name in values else fixed[name], proc)
                               for name, proc in self.binds)]
        if self.named:
            return dict(zip(self.wire, out, strict=True))
        return out


class Prepared:
    """One statement of the hot path. Build it once at import; run it with `execute`,
    `executemany` or `first`."""

    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        self._cache: dict[tuple[str, frozenset[str] | None], _Compiled] = {}

    def _compiled(self, dialect: Dialect, values: Mapping[str, Any] | None) -> _Compiled:
        keys = frozenset(values) if values is not None and not isinstance(
            self.stmt, Select) else None
        key = (dialect.name, keys)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _Compiled(self.stmt, dialect, sorted(keys or ()))
        return found

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> int:
        """Run it once; the number of rows it changed."""
        compiled = self._compiled(conn.dialect, values)
        params = compiled.params(values)
        cur = _cursor(conn)
        try:
            cur.execute(compiled.sql, params)
            return int(cur.rowcount)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(conn, compiled.sql, params, exc) from exc
        finally:
            cur.close()

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run it for each of `rows` (all with the same keys); the rows changed in all."""
        if not rows:
            return 0
        compiled = self._compiled(conn.dialect, rows[0])
        params = [compiled.params(r) for r in rows]
        cur = _cursor(conn)
        try:
            cur.executemany(compiled.sql, params)
            return int(cur.rowcount)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(conn, compiled.sql, params, exc) from exc
        finally:
            cur.close()

    def all(self, conn: Connection, values: Mapping[str, Any]) -> list[PlainRow]:
        """The rows of a SELECT, converted by the columns' types."""
        compiled = self._compiled(conn.dialect, None)
        params = compiled.params(values)
        cur = _cursor(conn)
        try:
            cur.execute(compiled.sql, params)
            fetched: Iterable[Sequence[Any]] = cur.fetchall()
            assert isinstance(self.stmt, Select)
            cols = compiled.result_columns(self.stmt, conn.dialect, cur.description)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(conn, compiled.sql, params, exc) from exc
        finally:
            cur.close()
        return [PlainRow((name, v if proc is None else proc(v))
                         for (name, proc), v in zip(cols, row, strict=True))
                for row in fetched]

    def first(self, conn: Connection, values: Mapping[str, Any]) -> PlainRow | None:
        rows = self.all(conn, values)
        return rows[0] if rows else None


def bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    """The type's bind processor, with a shorter road for the hot path's common values: an
    aware-UTC datetime (UTCDateTime) and, on SQLite, a JSON dict. Each short road gives
    exactly what the type's own processor gives for that value (tests/engine/storage/
    test_prepared_binds.py compares them on both databases); any other value takes the
    type's own processor."""
    slow = type_._cached_bind_processor(dialect)
    if slow is None:
        return None
    if isinstance(type_, UTCDateTime):
        return _utc_datetime_bind(slow, text=dialect.name == "sqlite")
    impl = type_.dialect_impl(dialect)
    if (dialect.name == "sqlite" and isinstance(impl, JSON)
            and dialect._json_serializer is None
            and impl._str_impl.bind_processor(dialect) is None):
        return _json_dict_bind(slow)
    return slow


def _utc_datetime_bind(slow: Callable[[Any], Any], *, text: bool) -> Callable[[Any], Any]:
    """SQLite stores naive UTC as SQLAlchemy's `%Y-%m-%d %H:%M:%S.%f` (isoformat's first
    26 characters, the year padded to four digits alike); PostgreSQL gets the aware UTC
    value itself (UTCDateTime would convert it to UTC, which it is)."""
    if text:
        def to_text(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is UTC:
                return value.isoformat(" ", "microseconds")[:26]
            return slow(value)
        return to_text

    def as_is(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            return value
        return slow(value)
    return as_is


def _json_dict_bind(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's JSON processor on SQLite is `json.dumps` behind its NULL checks, which
    a dict never meets."""
    dumps = json.dumps

    def process(value: Any) -> Any:
        return dumps(value) if type(value) is dict else slow(value)
    return process


def _cursor(conn: Connection) -> Any:
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _wrapped(conn: Connection, sql: str, params: Any, exc: Exception) -> Exception:
    """The driver's error as SQLAlchemy raises it (IntegrityError, OperationalError...)."""
    return DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error,
                               dialect=conn.dialect)
