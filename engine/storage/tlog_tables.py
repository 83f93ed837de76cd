"""Tables of the transparency log over the audit trail (engine/transparency): its leaves,
the hashes of its perfect subtrees, its head, the checkpoints it signed and the witnesses'
cosignatures of them.

All but the head are append-only at the database too (triggers in migration 0006); the one
head row is updated by the sequencer while it holds the row's lock, and its size never
decreases. Leaf indexes are assigned by the sequencer from the head, never by a database
sequence (a rolled-back nextval leaves a gap), so no index column autoincrements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.storage.types import UTCDateTime, core_table


class TlogLeaf(SQLModel, table=True):
    """Leaf `idx` of the log is audit event `event_id`; its leaf hash is
    SHA-256(0x00 ‖ the event's hash). Item and seq are kept so that a check can name the
    item of an event that has disappeared."""

    __tablename__ = "tlog_leaf"
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    event_id: int = Field(unique=True)
    item_id: int
    seq: int
    event_hash: str = Field(max_length=64)


class TlogNode(SQLModel, table=True):
    """The hash of the perfect subtree covering leaves [idx·2^level, (idx+1)·2^level),
    level >= 1 (a leaf's hash comes from its tlog_leaf row). Written once, when its last
    leaf is appended."""

    __tablename__ = "tlog_node"
    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class TlogHead(SQLModel, table=True):
    """The single row (id 1): the log's size and root, and the sequencer's scan floor.

    Every audit event with id <= floor_event_id is in the log. On PostgreSQL the floor moves
    to `pending_event_id` once every transaction that was running when that id was seen
    has ended (`pending_xmax`, a transaction id): until then a smaller id may still commit."""

    __tablename__ = "tlog_head"
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    floor_event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    pending_event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    pending_xmax: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TlogCheckpoint(SQLModel, table=True):
    """A checkpoint the log signed: its tree size and root, and the signed note as issued
    (C2SP tlog-checkpoint). At most one per size."""

    __tablename__ = "tlog_checkpoint"
    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class TlogCosignature(SQLModel, table=True):
    """A witness's cosignature (C2SP tlog-cosignature) of a checkpoint: its signature line,
    verified against a configured witness key when it was received."""

    __tablename__ = "tlog_cosignature"
    __table_args__ = (
        UniqueConstraint("checkpoint_id", "witness", "key_id", name="uq_tlog_cosignature"),
    )
    id: int | None = Field(default=None, primary_key=True)
    checkpoint_id: int = Field(foreign_key="tlog_checkpoint.id", index=True)
    witness: str = Field(max_length=200)  # the witness key's name
    key_id: int = Field(sa_column=Column(BigInteger, nullable=False))  # 32-bit, unsigned
    line: str = Field(sa_column=Column(Text, nullable=False))  # "— <name> <base64>\n"
    signed_at: datetime = Field(sa_type=UTCDateTime)  # the time inside the cosignature
    received_at: datetime = Field(sa_type=UTCDateTime)


TLOG_LEAF = core_table(TlogLeaf)
TLOG_NODE = core_table(TlogNode)
TLOG_HEAD = core_table(TlogHead)
TLOG_CHECKPOINT = core_table(TlogCheckpoint)
TLOG_COSIGNATURE = core_table(TlogCosignature)
