"""`leadflow backup` during a burst of transitions keeps every acknowledged one and
verifies; `leadflow restore` brings it back and verifies."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from cli.main import main
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import ITEM
from tests.engine.scheduling.helpers import new_lead


def states(url: str) -> dict[int, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {r.id: r.state for r in conn.execute(select(ITEM.c.id, ITEM.c.state))}
    finally:
        engine.dispose()


def test_backup_during_a_burst_keeps_every_acknowledged_transition(
        rt_sqlite: Runtime, sqlite_url: str, actors_sqlite: dict[str, Actor],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    office = actors_sqlite["东城办-联络员"]
    items = [new_lead(rt_sqlite, office, "510101") for _ in range(60)]
    acked: list[int] = []
    half = threading.Event()
    lock = threading.Lock()

    def worker(mine: list[int]) -> None:
        for item in mine:
            apply(rt_sqlite, actor=office, item_id=item, trigger="transfer",
                  data={"unit": "dc-police"})
            with lock:  # acknowledged: apply() returned after its commit
                acked.append(item)
                if len(acked) >= 20:
                    half.set()

    threads = [threading.Thread(target=worker, args=(items[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    half.wait()
    with lock:
        before = list(acked)
    backup = tmp_path / "backup.db"
    code = main(["--database-url", sqlite_url, "backup", str(backup)])
    for t in threads:
        t.join()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "all chains verify" in out
    copy = states(f"sqlite:///{backup}")
    assert all(copy[i] == "transferred" for i in before)
    assert len(copy) == len(items)
    # restore into the live database (servers stopped) and verify it
    assert main(["--database-url", sqlite_url, "restore", str(backup)]) == 0
    assert states(sqlite_url) == copy
    assert "all chains verify" in capsys.readouterr().out


def test_backup_refuses_to_overwrite_and_restore_a_missing_file(
        rt_sqlite: Runtime, sqlite_url: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "there.db"
    existing.write_bytes(b"")
    assert main(["--database-url", sqlite_url, "backup", str(existing)]) == 1
    assert main(["--database-url", sqlite_url, "restore", str(tmp_path / "none.db")]) == 1
    assert main(["--database-url", "postgresql+psycopg://u@h/db", "backup", "x.dump"]) == 1
    assert "pg_dump --format=custom" in capsys.readouterr().out
