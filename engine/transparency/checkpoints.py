"""Signed checkpoints of the log, and the witnesses' cosignatures of them.

The log never signs two checkpoints that contradict each other: before it signs, it
recomputes from the stored nodes the root of its head and the root of the last checkpoint it
signed, and checks a consistency proof between the two. If anything disagrees it refuses,
logs an error and tells the admins, and a person has to look (docs/transparency.md)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from engine.errors import CheckpointRejected, LogBroken
from engine.kernel import Role
from engine.notify import Notice, write
from engine.runtime import Runtime
from engine.storage import NOTE, TLOG_CHECKPOINT, TLOG_COSIGNATURE, USER, read_tx, write_tx
from engine.transparency.config import LogConfig
from engine.transparency.merkle import (
    MissingNodeError,
    ProofError,
    check_consistency,
    consistency_proof,
    root,
)
from engine.transparency.note import (
    Checkpoint,
    InvalidSignatureError,
    NoteError,
    UnverifiedNoteError,
    open_note,
    sign_note,
)
from engine.transparency.sequencer import Sequenced, sequence
from engine.transparency.store import DbNodes, Head, lock_head

log = structlog.get_logger("engine.transparency")
ALERT_KIND = "tlog_alert"


@dataclass(frozen=True, kw_only=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str  # the signed note as the log issued it
    created_at: datetime
    new: bool = False  # made by this call

    @property
    def body(self) -> str:
        return note_body(self.note)


@dataclass(frozen=True, kw_only=True)
class Tick:
    sequenced: Sequenced
    checkpoint: SignedCheckpoint | None  # made by this tick


def note_body(note: str) -> str:
    """The text a note's signatures cover: everything before the last blank line."""
    return note[: note.rfind("\n\n") + 1]


def _signed(row: Any, *, new: bool = False) -> SignedCheckpoint:
    return SignedCheckpoint(size=row.size, root=bytes(row.root), note=row.note,
                            created_at=row.created_at, new=new)


def latest_checkpoint(conn: Connection, size: int | None = None) -> SignedCheckpoint | None:
    """The latest checkpoint the log signed (or the one of `size`)."""
    q = select(TLOG_CHECKPOINT)
    q = q.where(TLOG_CHECKPOINT.c.size == size) if size is not None else \
        q.order_by(TLOG_CHECKPOINT.c.size.desc()).limit(1)
    row = conn.execute(q).first()
    return _signed(row) if row is not None else None


def latest_checkpoint_line(conn: Connection) -> str | None:
    """The latest checkpoint in one line, `<origin> <size> <base64 root>`, for digests and
    ledgers to carry; None before the first checkpoint."""
    signed = latest_checkpoint(conn)
    if signed is None:
        return None
    body = Checkpoint.parse(signed.body)
    return f"{body.origin} {body.size} {base64.b64encode(body.root_hash).decode()}"


def _check_against(conn: Connection, head: Head, last: SignedCheckpoint | None) -> None:
    """LogBroken unless the stored nodes give the head's root and extend `last`."""
    nodes = DbNodes(conn)
    try:
        if root(head.size, nodes) != head.root:
            raise LogBroken(f"the stored nodes do not give the head's root at size {head.size}")
        if last is None:
            return
        body = Checkpoint.parse(last.body)
        if (body.size, body.root_hash) != (last.size, last.root):
            raise LogBroken(f"the stored checkpoint of size {last.size} does not say what its "
                            "note says")
        if last.size > head.size:
            raise LogBroken(f"the log has {head.size} leaves, but a checkpoint of size "
                            f"{last.size} was signed: leaves were removed")
        if root(last.size, nodes) != last.root:
            raise LogBroken(f"the stored nodes no longer give the root of the signed "
                            f"checkpoint of size {last.size}: the log was rewritten")
        check_consistency(last.size, head.size, last.root, head.root,
                          consistency_proof(last.size, head.size, nodes))
    except MissingNodeError as exc:
        raise LogBroken(f"stored nodes are missing: {exc}") from None
    except (ProofError, NoteError) as exc:
        raise LogBroken(f"the head is not consistent with the checkpoint of size "
                        f"{last.size if last else 0}: {exc}") from None


def make_checkpoint(rt: Runtime, config: LogConfig, *,
                    not_before: timedelta | None = None) -> SignedCheckpoint:
    """Sign the head, unless the last checkpoint already has its size (or is younger than
    `not_before`): then that one is returned. LogBroken, after alerting, if the head does not
    extend the last checkpoint."""
    signer = config.require_signer()
    now = rt.clock.now()
    try:
        with write_tx(rt.db) as conn:
            head = lock_head(conn)
            last = latest_checkpoint(conn)
            _check_against(conn, head, last)
            if last is not None and (last.size == head.size or (
                    not_before is not None and now - last.created_at < not_before)):
                return last
            body = Checkpoint(origin=config.origin, size=head.size, root_hash=head.root)
            note = sign_note(body.format(), [signer])
            conn.execute(insert(TLOG_CHECKPOINT).values(
                size=head.size, root=head.root, note=note, created_at=now))
    except LogBroken as exc:
        alert(rt, str(exc))
        raise
    log.info("tlog_checkpoint", size=head.size, root=base64.b64encode(head.root).decode())
    return SignedCheckpoint(size=head.size, root=head.root, note=note, created_at=now,
                            new=True)


