"""The core tables, one SQLModel family per table (Base / table / Create / Read).

Scheduler, API and intake tables live in their own modules; `engine.storage.schema` imports them all
so that metadata (and the migrations generated from it) sees every table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.storage.types import PortableJSON, UTCDateTime, core_table


class JurisdictionBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    level: str = Field(max_length=16)  # province | city | county


class Jurisdiction(JurisdictionBase, table=True):
    """A node of the province → city → county tree.

    `lft`/`rgt` are nested-set bounds, renumbered whenever the (small) tree changes, so that a
    whole subtree is one indexed range query `lft BETWEEN a AND b` on SQLite and PostgreSQL."""

    __tablename__ = "jurisdiction"
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="jurisdiction.id", index=True)
    lft: int = Field(default=0, index=True)
    rgt: int = Field(default=0)
    depth: int = 0


class UnitBase(SQLModel):
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    # committee | police | procuratorate | court | justice | office | discipline
    kind: str = Field(max_length=32)


class Unit(UnitBase, table=True):
    __tablename__ = "unit"
    id: int | None = Field(default=None, primary_key=True)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", index=True)
    webhook_url: str | None = Field(default=None, max_length=500)


class UserBase(SQLModel):
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)


class User(UserBase, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    # the name a person signs in to the console with (engine/org/passwords.py)
    login: str | None = Field(default=None, max_length=64, unique=True, index=True)


class RoleScope(SQLModel, table=True):
    """Which items the users of a role see and act on, as the org file declares it
    (`roles: {handler: {scope: unit}}`): subtree | unit | own_submissions."""

    __tablename__ = "role_scope"
    role: str = Field(max_length=16, primary_key=True)
    scope: str = Field(max_length=32)


class WorkflowDefinition(SQLModel, table=True):
    """Every definition version ever loaded, so items can stay on the version they began on."""

    __tablename__ = "workflow_definition"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_workflow_name_version"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    version: int
    content_hash: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    loaded_at: datetime = Field(sa_type=UTCDateTime)


class ItemBase(SQLModel):
    workflow: str = Field(max_length=64)
    title: str = Field(max_length=500)


class Item(ItemBase, table=True):
    """A lead or rectification item. `version` is the optimistic-lock counter; `audit_seq`
    and `audit_head` pin the newest audit event so deleting the tail of a chain is detected.
    When the sweep looks next is the scheduler's own row (`item_schedule`), not a column
    here: looking at an item changes nothing of it."""

    __tablename__ = "item"
    __table_args__ = (
        Index("ix_item_scope_state", "jurisdiction_id", "workflow", "state"),
        Index("ix_item_updated", "updated_at", "id"),
        # a jurisdiction's items newest first, and overdue items by due time: each first page
        # of a queue is an index range scan (engine/items/queries.py)
        Index("ix_item_jurisdiction_id", "jurisdiction_id", "id"),
        Index("ix_item_due_id", "due_at", "id"),
        # a client's own submissions newest first (the `own_submissions` scope)
        Index("ix_item_created_by_id", "created_by", "id"),
        # a handler's queue: their unit's items and those assigned to them, newest first
        Index("ix_item_unit_id", "unit_id", "id"),
        Index("ix_item_assignee_id", "assignee_id", "id"),
        # the 工作台's tab counts read a handler's scope from these alone (migration 0015)
        Index("ix_item_unit_work", "unit_id", "assignee_id", "state", "closed_at", "due_at"),
        Index("ix_item_assignee_work", "assignee_id", "unit_id", "state", "closed_at",
              "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True)  # e.g. 5101-2026-000042
    workflow_version: int
    state: str = Field(max_length=64)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    assignee_id: int | None = Field(default=None, foreign_key="app_user.id")
    # the id of the user who handed the item in (None: no user, e.g. generated data). No
    # foreign key: SQLite cannot add or drop one without rebuilding this table, which
    # audit_event references; users are deactivated, never deleted.
    created_by: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_type=PortableJSON)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    state_entered_at: datetime = Field(sa_type=UTCDateTime)
    state_entry_seq: int = 1  # audit seq of the event that entered the current state
    state_entries: dict[str, Any] = Field(default_factory=dict, sa_type=PortableJSON)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_remaining_s: float | None = None
    paused_state: str | None = Field(default=None, max_length=64)
    escalation_level: int = 0
    # notices by level code ({"yellow": 1}); None before the first. Kept by the one writer
    # with each supervision event, so lists show it without a join.
    supervision_counts: dict[str, int] | None = Field(default=None, sa_type=PortableJSON)
    audit_seq: int = 0
    audit_head: str = Field(default="", max_length=64)


class RefCounter(SQLModel, table=True):
    """Next reference number per jurisdiction and year."""

    __tablename__ = "ref_counter"
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class AuditEvent(SQLModel, table=True):
    """Append-only; each event's `hash` covers its content and the previous event's hash."""

    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("item_id", "seq", name="uq_audit_item_seq"),
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor", "actor"),
        # one trigger's events in a period (the performance report's acceptances)
        Index("ix_audit_trigger_at", "trigger", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=64)  # "user:<id>" or "system"
    actor_role: str = Field(max_length=16)
    trigger: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=64)
    to_state: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=PortableJSON)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    workflow: str = Field(max_length=64)
    workflow_version: int
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


JUR = core_table(Jurisdiction)
UNIT = core_table(Unit)
USER = core_table(User)
ROLE_SCOPE = core_table(RoleScope)
DEF = core_table(WorkflowDefinition)
ITEM = core_table(Item)
COUNTER = core_table(RefCounter)
EVENT = core_table(AuditEvent)
