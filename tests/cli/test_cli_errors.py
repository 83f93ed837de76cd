"""The command line on a database that is missing, empty, mistyped or unreachable: one clear
line, exit code ≠ 0, no traceback, and nothing created (only init, serve and demo may create a
database). The help and the docs name only commands and options that exist."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from cli.database import CREATES_DATABASE
from cli.main import build_parser, main
from engine.storage.db import make_engine
from tests.conftest import ROOT


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
            ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    children = _subparsers(parser)
    if not children:
        yield path, parser
    for name, child in children.items():
        yield from _leaves(child, (*path, name))


def _minimal_argv(path: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    """The command with a placeholder for every required argument."""
    argv = list(path)
    for action in parser._actions:
        value = str(next(iter(action.choices))) if action.choices else "1"
        if not action.option_strings and action.nargs not in ("?", "*"):
            argv.append(value)
        elif action.option_strings and action.required:
            argv += [action.option_strings[0], value]
    return argv


DB_COMMANDS = [argv for path, p in _leaves(build_parser())
               if path[0] not in CREATES_DATABASE and p.get_default("database") is not False
               for argv in [_minimal_argv(path, p)]] + [["sweep", "--once"]]


def _is_empty(url: str) -> bool:
    """Nothing there: no SQLite file (checked without opening it), no tables in the schema."""
    if url.startswith("sqlite:///"):
        return not Path(url.removeprefix("sqlite:///")).exists()
    db = make_engine(url)
    try:
        return inspect(db).get_table_names() == []
    finally:
        db.dispose()


@pytest.mark.parametrize("argv", DB_COMMANDS, ids=" ".join)
def test_every_command_refuses_an_uninitialised_database(
        argv: list[str], blank_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every command but init, serve and demo, on a database that does not exist (SQLite)
    or holds no schema (PostgreSQL): one error line, exit ≠ 0, and still nothing there."""
    code = main(["--database-url", blank_db_url, *argv])
    err = capsys.readouterr().err
    assert code != 0 or argv[:2] in (["workflows", "check"], ["workflows", "diagram"],
                                     ["identity", "new-key"], ["keys", "new"])  # need no database
    if code != 0:
        assert len(err.strip().splitlines()) == 1, err
    assert _is_empty(blank_db_url)


@pytest.mark.parametrize(("content", "message"), [
    (None, "no database at"),
    (b"", "is an empty file, not an initialised database: run `leadflow init`"),
    (b"id,name\n1,x\n", "is not a SQLite database file"),
])
def test_a_missing_empty_or_foreign_file_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None,
        message: str) -> None:
    """The message says what is wrong with the file, and the file stays as it was."""
    path = tmp_path / "x.db"
    if content is not None:
        path.write_bytes(content)
    code = main(["--database-url", f"sqlite:///{path}", "verify"])
    err = capsys.readouterr().err
    assert (code, len(err.splitlines())) == (1, 1)
    assert message in err
    assert (path.read_bytes() if path.exists() else None) == content
    assert sorted(p.name for p in tmp_path.iterdir()) == (["x.db"] if content is not None
                                                          else [])


def test_a_sqlite_database_without_the_schema_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A real SQLite file that never saw `leadflow init` is refused as uninitialised."""
    path = tmp_path / "other.db"
    db = make_engine(f"sqlite:///{path}")
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    db.dispose()
    assert main(["--database-url", f"sqlite:///{path}", "sweep", "--once"]) == 1
    assert "has no leadflow schema: run `leadflow init` first" in capsys.readouterr().err
    assert inspect(make_engine(f"sqlite:///{path}")).get_table_names() == ["t"]


def test_an_older_schema_asks_for_init(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A database behind this leadflow's migrations is not upgraded behind the user's back."""
    from alembic import command

    from engine.storage.schema import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = make_engine(url)
    command.upgrade(alembic_config(db), "0001")
    db.dispose()
    assert main(["--database-url", url, "verify"]) == 1
    assert "is at schema revision 0001, this leadflow needs" in capsys.readouterr().err


