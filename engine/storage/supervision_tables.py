"""Tables of supervision (督办) and extensions (延期): one row per notice and per extension
request, written by engine.supervision in the transaction of the audit event it stands for
(the event is the record; these rows are what lists, the sweep and the reports query).

`supervision_mark` is the idempotency record of the sweep's raises, as `escalation_mark` is
of escalations: a unique row per (notice, n-th raise), inserted with the raise's event, so no
second sweep or process can raise the same notice twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.storage.types import UTCDateTime, core_table


class SupervisionNotice(SQLModel, table=True):
    """One notice: open → replied → accepted, or returned (and open again for a new reply).

    `reply_due_at` is the current reply deadline (moved by a return or a raise);
    `first_due_at` the one it was issued with, which "replied on time" is judged by."""

    __tablename__ = "supervision_notice"
    __table_args__ = (
        Index("ix_supervision_notice_item", "item_id", "level"),
        # the sweep's look: open notices by reply deadline
        Index("ix_supervision_notice_due", "state", "reply_due_at"),
        Index("ix_supervision_notice_issued", "issued_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    level: str = Field(max_length=32)
    requirement: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=16)  # open | replied | accepted | returned
    issuer: str = Field(max_length=64)  # "user:<id>" or "system"
    # the office pressing the unit; a raise at the top level moves it to the parent
    issuer_jurisdiction_id: int = Field(foreign_key="jurisdiction.id")
    reply_working_days: int
    issued_at: datetime = Field(sa_type=UTCDateTime)
    first_due_at: datetime = Field(sa_type=UTCDateTime)
    reply_due_at: datetime = Field(sa_type=UTCDateTime)
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    raises: int = 0  # how many times the sweep raised it
    issue_seq: int  # the audit seq of its `supervise` event


class SupervisionMark(SQLModel, table=True):
    """The n-th raise of one notice, done once."""

    __tablename__ = "supervision_mark"
    __table_args__ = (UniqueConstraint("notice_id", "step", name="uq_supervision_mark"),)
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="supervision_notice.id")
    step: int
    at: datetime = Field(sa_type=UTCDateTime)
    audit_seq: int


class ExtensionRequest(SQLModel, table=True):
    """One request to extend the deadline of the state the item is in: requested →
    approved | refused. Approval moves the item's due time from `original_due_at` to
    `new_due_at`, which reports use to tell extended items from on-time ones."""

    __tablename__ = "extension_request"
    __table_args__ = (
        Index("ix_extension_request_item", "item_id", "state_entry_seq"),
        Index("ix_extension_request_decided", "decided_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    item_state: str = Field(max_length=64)
    state_entry_seq: int  # the stay in the state it extends; counts are per stay
    state: str = Field(max_length=16)  # requested | approved | refused
    days_asked: int
    days_granted: int | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    decision: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    original_due_at: datetime = Field(sa_type=UTCDateTime)
    new_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


NOTICE = core_table(SupervisionNotice)
SUPERVISION_MARK = core_table(SupervisionMark)
EXTENSION = core_table(ExtensionRequest)
