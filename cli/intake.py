"""Intake commands: `leadflow import leads FILE [--dry-run]` and `leadflow identity new-key`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.intake import IdentityCipher
    from engine.runtime import Runtime
    from engine.settings import Settings


def register(sub: Any) -> None:
    imp = sub.add_parser("import", help="bulk import from CSV or XLSX")
    isub = imp.add_subparsers(dest="import_command", required=True, metavar="SUBCOMMAND")
    leads = isub.add_parser("leads", help="import leads; bad rows are reported by row number "
                                          "and not imported")
    leads.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
    leads.add_argument("--as", dest="user", required=True,
                       help="acting user, login or id (recorded as the operator)")
    leads.add_argument("--dry-run", action="store_true",
                       help="check every row exactly as the import would, write nothing")
    leads.add_argument("--force", action="store_true",
                       help="import rows that were imported before (refused otherwise)")
    leads.set_defaults(func=cmd_import_leads)

    ident = sub.add_parser("identity", help="reporter identity protection")
    idsub = ident.add_subparsers(dest="identity_command", required=True, metavar="SUBCOMMAND")
    nk = idsub.add_parser("new-key", help="print a fresh LEADFLOW_IDENTITY_KEY")
    nk.set_defaults(func=cmd_identity_new_key, database=False)


def cmd_import_leads(args: argparse.Namespace, settings: Settings) -> int:
    from engine.intake import IdentityCipher
    from engine.logs import configure
    from engine.runtime import open_runtime

    if settings.log_format == "console" and settings.log_level.lower() == "info":
        # a person at a terminal: one bar and the bad rows, not an item_created line per row
        configure(settings.log_format, "warning")
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    try:
        return _import(rt, args, IdentityCipher.from_settings(settings))
    finally:
        rt.db.dispose()


def _import(rt: Runtime, args: argparse.Namespace, cipher: IdentityCipher | None) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from engine.intake import import_leads, read_import_file
    from engine.org import actor_for_user, resolve_user
    from engine.storage import read_tx

    with read_tx(rt.db) as conn:
        actor = actor_for_user(conn, resolve_user(conn, args.user).id)
    file = read_import_file(args.file)
    # one bar on a terminal, nothing per row: only bad rows get a line, after the bar
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("checking" if args.dry_run else "importing", total=len(file.rows))
        report = import_leads(rt, actor=actor, path=args.file, file=file, cipher=cipher,
                              dry_run=args.dry_run, force=args.force,
                              progress=lambda _row: bar.advance(task))
    if report.encoding not in ("UTF-8", "XLSX"):
        print(f"note: {file.name} was read as {report.encoding}", file=sys.stderr)
    for line in grouped_errors(report.errors):
        print(line, file=sys.stderr)
    if args.dry_run:
        print(f"dry run: {len(report.valid)} of {report.rows} row(s) would be imported, "
              f"{len(report.errors)} have errors; nothing was written")
    else:
        print(f"imported {len(report.imported)} of {report.rows} row(s); "
              f"{len(report.errors)} row(s) with errors were not imported")
        if report.imported and report.errors:
            print("the good rows are in: import the fixed rows from a file holding only them "
                  "(this file again would be refused, or import its good rows twice with "
                  "--force)")
    return 0 if report.ok else 1


def grouped_errors(errors: list[tuple[int, str]]) -> list[str]:
    """One line per distinct problem, naming its rows: a whole file refused for one reason
    (say, the importer's role) is one line, not one per row."""
    rows: dict[str, list[int]] = {}
    for number, message in errors:
        rows.setdefault(message, []).append(number)
    return [f"row {numbers[0]}: {message}" if len(numbers) == 1
            else f"rows {_ranges(numbers)} ({len(numbers)} rows): {message}"
            for message, numbers in rows.items()]


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def cmd_identity_new_key(args: argparse.Namespace, settings: Settings) -> int:
    from engine.intake import generate_key

    print(generate_key())
    return 0
