"""Before a command touches its database: the database must exist and carry this leadflow's
schema. SQLite creates a missing file on connect, so a mistyped path would otherwise leave an
empty database behind and fail later with a traceback; only `init`, `serve` and `demo` may
create one (CREATES_DATABASE). Every refusal is one ConfigError line that says what to do."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from engine.errors import ConfigError
from engine.storage import make_engine, schema_revision

CREATES_DATABASE = frozenset({"init", "serve", "demo"})
SQLITE_HEADER = b"SQLite format 3\x00"
BACKENDS = ("sqlite", "postgresql")


def parse_url(url: str) -> URL:
    """The URL, or ConfigError when it is not one of a database leadflow runs on."""
    try:
        target = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database URL {url!r} cannot be parsed; use sqlite:///PATH or "
                          "postgresql://USER@HOST/DB") from None
    if target.get_backend_name() not in BACKENDS:
        raise ConfigError(f"database URL {target.render_as_string(hide_password=True)!r}: "
                          "leadflow runs on SQLite (sqlite:///PATH) or PostgreSQL "
                          "(postgresql://USER@HOST/DB)")
    return target


def first_line(exc: BaseException) -> str:
    """The driver's own words, without the SQL and parameters SQLAlchemy appends."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def check_creatable(url: str) -> None:
    """For the commands that may create a database: the URL is usable and, for a SQLite
    file, its folder exists (SQLite creates the file, never the folder)."""
    target = parse_url(url)
    path = _sqlite_path(target)
    if path is not None and not path.parent.is_dir():
        raise ConfigError(f"cannot create the database {path}: folder {path.parent} does not "
                          "exist (check --database-url / LEADFLOW_DATABASE_URL)")


def _sqlite_path(target: URL) -> Path | None:
    """The file a SQLite URL names; None for in-memory and URI-style names."""
    if target.get_backend_name() != "sqlite" or not target.database or \
            target.database == ":memory:" or target.query.get("uri"):
        return None
    return Path(target.database)


def require_database(url: str) -> None:
    """ConfigError unless `url` names an existing database at this leadflow's schema."""
    target = parse_url(url)
    shown = target.render_as_string(hide_password=True)
    path = _sqlite_path(target)
    if path is not None:
        _check_sqlite_file(path, shown)
    db = make_engine(url)
    try:
        status = schema_revision(db)
    except OperationalError as exc:
        raise ConfigError(f"cannot open database {shown}: {first_line(exc)}") from None
    finally:
        db.dispose()
    if status.current is None:
        raise ConfigError(f"database {shown} has no leadflow schema: run `leadflow init` "
                          "first (or check --database-url / LEADFLOW_DATABASE_URL)")
    if not status.known:
        raise ConfigError(f"database {shown} is at schema revision {status.current!r}, "
                          "which this leadflow does not know: it was written by a newer "
                          "version")
    if status.current != status.head:
        raise ConfigError(f"database {shown} is at schema revision {status.current}, this "
                          f"leadflow needs {status.head}: run `leadflow init` to upgrade it")


def _check_sqlite_file(path: Path, shown: str) -> None:
    """Look at the file without opening it as a database (which would create it)."""
    hint = "run `leadflow init` to create it, or check --database-url / LEADFLOW_DATABASE_URL"
    if not path.exists():
        raise ConfigError(f"no database at {path}: {hint}")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a database file ({shown})")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise ConfigError(f"cannot read database file {path}: {exc.strerror}") from None
    if not header:
        raise ConfigError(f"{path} is an empty file, not an initialised database: run "
                          "`leadflow init` to create the schema in it")
    if header != SQLITE_HEADER:
        raise ConfigError(f"{path} is not a SQLite database file (check --database-url / "
                          "LEADFLOW_DATABASE_URL)")
