"""`leadflow serve` / `demo` / `tokens`: database set-up, demo data, token commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from cli.demo import EXAMPLE_ORG, prepare_demo, write_tokens_file
from cli.main import main
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage.db import make_engine
from engine.storage.schema import is_empty
from tests.fixtures.api import SECRET


def _settings(url: str) -> Settings:
    return Settings(database_url=url, secret=SecretStr(SECRET))


def test_serve_app_creates_empty_database(tmp_path: Path) -> None:
    """The app `serve` runs creates the schema on an empty database and is ready."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = create_app(settings=_settings(url))
    assert not is_empty(make_engine(url))
    assert TestClient(app).get("/readyz").status_code == 200
    app.state.rt.db.dispose()


def test_demo_twice_keeps_items_and_renews_tokens(rt_sqlite: Runtime, tmp_path: Path) -> None:
    """A second demo run adds no items and revokes the tokens printed the first time."""
    settings = _settings(str(rt_sqlite.db.url))
    first = prepare_demo(rt_sqlite, settings, EXAMPLE_ORG)
    second = prepare_demo(rt_sqlite, settings, EXAMPLE_ORG)
    assert (first.items_created, second.items_created) == (4, 0)
    client = TestClient(create_app(rt_sqlite, settings))
    old, new = first.tokens["市办-线索组"][2], second.tokens["市办-线索组"][2]
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {new}"})
    assert me.json()["role"] == "office"
    items = client.get("/v1/items", headers={"Authorization": f"Bearer {new}"}).json()
    assert len(items["items"]) == 4


def test_tokens_file_is_private(rt_sqlite: Runtime, tmp_path: Path) -> None:
    """The demo tokens file is written readable by its owner only."""
    report = prepare_demo(rt_sqlite, _settings(str(rt_sqlite.db.url)), EXAMPLE_ORG)
    path = tmp_path / "var" / "tokens.sh"
    write_tokens_file(path, report)
    assert path.stat().st_mode & 0o777 == 0o600
    assert "export CITY_OFFICE_TOKEN=" in path.read_text(encoding="utf-8")


def test_tokens_issue_and_revoke_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`leadflow tokens issue` prints a working token; `tokens revoke` disables it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LEADFLOW_SECRET", SECRET)
    assert main(["--database-url", url, "init"]) == 0
    assert main(["--database-url", url, "org", "load", str(EXAMPLE_ORG)]) == 0
    capsys.readouterr()
    assert main(["--database-url", url, "tokens", "issue", "3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    token_id, token = int(out[0].split()[1]), out[-1]
    client = TestClient(create_app(settings=_settings(url)))
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/me", headers=auth).status_code == 200
    assert main(["--database-url", url, "tokens", "revoke", str(token_id)]) == 0
    assert client.get("/v1/me", headers=auth).status_code == 401
    client.app.state.rt.db.dispose()  # type: ignore[attr-defined]


def test_serve_refuses_the_default_secret_on_a_public_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --host 0.0.0.0` without LEADFLOW_SECRET stops before opening the database."""
    monkeypatch.delenv("LEADFLOW_SECRET", raising=False)
    db = tmp_path / "never.db"
    assert main(["--database-url", f"sqlite:///{db}", "serve", "--host", "0.0.0.0"]) == 1
    assert "LEADFLOW_SECRET" in capsys.readouterr().err
    assert not db.exists()
