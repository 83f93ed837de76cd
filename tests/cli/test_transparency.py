"""`leadflow keys new`, `checkpoint`, and `verify --checkpoint` against a tampered database
on both backends: an item deleted with all its events, a chain rewritten with a fresh head,
two events swapped, the log truncated, each detected and named (leaf, event, item), while
the per-item chain check alone passes; a checkpoint signed by an unknown key is refused.

Tampering goes past the append-only triggers as tests/transparency/helpers.py explains."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from cli.main import main
from engine.items.audit import EventRecord
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, SCHEDULE, TLOG_HEAD, TLOG_LEAF, TLOG_NODE
from engine.storage.db import read_tx
from engine.transparency.merkle import range_keys, root
from engine.transparency.note import ED25519, Signer, sign_note
from engine.transparency.store import DbNodes
from tests.transparency.helpers import make_items, unguarded


@pytest.fixture
def keys(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A fresh key pair from `leadflow keys new`, the signer set as the log's key."""
    assert main(["keys", "new", "--name", "leadflow.test/5101"]) == 0
    lines = capsys.readouterr().out.splitlines()
    signer, verifier = lines[1], lines[3]
    assert signer.startswith("PRIVATE+KEY+leadflow.test/5101+")
    assert verifier.startswith("leadflow.test/5101+")
    monkeypatch.setenv("LEADFLOW_TLOG_SIGNING_KEY", signer)
    return signer, verifier


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def saved(rt: Runtime, actors: dict[str, Actor], db_url: str, keys: tuple[str, str],
          capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """Three items of three events each (leaves 0-2, 3-5, 6-8), and a checkpoint of them
    saved to a file by `leadflow checkpoint`."""
    make_items(rt, actors, 3)
    path = tmp_path / "checkpoint.txt"
    code, out, err = run(capsys, "--database-url", db_url, "checkpoint", "-o", str(path))
    assert code == 0, err
    assert out == path.read_text(encoding="utf-8")
    assert out.split("\n")[:2] == ["leadflow.test/5101", "9"]
    return path


def verify(capsys: pytest.CaptureFixture[str], db_url: str, checkpoint: Path
           ) -> tuple[int, list[str]]:
    code, out, _err = run(capsys, "--database-url", db_url, "verify", "--workers", "1",
                          "--checkpoint", str(checkpoint))
    assert "all chains verify" in out  # each tampering keeps the chains themselves intact
    return code, [line for line in out.splitlines() if line.startswith("LOG ")]


def _event_id(rt: Runtime, item_id: int, seq: int) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(EVENT.c.id).where(
            EVENT.c.item_id == item_id, EVENT.c.seq == seq)).scalar_one())


