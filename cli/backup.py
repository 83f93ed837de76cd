"""`leadflow backup FILE` and `leadflow restore FILE`, each followed by verifying every audit
chain of the result. SQLite: the online backup API, a consistent copy while the server
writes (it copies one snapshot, restarting over pages changed meanwhile). PostgreSQL: the
pg_dump / pg_restore commands to run (docs/operations.md); leadflow does not wrap them."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ConfigError

if TYPE_CHECKING:
    from engine.settings import Settings

PG_BACKUP = "pg_dump --format=custom --no-owner --file={file} \"$DATABASE_URL\""
PG_RESTORE = ("pg_restore --clean --if-exists --no-owner --single-transaction "
              "--dbname=\"$DATABASE_URL\" {file}")


def register(sub: Any) -> None:
    b = sub.add_parser("backup", help="a consistent copy of the database, then verify it")
    b.add_argument("file", type=Path)
    # Checked here, not by the entry point: on PostgreSQL they only print what to run, and a
    # restore may target a database file that does not exist yet (a new machine).
    b.set_defaults(func=cmd_backup, database=False)
    r = sub.add_parser("restore", help="replace the database by a backup, then verify it")
    r.add_argument("file", type=Path)
    r.set_defaults(func=cmd_restore, database=False)


def _sqlite_path(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.database if parsed.get_backend_name() == "sqlite" else None


def copy_sqlite(source: str, target: str) -> None:
    """Page-by-page online copy; readers and the writer of `source` go on meanwhile."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    # the `with` above commits, it does not close
    src.close()
    dst.close()


def _verified(url: str) -> int:
    from engine.items import verify_all

    report = verify_all(url, workers=1)
    print(f"verify: {report.items} item(s), {report.events} event(s): "
          + ("all chains verify" if report.ok else f"{len(report.broken)} broken chain(s)"))
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from cli.database import require_database

    db = _sqlite_path(settings.database_url)
    if db is None:
        print("PostgreSQL: back up with\n  " + PG_BACKUP.format(file=args.file)
              + "\nand check the copy by restoring it into a scratch database and running "
              "`leadflow verify` there (docs/operations.md)")
        return 1
    if args.file.exists():
        raise ConfigError(f"{args.file} exists: choose a new file for the backup")
    require_database(settings.database_url)
    copy_sqlite(db, str(args.file))
    print(f"backed up {db} to {args.file}")
    return _verified(f"sqlite:///{args.file}")


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    db = _sqlite_path(settings.database_url)
    if db is None:
        print("PostgreSQL: restore with\n  " + PG_RESTORE.format(file=args.file)
              + "\nthen run `leadflow verify`")
        return 1
    if not args.file.is_file():
        raise ConfigError(f"{args.file}: no such backup file")
    if _verified(f"sqlite:///{args.file}") != 0:
        raise ConfigError(f"{args.file} does not verify: not restored")
    copy_sqlite(str(args.file), db)
    print(f"restored {args.file} into {db}; stop the servers first and start them after")
    return _verified(settings.database_url)
