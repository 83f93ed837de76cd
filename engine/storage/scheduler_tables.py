"""Tables of the scheduler part: each open item's schedule (next check), escalation marks,
the notification outbox, webhook deliveries and their attempts, and digest marks.

The schedule lives apart from the audited `item` row: moving an item's next look is the
scheduler's bookkeeping, not a change of the item, so it writes no audit event and leaves
the item's version (the client's If-Match) alone.

The marks are the idempotency records: a unique row per (item, state entry, kind, level) is
inserted in the same transaction as the audit event it stands for, so no sweep, process,
crash or restart can produce that event twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.storage.types import PortableJSON, UTCDateTime, core_table


class ItemSchedule(SQLModel, table=True):
    """When the sweep looks at an item next, for the state entry it was computed for.

    A row exists while the item has a next check. The one writer (`engine.items.transition`)
    writes it from the deadline plan in the transaction of every state change; the sweep
    moves it after each look, in the transaction that reads it (PostgreSQL: FOR UPDATE SKIP
    LOCKED; SQLite: BEGIN IMMEDIATE holds the one write lock). `claimed_by`/`claimed_until`
    are the lease an earlier sweep took between claim and work; nothing uses them now, and
    dropping them is a migration left for later. `state_entry_seq` lets the sweep see a row
    left behind by a state the item has moved on from."""

    __tablename__ = "item_schedule"
    __table_args__ = (Index("ix_item_schedule_next_check", "next_check_at"),)
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    next_check_at: datetime = Field(sa_type=UTCDateTime)
    state_entry_seq: int
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EscalationMark(SQLModel, table=True):
    """One reminder, escalation or top-of-chain repeat of one state entry of one item.

    kind is remind (level 0), escalate (level 1..3) or repeat (level = the n-th repeat at
    the top of the chain)."""

    __tablename__ = "escalation_mark"
    __table_args__ = (
        UniqueConstraint("item_id", "state_entry_seq", "kind", "level",
                         name="uq_escalation_mark"),
        Index("ix_escalation_mark_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    state_entry_seq: int
    kind: str = Field(max_length=16)
    level: int
    at: datetime = Field(sa_type=UTCDateTime)
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    audit_seq: int
    target_jurisdiction_id: int | None = Field(default=None, foreign_key="jurisdiction.id")


class Notification(SQLModel, table=True):
    """The outbox a user reads: one row per recipient, written with the event that caused it."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_inbox", "recipient_id", "read_at", "id"),
        Index("ix_notification_item", "item_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=32)  # remind | escalate | repeat | digest_daily | ...
    item_id: int | None = Field(default=None, foreign_key="item.id")
    jurisdiction_id: int | None = Field(default=None, foreign_key="jurisdiction.id")
    level: int = 0
    subject: str = Field(max_length=500)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=PortableJSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event to POST to one office's webhook: an outbox row, delivered at least once.

    status: pending → delivered, or failed after the attempt limit. A lease (claimed_by,
    claimed_until) keeps two deliverers off the same row while the HTTP call runs outside
    any transaction."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    url: str = Field(max_length=500)
    event: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=PortableJSON)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """Every HTTP attempt of a delivery, successful or not."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt", name="uq_webhook_attempt"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_delivery.id")
    attempt: int
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    elapsed_ms: int = 0


class DigestMark(SQLModel, table=True):
    """A digest produced for one jurisdiction and period; two schedulers produce it once."""

    __tablename__ = "digest_mark"
    __table_args__ = (UniqueConstraint("kind", "period", "jurisdiction_id",
                                       name="uq_digest_mark"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # daily | weekly
    period: str = Field(max_length=16)  # 2026-03-02 (daily), 2026-W10 (weekly)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id")
    at: datetime = Field(sa_type=UTCDateTime)


# Upper bounds (seconds) of the sweep duration histogram's buckets; each is a column below.
SWEEP_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)


def bucket_column(upper: float) -> str:
    return "le_" + f"{upper:g}".replace(".", "_")


class SweepHeartbeat(SQLModel, table=True):
    """What the sweeps have done, one row per job (`sweep`), for /metrics: any process may
    sweep and any API worker answers the scrape, so the record is in the database. Every
    column is updated by increments in one statement, so two schedulers never lose a run."""

    __tablename__ = "sweep_heartbeat"
    name: str = Field(primary_key=True, max_length=32)
    last_success_at: datetime = Field(sa_type=UTCDateTime)
    last_duration_s: float
    last_worker: str = Field(max_length=64)
    runs: int = 0
    duration_sum_s: float = 0.0
    # runs that took at most 0.1 s, 0.5 s … (SWEEP_BUCKETS): the histogram's cumulative counts
    le_0_1: int = 0
    le_0_5: int = 0
    le_1: int = 0
    le_5: int = 0
    le_15: int = 0
    le_60: int = 0
    le_300: int = 0


SCHEDULE = core_table(ItemSchedule)
MARK = core_table(EscalationMark)
NOTE = core_table(Notification)
DELIVERY = core_table(WebhookDelivery)
ATTEMPT = core_table(WebhookAttempt)
DIGEST = core_table(DigestMark)
HEARTBEAT = core_table(SweepHeartbeat)
