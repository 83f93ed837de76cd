"""Intake commands: `leadflow import leads FILE [--dry-run]` and `leadflow identity new-key`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from engine.intake import IdentityCipher, count_rows, generate_key, import_leads
from engine.org import actor_for_user
from engine.runtime import Runtime, open_runtime
from engine.settings import Settings
from engine.storage import read_tx


def register(sub: Any) -> None:
    imp = sub.add_parser("import", help="bulk import from CSV or XLSX")
    isub = imp.add_subparsers(dest="import_command", required=True, metavar="SUBCOMMAND")
    leads = isub.add_parser("leads", help="import leads; bad rows are reported by row number "
                                          "and not imported")
    leads.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
    leads.add_argument("--as", dest="user", type=int, required=True,
                       help="acting user id (recorded as the operator)")
    leads.add_argument("--dry-run", action="store_true",
                       help="validate every row and report, write nothing")
    leads.set_defaults(func=cmd_import_leads)

    ident = sub.add_parser("identity", help="reporter identity protection")
    idsub = ident.add_subparsers(dest="identity_command", required=True, metavar="SUBCOMMAND")
    nk = idsub.add_parser("new-key", help="print a fresh LEADFLOW_IDENTITY_KEY")
    nk.set_defaults(func=cmd_identity_new_key, database=False)


def cmd_import_leads(args: argparse.Namespace, settings: Settings) -> int:
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    try:
        return _import(rt, args, IdentityCipher.from_settings(settings))
    finally:
        rt.db.dispose()


def _import(rt: Runtime, args: argparse.Namespace, cipher: IdentityCipher | None) -> int:
    with read_tx(rt.db) as conn:
        actor = actor_for_user(conn, args.user)
    total = count_rows(args.file)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("checking" if args.dry_run else "importing", total=total)
        report = import_leads(rt, actor=actor, path=args.file, cipher=cipher,
                              dry_run=args.dry_run, progress=lambda _row: bar.advance(task))
    for number, message in report.errors:
        print(f"row {number}: {message}", file=sys.stderr)
    if args.dry_run:
        print(f"dry run: {len(report.valid)} of {report.rows} row(s) would be imported, "
              f"{len(report.errors)} have errors; nothing was written")
    else:
        for number, item_id, ref in report.imported:
            print(f"row {number}: created item {item_id} {ref}")
        print(f"imported {len(report.imported)} of {report.rows} row(s); "
              f"{len(report.errors)} row(s) with errors were not imported")
    return 0 if report.ok else 1


def cmd_identity_new_key(args: argparse.Namespace, settings: Settings) -> int:
    print(generate_key())
    return 0
