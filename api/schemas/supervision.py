"""Supervision notices (督办) and extensions (延期) of an item: what a step takes and the
notice or extension it leaves (docs/supervision.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import NOT_BLANK, Strict

TEXT = 4000


class NoticeIn(Strict):
    level: str = Field(max_length=32, description="a level code of the workflow, e.g. yellow")
    requirement: str = Field(min_length=1, max_length=TEXT, pattern=NOT_BLANK)
    reply_days: int | None = Field(
        default=None, ge=1, le=60,
        description="working days to reply; the workflow's default when left out")


class ReplyIn(Strict):
    reply: str = Field(min_length=1, max_length=TEXT, pattern=NOT_BLANK)


class AcceptIn(Strict):
    comment: str = Field(default="", max_length=TEXT)


class ReturnIn(Strict):
    reason: str = Field(min_length=1, max_length=TEXT, pattern=NOT_BLANK)


class NoticeOut(BaseModel):
    id: int
    item_id: int
    level: str
    level_label: str
    requirement: str
    state: str = Field(description="open | replied | accepted | returned")
    issuer: str
    issuer_jurisdiction: str
    reply_working_days: int
    issued_at: datetime
    first_due_at: datetime
    reply_due_at: datetime
    reply: str | None
    replied_at: datetime | None
    decided_at: datetime | None
    raises: int


class ExtensionIn(Strict):
    working_days: int = Field(ge=1, le=365)
    reason: str = Field(min_length=1, max_length=TEXT, pattern=NOT_BLANK)


class ApproveIn(Strict):
    working_days: int | None = Field(
        default=None, ge=1, le=365, description="at most those asked; all of them if left out")
    comment: str = Field(default="", max_length=TEXT)


class RefuseIn(Strict):
    reason: str = Field(min_length=1, max_length=TEXT, pattern=NOT_BLANK)


class ExtensionOut(BaseModel):
    id: int
    item_id: int
    item_state: str
    state: str = Field(description="requested | approved | refused")
    days_asked: int
    days_granted: int | None
    reason: str
    decision: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    original_due_at: datetime
    new_due_at: datetime | None


class SupervisionOut(BaseModel):
    item_id: int
    notices: list[NoticeOut]
    extensions: list[ExtensionOut]
