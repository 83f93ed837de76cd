"""Items: creating one, firing a transition, an item with what may be fired now, pages and
history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Strict, text_field
from api.schemas.workflows import FieldOut


class ItemCreate(Strict):
    workflow: str = Field(min_length=1, max_length=64)
    jurisdiction: str = Field(min_length=1, max_length=32)
    title: str = text_field(max_length=500)
    # pydantic copies a mutable default per instance; ruff only knows that of a BaseModel
    # subclass defined in the same module
    data: dict[str, Any] = {}  # noqa: RUF012
    unit: str | None = Field(default=None, max_length=64)
    comment: str = Field(default="", max_length=4000)


class TransitionIn(Strict):
    trigger: str = Field(min_length=1, max_length=64)
    data: dict[str, Any] = {}  # noqa: RUF012
    comment: str = Field(default="", max_length=4000)


class AvailableTransition(BaseModel):
    trigger: str
    label: str
    dest: str
    requires: list[FieldOut]


class ItemOut(BaseModel):
    id: int
    ref: str
    workflow: str
    workflow_version: int
    title: str
    state: str
    jurisdiction: str
    unit: str | None
    assignee: int | None
    data: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    state_entered_at: datetime
    due_at: datetime | None
    overdue: bool
    light: Literal["green", "yellow", "red"] | None = Field(
        description="warning light: red overdue, yellow at or past its yellow point (the "
                    "reminder, or the workflow's `lights:`), green before; null when closed, "
                    "paused or without a deadline")
    light_label: str = Field(description="the light's word: 绿, 黄 or 红 (empty for none)")
    escalation_level: int
    closed_at: datetime | None
    supervision: dict[str, int] = Field(
        default_factory=dict, description="supervision notices by level code, e.g. "
                                          '{"yellow": 1}; levels without one are left out')


class ItemDetail(ItemOut):
    available_transitions: list[AvailableTransition]


class ItemPage(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None


class EventOut(BaseModel):
    id: int
    item_id: int
    seq: int
    at: datetime
    actor: str
    actor_role: str
    trigger: str
    from_state: str | None
    to_state: str
    data: dict[str, Any]
    comment: str
    prev_hash: str
    hash: str


class HistoryEventOut(EventOut):
    leaf_index: int | None = Field(
        description="the event's leaf in the transparency log; null until sequenced")


class History(BaseModel):
    item_id: int
    ref: str
    events: list[HistoryEventOut]