def test_an_untouched_database_matches(saved: Path, db_url: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(capsys, db_url, saved) == (0, [])


def test_an_item_deleted_with_all_its_events_is_named(
        saved: Path, rt: Runtime, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [_event_id(rt, 2, seq) for seq in (1, 2, 3)]
    with unguarded(rt.db) as conn:
        conn.execute(delete(EVENT).where(EVENT.c.item_id == 2))
        conn.execute(delete(SCHEDULE).where(SCHEDULE.c.item_id == 2))  # the sweep's row too
        conn.execute(delete(ITEM).where(ITEM.c.id == 2))
    code, problems = verify(capsys, db_url, saved)
    assert code == 1
    for leaf, event in zip((3, 4, 5), ids, strict=True):
        assert any(p.startswith(f"LOG leaf {leaf}, event {event}, item 2: the event")
                   and "no longer exists" in p for p in problems), problems
    assert "LOG item 2: the item no longer exists: it was deleted with its events" in problems


def _rewrite_chain(rt: Runtime, item_id: int) -> None:
    """Alter event 2 of the item and re-hash it and every later event, moving the item's
    head to the new end: the chain is self-consistent again."""
    with read_tx(rt.db) as conn:
        rows = list(conn.execute(select(EVENT).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)))
    prev = rows[0].hash
    with unguarded(rt.db) as conn:
        for row in rows[1:]:
            comment = "改写" if row.seq == 2 else row.comment
            digest = EventRecord(
                item_id=row.item_id, seq=row.seq, at=row.at, actor=row.actor,
                actor_role=row.actor_role, trigger=row.trigger, from_state=row.from_state,
                to_state=row.to_state, data=row.data, comment=comment,
                workflow=row.workflow, workflow_version=row.workflow_version,
                prev_hash=prev).digest()
            conn.execute(update(EVENT).where(EVENT.c.id == row.id).values(
                comment=comment, prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(ITEM).where(ITEM.c.id == item_id).values(audit_head=prev))


def test_a_chain_rewritten_with_a_fresh_head_is_named(
        saved: Path, rt: Runtime, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _rewrite_chain(rt, 1)
    code, problems = verify(capsys, db_url, saved)
    assert code == 1
    for leaf, seq in ((1, 2), (2, 3)):
        event = _event_id(rt, 1, seq)
        assert any(p.startswith(f"LOG leaf {leaf}, event {event}, item 1: the event's hash "
                                "is now") and "the chain was rewritten" in p
                   for p in problems), problems
    assert not any("leaf 0" in p or "item 2" in p or "item 3" in p for p in problems), problems


def test_two_events_swapped_are_named(saved: Path, rt: Runtime, db_url: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Leaves 1 and 2 (item 1's events 2 and 3) exchanged in the log."""
    with read_tx(rt.db) as conn:
        one, two = conn.execute(select(TLOG_LEAF).where(TLOG_LEAF.c.idx.in_([1, 2]))
                                .order_by(TLOG_LEAF.c.idx)).all()
    with unguarded(rt.db) as conn:
        conn.execute(update(TLOG_LEAF).where(TLOG_LEAF.c.idx == 1).values(event_id=-1))
        for row, other in ((one, two), (two, one)):
            conn.execute(update(TLOG_LEAF).where(TLOG_LEAF.c.idx == other.idx).values(
                event_id=row.event_id, seq=row.seq, event_hash=row.event_hash))
    code, problems = verify(capsys, db_url, saved)
    assert code == 1
    assert f"LOG leaf 2, event {one.event_id}, item 1: seq 2 comes after seq 3 (leaf 1): " \
           "events were reordered" in problems
    # the pairs (0, 1) and (2, 3) changed: leaf 1 is now event 3, leaf 3 still item 2's
    assert f"LOG leaf 1, event {two.event_id}, item 1: the stored node over leaves 0 and 1 " \
           "is not the hash of those leaves: leaves were moved or rewritten" in problems
    assert any(p.startswith("LOG leaf 3, event ") and "the stored node over leaves 2 and 3 "
               "is not the hash of those leaves" in p for p in problems), problems
    assert any("recomputed from the events" in p and "the log was rewritten" in p
               for p in problems)


def test_a_truncated_log_is_named(saved: Path, rt: Runtime, db_url: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Leaves 4.. removed with their nodes, the head moved back to a consistent size 4."""
    with read_tx(rt.db) as conn:
        keep = set(range_keys(0, 4))
        root4 = root(4, DbNodes(conn))
    with unguarded(rt.db) as conn:
        conn.execute(delete(TLOG_LEAF).where(TLOG_LEAF.c.idx >= 4))
        for level, idx in [(0, i) for i in range(4, 9)] + [(1, 2), (1, 3), (2, 1), (3, 0)]:
            if (level, idx) not in keep:
                conn.execute(delete(TLOG_NODE).where(TLOG_NODE.c.level == level,
                                                     TLOG_NODE.c.idx == idx))
        conn.execute(update(TLOG_HEAD).values(size=4, root=root4))
        conn.execute(text("DELETE FROM tlog_checkpoint"))
    code, problems = verify(capsys, db_url, saved)
    assert code == 1
    assert problems == ["LOG leaf 4: the log is truncated: the checkpoint covers 9 leaves, "
                        "the database has 4"]


def test_a_checkpoint_by_an_unknown_key_is_refused(
        saved: Path, db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = Signer(name="leadflow.test/5101", sig_type=ED25519, seed=b"\x07" * 32)
    body = saved.read_text(encoding="utf-8").split("\n\n")[0] + "\n"
    forged = tmp_path / "forged.txt"
    forged.write_text(sign_note(body, [other]), encoding="utf-8")
    code, out, err = run(capsys, "--database-url", db_url, "verify", "--checkpoint",
                         str(forged))
    assert code == 1
    assert re.search(r"error: checkpoint is not signed by the log key leadflow\.test/5101\+",
                     err), err
    assert "the log matches" not in out


def test_checkpoint_without_a_key_is_a_clear_error(
        db_url: str, rt: Runtime, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEADFLOW_TLOG_SIGNING_KEY", raising=False)
    code, _out, err = run(capsys, "--database-url", db_url, "checkpoint")
    assert code == 1
    assert "LEADFLOW_TLOG_SIGNING_KEY" in err
