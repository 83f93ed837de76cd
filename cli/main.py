"""`leadflow` command line. Each group of commands lives in its own module with a
`register(subparsers)` function; add new modules to COMMAND_MODULES.

A command uses an existing, initialised database unless it sets `database=False` in its
defaults (it needs none) or is one of CREATES_DATABASE; main() checks that before the command
runs. A command may set `usage=function(args) -> problem or None` for what argparse cannot say.
Every error reaches the user as one line on stderr and exit code 1 (2 for usage), never a
traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from engine.errors import ConfigError, LeadflowError

if TYPE_CHECKING:
    from engine.settings import Settings

MODULE_NAMES = ("core", "serve", "intake", "scheduler", "users", "transparency", "reports",
                "backup", "supervision")
# command -> the module that registers it, so that a command imports only its own module
# (and what that needs), not every other command's engine parts: start-up. A test checks
# this against what the modules register.
COMMANDS = {
    "init": "core", "items": "core", "org": "core", "verify": "core", "workflows": "core",
    "demo": "serve", "serve": "serve", "tokens": "serve",
    "identity": "intake", "import": "intake",
    "calendar": "scheduler", "digest": "scheduler", "scheduler": "scheduler",
    "sweep": "scheduler", "webhooks": "scheduler",
    "users": "users",
    "audit": "transparency", "checkpoint": "transparency", "keys": "transparency",
    "witness": "transparency",
    "export": "reports", "report": "reports",
    "backup": "backup", "restore": "backup",
    "supervise": "supervision", "extension": "supervision",
}


def command_modules(names: Sequence[str] = MODULE_NAMES) -> list[ModuleType]:
    return [_module(name) for name in names]


def _module(name: str) -> ModuleType:
    """Import one command module, explicitly (tools follow it; tests/test_layering.py)."""
    if name == "core":
        from cli import core
        return core
    if name == "serve":
        from cli import serve
        return serve
    if name == "intake":
        from cli import intake
        return intake
    if name == "scheduler":
        from cli import scheduler
        return scheduler
    if name == "users":
        from cli import users
        return users
    if name == "transparency":
        from cli import transparency
        return transparency
    if name == "reports":
        from cli import reports
        return reports
    if name == "backup":
        from cli import backup
        return backup
    if name == "supervision":
        from cli import supervision
        return supervision
    raise KeyError(name)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or (`only`, a module name) of that module's commands."""
    parser = argparse.ArgumentParser(
        prog="leadflow", description="Workflow engine for tip-off leads and rectification items")
    parser.add_argument("--database-url", help="overrides LEADFLOW_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in command_modules([only] if only else MODULE_NAMES):
        module.register(sub)
    _name_subcommands(sub)
    return parser


def _command_module(argv: Sequence[str]) -> str | None:
    """The module of the command `argv` names, or None (none named, or unknown: the whole
    parser then says what exists)."""
    args = iter(argv)
    for arg in args:
        if arg == "--database-url":
            next(args, None)
        elif not arg.startswith("-"):
            return COMMANDS.get(arg)
    return None


def _name_subcommands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """A group's line in `leadflow --help` ends with its real subcommands, taken from the
    parser itself, so the help can never offer one that does not exist."""
    for action in sub._choices_actions:
        group = sub.choices[action.dest]
        names = [name for a in group._actions
                 if isinstance(a, argparse._SubParsersAction) for name in a.choices]
        if names:
            action.help = f"{action.help} ({', '.join(names)})"


def _settings(args: argparse.Namespace) -> Settings:
    from pydantic import ValidationError

    from engine.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        wrong = "; ".join(f"LEADFLOW_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                          for e in exc.errors())
        raise ConfigError(f"configuration: {wrong}") from None
    if args.database_url:
        settings.database_url = args.database_url
    return settings


def configure(fmt: str, level: str) -> None:
    """engine.logs.configure, imported when a command runs (structlog is not needed for
    --help); a name of this module, so tests can replace it."""
    from engine.logs import configure as configure_logs

    configure_logs(fmt, level)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_module(argv))
    args = parser.parse_args(argv)
    usage = getattr(args, "usage", None)
    problem = usage(args) if usage is not None else None
    if problem:
        print(f"leadflow {args.command}: {problem}", file=sys.stderr)
        return 2
    # Imported only once a command runs: `--help` and usage errors stop above without
    # SQLAlchemy, pydantic or structlog (start-up; tests/cli/test_startup_imports.py).
    from sqlalchemy.exc import OperationalError

    from cli.database import CREATES_DATABASE, check_creatable, first_line, require_database

    try:
        settings = _settings(args)
        configure(settings.log_format, settings.log_level)
        if getattr(args, "database", True):
            if args.command in CREATES_DATABASE:
                check_creatable(settings.database_url)
            else:
                require_database(settings.database_url)
        code: int = args.func(args, settings)
    except LeadflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:  # the database went away, is locked or cannot be created
        print(f"error: database: {first_line(exc)}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