def sequence_and_checkpoint(rt: Runtime, config: LogConfig | None = None) -> Tick:
    """The scheduler's job: sequence what committed, then sign a checkpoint if a signing key
    is configured, the log grew, and the period has passed since the last one."""
    sequenced = sequence(rt)
    if config is None or config.signer is None:
        return Tick(sequenced=sequenced, checkpoint=None)
    with read_tx(rt.db) as conn:
        last = latest_checkpoint(conn)
    if last is not None and (last.size >= sequenced.size
                             or rt.clock.now() - last.created_at < config.period):
        return Tick(sequenced=sequenced, checkpoint=None)
    made = make_checkpoint(rt, config, not_before=config.period)
    return Tick(sequenced=sequenced, checkpoint=made if made.new else None)


def alert(rt: Runtime, reason: str) -> None:
    """The log refused to sign: an error in the log, and a notification to every active
    admin, unless they still have an unread one saying the same."""
    log.error("tlog_refused_to_sign", reason=reason)
    subject = "透明日志拒绝签署检查点 / the transparency log refused to sign a checkpoint"
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        admins = conn.execute(select(USER.c.id).where(
            USER.c.role == Role.admin.value, USER.c.active.is_(True))).scalars().all()
        told = set(conn.execute(select(NOTE.c.recipient_id).where(
            NOTE.c.kind == ALERT_KIND, NOTE.c.read_at.is_(None),
            NOTE.c.body == reason)).scalars())
        write(conn, Notice(kind=ALERT_KIND, subject=subject, body=reason),
              recipients=[a for a in admins if a not in told], offices=(), now=now)


@dataclass(frozen=True, kw_only=True)
class Cosignature:
    witness: str
    key_id: int
    line: str
    signed_at: datetime


def cosignatures(conn: Connection, size: int) -> list[Cosignature]:
    rows = conn.execute(
        select(TLOG_COSIGNATURE).join(
            TLOG_CHECKPOINT, TLOG_CHECKPOINT.c.id == TLOG_COSIGNATURE.c.checkpoint_id)
        .where(TLOG_CHECKPOINT.c.size == size).order_by(TLOG_COSIGNATURE.c.id))
    return [Cosignature(witness=r.witness, key_id=r.key_id, line=r.line,
                        signed_at=r.signed_at) for r in rows]


def witnessed_note(conn: Connection, size: int | None = None) -> str | None:
    """The latest checkpoint (or that of `size`) with every cosignature line after the
    log's signature: one note that any verifier opens, ignoring the keys it does not know."""
    signed = latest_checkpoint(conn, size)
    if signed is None:
        return None
    return signed.note + "".join(c.line for c in cosignatures(conn, signed.size))


def add_cosignatures(rt: Runtime, config: LogConfig, note: str
                     ) -> tuple[int, list[Cosignature]]:
    """Store the cosignatures in `note` (a checkpoint of this log with witness signature
    lines) by configured witness keys; returns the checkpoint's size and every cosignature
    of it. A witness sending the same key's cosignature again changes nothing."""
    if not config.witnesses:
        raise CheckpointRejected("this log accepts no witness's cosignature: "
                                 "LEADFLOW_TLOG_WITNESS_KEYS is empty")
    try:
        opened = open_note(note, config.witnesses)
        body = Checkpoint.parse(opened.text)
    except UnverifiedNoteError as exc:
        raise CheckpointRejected(f"no configured witness key cosigned it: {exc}") from None
    except InvalidSignatureError as exc:
        raise CheckpointRejected(f"a cosignature does not verify: {exc}") from None
    except NoteError as exc:
        raise CheckpointRejected(f"malformed cosigned checkpoint: {exc}") from None
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        row = conn.execute(select(TLOG_CHECKPOINT.c.id, TLOG_CHECKPOINT.c.note)
                           .where(TLOG_CHECKPOINT.c.size == body.size)).first()
        if row is None or note_body(row.note) != opened.text:
            raise CheckpointRejected(f"this log signed no such checkpoint of size {body.size}")
        for sig in opened.signatures:
            try:
                signed_at = datetime.fromtimestamp(sig.cosignature_time(), UTC)
            except (NoteError, OverflowError, ValueError, OSError):
                raise CheckpointRejected(f"{sig.name}'s cosignature time is not a "
                                         "date") from None
            try:
                with conn.begin_nested():
                    conn.execute(insert(TLOG_COSIGNATURE).values(
                        checkpoint_id=row.id, witness=sig.name, key_id=sig.key_id,
                        line=sig.line(), signed_at=signed_at, received_at=now))
            except IntegrityError:
                continue  # this witness key's cosignature is already stored
            log.info("tlog_cosignature", size=body.size, witness=sig.name)
        return body.size, cosignatures(conn, body.size)
