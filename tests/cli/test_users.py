"""`leadflow users list`, `leadflow users set-password`, and login names accepted wherever
the CLI names a user (`--as`, `tokens issue`)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from cli.main import main
from engine.org import passwords
from engine.storage import PASSWORD, SESSION, USER
from engine.storage.db import make_engine, read_tx
from tests.conftest import EXAMPLE_ORG


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--database-url", url, "init"]) == 0  # org load creates no database
    assert main(["--database-url", url, "org", "load", str(EXAMPLE_ORG)]) == 0
    capsys.readouterr()
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored(url: str, login: str) -> tuple[str, bool] | None:
    with read_tx(make_engine(url)) as conn:
        row = conn.execute(select(PASSWORD.c.hash, PASSWORD.c.must_change)
                           .join(USER, USER.c.id == PASSWORD.c.user_id)
                           .where(USER.c.login == login)).first()
    return None if row is None else (row.hash, row.must_change)


def test_users_list_shows_every_user_with_login_and_console_state(
        capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, "--database-url", url, "users", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "login", "role", "jurisdiction", "unit", "console", "name"]
    assert len(lines) == 11
    row = next(line for line in lines if "dc-handler" in line)
    assert row.split()[1:] == ["dc-handler", "handler", "510101", "dc-police", "no",
                               "password", "东城公安-承办人"]


def test_set_password_from_stdin_must_be_changed_at_first_sign_in(
        capsys: pytest.CaptureFixture[str], url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("initial-pass-1\n"))
    code, out, _ = run(capsys, "--database-url", url, "users", "set-password", "dc-handler",
                       "--stdin")
    assert code == 0
    assert "password set for dc-handler" in out
    assert "initial-pass-1" not in out
    hashed = stored(url, "dc-handler")
    assert hashed is not None
    assert hashed[0].startswith("$argon2id$")
    assert hashed[1] is True
    _, listing, _ = run(capsys, "--database-url", url, "users", "list")
    assert "must change" in next(line for line in listing.splitlines() if "dc-handler" in line)


def test_set_password_refuses_a_bad_one_and_stores_nothing(
        capsys: pytest.CaptureFixture[str], url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("dc-handler\n"))
    code, _, err = run(capsys, "--database-url", url, "users", "set-password", "dc-handler",
                       "--stdin")
    assert code == 1
    assert "must not be the login name" in err
    assert stored(url, "dc-handler") is None


def test_set_password_on_a_terminal_asks_twice(capsys: pytest.CaptureFixture[str], url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed-once-11", "typed-twice-1"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    code, _, err = run(capsys, "--database-url", url, "users", "set-password", "7")
    assert code == 1
    assert "differ" in err
    assert stored(url, "dc-handler") is None


def test_a_generated_password_is_shown_once_and_works(capsys: pytest.CaptureFixture[str],
                                                      url: str) -> None:
    code, out, _ = run(capsys, "--database-url", url, "users", "set-password", "city-office",
                       "--generate", "--no-change-required")
    assert code == 0
    shown = re.search(r"password \(shown once\): (\S+)", out)
    assert shown is not None
    hashed = stored(url, "city-office")
    assert hashed is not None
    assert passwords.verify_password(hashed[0], shown[1])
    assert hashed[1] is False
    with read_tx(make_engine(url)) as conn:
        assert conn.execute(select(SESSION)).first() is None


def test_an_unknown_login_is_a_clear_error(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, _, err = run(capsys, "--database-url", url, "users", "set-password", "nobody",
                       "--generate")
    assert code == 1
    assert err.strip() == "error: no user with login 'nobody'"


def test_logins_name_users_for_as_and_tokens_issue(capsys: pytest.CaptureFixture[str],
                                                   url: str) -> None:
    code, out, _ = run(capsys, "--database-url", url, "items", "create", "--as", "city-office",
                       "--workflow", "lead", "--jurisdiction", "5101", "--title", "经登录名创建",
                       "--data", '{"channel": "letter", "category": "violation"}')
    assert code == 0, out
    item = re.search(r"created item (\d+)", out)
    assert item is not None
    code, out, _ = run(capsys, "--database-url", url, "items", "fire", item[1], "transfer",
                       "--as", "city-office", "--data", '{"unit": "dc-police"}')
    assert code == 0
    assert "received → transferred" in out
    code, out, _ = run(capsys, "--database-url", url, "tokens", "issue", "dc-handler")
    assert code == 0
    assert re.match(r"token \d+ for user 6 \(shown once\)", out)
    code, out, _ = run(capsys, "--database-url", url, "tokens", "issue", "6")  # ids still work
    assert code == 0


def test_the_demo_prints_the_console_url_logins_and_password(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    code, out, _ = run(capsys, "--database-url", url, "demo", "--no-serve",
                       "--tokens-file", str(tmp_path / "tokens.sh"))
    assert code == 0
    assert "the console: http://127.0.0.1:8000/ ; sign in as any of these, password " \
           "leadflow-demo:" in out
    assert re.search(r"^  dc-handler\s+东城公安-承办人 \(handler\)$", out, re.M)
    assert "platform" not in out.split("the console:")[1]  # a system, not a person
    hashed = stored(url, "dc-handler")
    assert hashed is not None
    assert passwords.verify_password(hashed[0], "leadflow-demo")
    assert hashed[1] is False
