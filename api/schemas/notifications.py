"""A user's notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="remind | escalate | repeat | overdue | digest_daily | "
                                  "digest_weekly")
    item_id: int | None
    jurisdiction_id: int | None
    level: int
    subject: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread: int
    total: int
    next_offset: int | None = Field(description="pass as `offset` for the next page")


class MarkedRead(BaseModel):
    marked: int
