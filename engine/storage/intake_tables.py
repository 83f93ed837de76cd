"""Tables of lead intake: the reporter's identity kept apart from the item, receipt codes,
the person a lead is about (for duplicate flagging), links between leads, failed receipt
lookups (for rate limiting and audit), and imported files (to notice a second import).

Nothing here holds a secret in the clear: the identity is AES-GCM ciphertext whose key lives
in configuration only, and a receipt code is stored as its SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.storage.types import UTCDateTime, core_table


class ReporterIdentity(SQLModel, table=True):
    """The reporter of one lead, encrypted. `key_id` names the key (a fingerprint, not the
    key) so a wrong key is reported as such rather than as corrupt data."""

    __tablename__ = "reporter_identity"
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    key_id: str = Field(max_length=16)
    nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class ReceiptCode(SQLModel, table=True):
    """An anonymous reporter's receipt: only the SHA-256 of the code is kept."""

    __tablename__ = "receipt_code"
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class LeadSubject(SQLModel, table=True):
    """Who a lead is about, reduced to a key (hash of normalised name and unit), so leads
    about the same person are found with one indexed query on both databases."""

    __tablename__ = "lead_subject"
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    subject_key: str = Field(max_length=64, index=True)


class ItemLink(SQLModel, table=True):
    """A relation between two leads, stored once per direction so each side lists its own
    with one query. kind: related (linked by staff) | duplicate (flagged at intake).
    Merges are workflow transitions and live in the audit trail."""

    __tablename__ = "item_link"
    __table_args__ = (
        UniqueConstraint("item_id", "other_id", "kind", name="uq_item_link"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    other_id: int = Field(foreign_key="item.id")
    kind: str = Field(max_length=16)
    actor: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ReceiptFailure(SQLModel, table=True):
    """One failed receipt lookup: who asked (the caller and the reporter's session as the
    caller names it) and when. Counted for rate limiting; kept as the audit of guessing."""

    __tablename__ = "receipt_failure"
    __table_args__ = (Index("ix_receipt_failure_client_at", "client", "at"),
                      Index("ix_receipt_failure_caller_at", "caller", "at"))
    id: int | None = Field(default=None, primary_key=True)
    caller: str = Field(max_length=64)
    client: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class ImportBatch(SQLModel, table=True):
    """One file brought in by `leadflow import leads`, known by the SHA-256 of its canonical
    rows, so that importing the same rows again is noticed. Written in the transaction of
    the file's first imported row and counted up in each next one, so an import cut short
    leaves an exact record of what it brought in."""

    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    rows_sha256: str = Field(max_length=64, index=True)
    file_name: str = Field(max_length=255)
    actor: str = Field(max_length=64)
    rows: int  # data rows in the file
    imported: int  # rows that became leads
    created_at: datetime = Field(sa_type=UTCDateTime)


IDENTITY = core_table(ReporterIdentity)
RECEIPT = core_table(ReceiptCode)
SUBJECT = core_table(LeadSubject)
LINK = core_table(ItemLink)
FAILURE = core_table(ReceiptFailure)
IMPORT_BATCH = core_table(ImportBatch)
