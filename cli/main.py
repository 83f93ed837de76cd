"""`leadflow` command line. Each group of commands lives in its own module with a
`register(subparsers)` function; add new modules to COMMAND_MODULES."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import backup, core, intake, reports, scheduler, serve
from engine.errors import LeadflowError
from engine.logs import configure
from engine.settings import Settings

COMMAND_MODULES = (core, serve, intake, scheduler, reports, backup)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadflow", description="Workflow engine for tip-off leads and rectification items")
    parser.add_argument("--database-url", help="overrides LEADFLOW_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings()
    if args.database_url:
        settings.database_url = args.database_url
    configure(settings.log_format, settings.log_level)
    try:
        code: int = args.func(args, settings)
    except LeadflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