@pytest.mark.postgres
@pytest.mark.parametrize("wrong", ["database", "port"])
def test_a_wrong_postgresql_url_is_one_line(wrong: str, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    """A database name that does not exist, or a port nobody listens on: one line that names
    the URL (without a password) and the server's answer."""
    from tests.conftest import PG_URL

    if not PG_URL:
        pytest.skip("no PostgreSQL: run under scripts/with-postgres")
    base, _, _ = PG_URL.rpartition("/")
    url = f"{base}/leadflow_nope" if wrong == "database" else \
        re.sub(r"@([^/:]+):\d+/", r":s3cret@\1:1/", PG_URL)
    assert main(["--database-url", url, "verify"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith("error: cannot open database postgresql")
    assert ('database "leadflow_nope" does not exist' if wrong == "database"
            else "Connection refused") in err
    assert "s3cret" not in err


def test_init_into_a_missing_folder_is_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """init creates the database file, not its folder, and says so."""
    code = main(["--database-url", f"sqlite:///{tmp_path / 'nope' / 'x.db'}", "init"])
    assert code == 1
    assert "folder" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()


def test_an_unknown_kind_of_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", "mysql://x@y/z", "init"]) == 1
    assert "leadflow runs on SQLite" in capsys.readouterr().err


def test_no_traceback_reaches_the_terminal(tmp_path: Path) -> None:
    """Run as a real process: exit code 1, one line on stderr, no traceback, no file."""
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "--database-url", "sqlite:///nope/x.db",
         "import", "leads", "leads.csv", "--as", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no database at nope/x.db")
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("workers", ["0", "-2", "many"])
def test_verify_refuses_fewer_than_one_worker(workers: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """--workers must be a whole number ≥ 1: a usage error before anything runs."""
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--workers", workers])
    assert exc.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_sweep_without_once_says_what_it_needs(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`leadflow sweep` alone says it needs --once and names the command that keeps sweeping."""
    code = main(["--database-url", f"sqlite:///{tmp_path / 'x.db'}", "sweep"])
    err = capsys.readouterr().err
    assert code == 2
    assert "needs --once" in err
    assert "leadflow scheduler" in err
    assert not (tmp_path / "x.db").exists()


def test_help_names_each_groups_real_subcommands() -> None:
    """Each group's line in `leadflow --help` lists exactly the subcommands it has."""
    parser = build_parser()
    text = parser.format_help()
    for name, group in _subparsers(parser).items():
        children = _subparsers(group)
        if children:
            line = re.search(rf"^    {name} .*?\((.*?)\)\s*$", text.replace("\n" + " " * 24,
                                                                            " "), re.M | re.S)
            assert line is not None, name
            assert line[1].split(", ") == list(children), name
    assert "list" not in _subparsers(_subparsers(parser)["workflows"])


def _documented_commands() -> Iterator[tuple[str, str]]:
    """(file, command line) of every `leadflow …` in the README and docs: inline code and
    the lines of shell blocks."""
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"`(leadflow [^`]+)`", text):
            yield path.name, m[1]
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            for line in block.splitlines():
                m = re.match(r"\s*(?:\.venv/bin/)?(leadflow [^#&;|]*)", line)
                if m:
                    yield path.name, m[1]


def _check(parser: argparse.ArgumentParser, words: list[str]) -> str | None:
    """Why `words` is not a command this parser knows, or None."""
    current = parser
    for word in words:
        children = _subparsers(current)
        if not children:
            break
        choices = word.split("\\|")
        unknown = [c for c in choices if c not in children]
        if unknown:
            return f"no subcommand {unknown[0]!r} (have: {', '.join(children)})"
        current = children[choices[0]]
    options = {o for a in current._actions for o in a.option_strings}
    for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", " ".join(words)):
        if flag not in options:
            return f"no option {flag}"
    return None


def test_the_docs_name_only_commands_that_exist() -> None:
    """Every `leadflow …` in the README and docs parses: its subcommands and options exist."""
    parser = build_parser()
    found = list(_documented_commands())
    assert len(found) > 20
    wrong = [f"{file}: `{line}`: {why}" for file, line in found
             if (why := _check(parser, line.split()[1:]))]
    assert wrong == []


def test_a_malformed_setting_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A setting that does not parse names its variable instead of a pydantic traceback."""
    monkeypatch.setenv("LEADFLOW_PORT", "eighty")
    assert main(["identity", "new-key"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: configuration: LEADFLOW_PORT: ")
    assert len(err.splitlines()) == 1


def test_each_command_is_mapped_to_the_module_that_registers_it() -> None:
    """`leadflow X` imports only X's module (start-up); the map must be what the modules
    register, or a command would be missing from its own parser."""
    import argparse

    from cli.main import COMMANDS, command_modules

    registered = {}
    for module in command_modules():
        sub = argparse.ArgumentParser().add_subparsers()
        module.register(sub)
        registered |= dict.fromkeys(sub.choices, module.__name__.removeprefix("cli."))
    assert registered == COMMANDS
