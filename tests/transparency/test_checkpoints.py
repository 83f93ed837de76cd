"""Signed checkpoints: C2SP notes over the head, made on the period by the scheduler's job,
never two inconsistent ones (the log refuses, logs an error and tells the admins), the
digests carry the latest one's line, and cosignatures are verified before they are kept."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import structlog
from sqlalchemy import select, text, update

from engine.errors import CheckpointRejected, ConfigError, LogBroken
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.digests import daily_digest
from engine.settings import Settings
from engine.storage import NOTE, TLOG_LEAF, TLOG_NODE, USER
from engine.storage.db import read_tx
from engine.transparency import (
    LogConfig,
    add_cosignatures,
    latest_checkpoint,
    latest_checkpoint_line,
    make_checkpoint,
    sequence,
    sequence_and_checkpoint,
    witnessed_note,
)
from engine.transparency.note import Checkpoint, format_note, generate_key, open_checkpoint
from tests.transparency import reference
from tests.transparency.helpers import (
    ORIGIN,
    event_hashes_in_leaf_order,
    log_config,
    make_items,
    signer,
    unguarded,
)


def test_a_checkpoint_signs_the_head(rt: Runtime, actors: dict[str, Actor]) -> None:
    make_items(rt, actors, 2)
    sequence(rt)
    made = make_checkpoint(rt, log_config())
    body, note = open_checkpoint(made.note, [signer().verifier()])
    assert body == Checkpoint(origin=ORIGIN, size=6,
                              root_hash=reference.mth(event_hashes_in_leaf_order(rt)))
    assert made.new
    assert note.signed_by == (signer().verifier(),)
    # nothing new: the same checkpoint, not a second one of the same size
    again = make_checkpoint(rt, log_config())
    assert (again.new, again.note) == (False, made.note)


def test_the_scheduler_job_signs_once_per_period(rt: Runtime, clock: ManualClock,
                                                 actors: dict[str, Actor]) -> None:
    config = log_config()
    assert sequence_and_checkpoint(rt).checkpoint is None  # no key: it only sequences
    make_items(rt, actors, 1)
    first = sequence_and_checkpoint(rt, config)
    assert first.sequenced.appended == 3
    assert first.checkpoint is not None
    assert first.checkpoint.size == 3
    make_items(rt, actors, 1)
    clock.advance(config.period - timedelta(seconds=1))
    early = sequence_and_checkpoint(rt, config)
    assert (early.sequenced.size, early.checkpoint) == (6, None)
    clock.advance(timedelta(seconds=1))
    due = sequence_and_checkpoint(rt, config)
    assert due.checkpoint is not None
    assert due.checkpoint.size == 6
    clock.advance(config.period * 2)
    assert sequence_and_checkpoint(rt, config).checkpoint is None  # the log did not grow


def _rewrite_node(rt: Runtime, level: int, idx: int) -> None:
    with unguarded(rt.db) as conn:
        done = conn.execute(update(TLOG_NODE).where(TLOG_NODE.c.level == level,
                                                    TLOG_NODE.c.idx == idx)
                            .values(hash=b"\x42" * 32))
        assert done.rowcount == 1


def test_it_refuses_to_sign_what_contradicts_the_last_checkpoint(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    """A node under the last signed checkpoint rewritten: no new checkpoint, an error in the
    log, a notification to each admin (once, however often it retries)."""
    make_items(rt, actors, 2)
    sequence(rt)
    make_checkpoint(rt, log_config())
    make_items(rt, actors, 1)
    sequence(rt)
    _rewrite_node(rt, 1, 2)  # leaves 4 and 5: under the root of size 6, not under size 9's
    with structlog.testing.capture_logs() as logs, pytest.raises(LogBroken, match="of size 6"):
        make_checkpoint(rt, log_config())
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["tlog_refused_to_sign"]
    with pytest.raises(LogBroken):
        make_checkpoint(rt, log_config())
    with read_tx(rt.db) as conn:
        assert latest_checkpoint(conn).size == 6  # type: ignore[union-attr]
        admins = set(conn.execute(select(USER.c.id).where(USER.c.role == "admin")).scalars())
        told = list(conn.execute(select(NOTE.c.recipient_id).where(NOTE.c.kind == "tlog_alert"))
                    .scalars())
    assert admins
    assert sorted(told) == sorted(admins)


def test_it_refuses_when_leaves_were_removed(rt: Runtime, actors: dict[str, Actor]) -> None:
    make_items(rt, actors, 2)
    sequence(rt)
    make_checkpoint(rt, log_config())
    with unguarded(rt.db) as conn:
        conn.execute(text("UPDATE tlog_head SET size = 4"))
    with pytest.raises(LogBroken):
        make_checkpoint(rt, log_config())


def test_a_head_its_nodes_disagree_with_is_refused_before_any_checkpoint(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    make_items(rt, actors, 1)
    sequence(rt)
    with unguarded(rt.db) as conn:  # the root of 3 leaves is H(node(1, 0), leaf 2)
        conn.execute(update(TLOG_LEAF).where(TLOG_LEAF.c.idx == 2).values(event_hash="0" * 64))
    with pytest.raises(LogBroken, match="head's root"):
        make_checkpoint(rt, log_config())


def test_without_a_key_there_is_no_checkpoint(rt: Runtime) -> None:
    with pytest.raises(ConfigError, match="LEADFLOW_TLOG_SIGNING_KEY"):
        make_checkpoint(rt, LogConfig(origin=""))


def test_settings_give_the_config() -> None:
    skey, vkey = generate_key("leadflow.example/5102")
    _w, wkey = generate_key("city-witness")
    config = LogConfig.from_settings(Settings(tlog_signing_key=skey, tlog_witness_keys=wkey,
                                              tlog_checkpoint_period_seconds=60))
    assert config.origin == "leadflow.example/5102"
    assert config.verifier is not None
    assert config.verifier.encode() == vkey
    assert [w.sig_type for w in config.witnesses] == [0x04]
    assert config.period == timedelta(minutes=1)
    assert "PRIVATE" not in repr(config)
    with pytest.raises(ConfigError) as bad:
        LogConfig.from_settings(Settings(tlog_signing_key=skey[:-4]))
    assert skey[:-4] not in str(bad.value)  # a secret never reaches a message
    with pytest.raises(ConfigError, match="WITNESS_KEYS"):
        LogConfig.from_settings(Settings(tlog_witness_keys="nonsense"))


def test_digests_carry_the_latest_checkpoint_line(rt: Runtime, clock: ManualClock,
                                                  actors: dict[str, Actor]) -> None:
    make_items(rt, actors, 1)
    with read_tx(rt.db) as conn:
        assert latest_checkpoint_line(conn) is None
    sequence(rt)
    made = make_checkpoint(rt, log_config())
    with read_tx(rt.db) as conn:
        line = latest_checkpoint_line(conn)
    assert line == f"{ORIGIN} 3 {base64.b64encode(made.root).decode()}"
    clock.advance(timedelta(days=1))
    assert daily_digest(rt).produced > 0
    with read_tx(rt.db) as conn:
        bodies = list(conn.execute(select(NOTE.c.body, NOTE.c.data)
                                   .where(NOTE.c.kind == "digest_daily")))
    assert bodies
    assert all(line in b.body and b.data["checkpoint"] == line for b in bodies)


def test_cosignatures_are_verified_then_kept_once(rt: Runtime,
                                                  actors: dict[str, Actor]) -> None:
    witness, stranger = signer("city-witness", 7), signer("stranger", 8)
    config = log_config(witnesses=(witness,))
    make_items(rt, actors, 1)
    sequence(rt)
    made = make_checkpoint(rt, config)
    cosigned = format_note(made.body, [witness.cosigner().sign(made.body, timestamp=1_700_000_000)])
    size, kept = add_cosignatures(rt, config, cosigned)
    assert size == 3
    assert [(c.witness, c.signed_at.year) for c in kept] == [("city-witness", 2023)]
    assert add_cosignatures(rt, config, cosigned)[1] == kept  # sent again: nothing new
    with read_tx(rt.db) as conn:
        note = witnessed_note(conn)
    assert note is not None
    assert note.endswith(kept[0].line)
    opened = open_checkpoint(note, [signer().verifier(), config.witnesses[0]])[1]
    assert len(opened.signed_by) == 2  # the log's signature and the witness's both verify

    by_stranger = format_note(made.body, [stranger.cosigner().sign(made.body, timestamp=1)])
    with pytest.raises(CheckpointRejected, match="no configured witness key"):
        add_cosignatures(rt, config, by_stranger)
    forged = made.body.replace("\n3\n", "\n4\n")
    with pytest.raises(CheckpointRejected, match="no such checkpoint"):
        add_cosignatures(rt, config, format_note(
            forged, [witness.cosigner().sign(forged, timestamp=1)]))
    tampered = cosigned[:-10] + ("A" if cosigned[-10] != "A" else "B") + cosigned[-9:]
    with pytest.raises(CheckpointRejected):
        add_cosignatures(rt, config, tampered)
    with pytest.raises(CheckpointRejected, match="WITNESS_KEYS"):
        add_cosignatures(rt, log_config(), cosigned)


def test_the_tick_runs_the_log_job(rt: Runtime, actors: dict[str, Actor]) -> None:
    """The scheduler has a `tlog` job every SEQUENCE_INTERVAL_S; run once, it sequences and
    signs with the configuration it was given."""
    from engine.scheduling.tick import build_scheduler
    from engine.transparency import SEQUENCE_INTERVAL_S

    make_items(rt, actors, 1)
    sched = build_scheduler(rt, tlog=log_config())
    job = sched.get_job("tlog")
    assert job is not None
    assert job.trigger.interval == timedelta(seconds=SEQUENCE_INTERVAL_S)
    job.func()
    with read_tx(rt.db) as conn:
        made = latest_checkpoint(conn)
    assert made is not None
    assert made.size == 3
