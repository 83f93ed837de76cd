"""The audit trail: events in scope and the verification of their chains."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.items import EventOut


class AuditEventOut(EventOut):
    ref: str
    jurisdiction: str


class EventPage(BaseModel):
    events: list[AuditEventOut]
    next_cursor: int | None = Field(description="pass as `after` for the next page")


class BrokenChainOut(BaseModel):
    item_id: int
    ref: str
    first_bad_seq: int
    reason: str


class VerifyOut(BaseModel):
    ok: bool
    checked_items: int
    checked_events: int
    broken: list[BrokenChainOut]
