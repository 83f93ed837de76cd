"""Request and response bodies of the HTTP API (the contract in docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- org -------------------------------------------------------------------------------

class JurisdictionIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    level: Literal["province", "city", "county"]
    parent: str | None = None


class JurisdictionOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None


class UnitIn(Strict):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["committee", "police", "procuratorate", "court", "justice", "office",
                  "discipline"]
    jurisdiction: str


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    jurisdiction: str


class UserIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "handler", "office", "supervisor", "client"]
    jurisdiction: str
    unit: str | None = None


class UserOut(BaseModel):
    id: int | None
    name: str
    role: str
    jurisdiction: str | None
    unit: str | None


class TokenOut(BaseModel):
    token_id: int
    token: str = Field(description="shown once; only its keyed hash is stored")


class UserWithToken(UserOut):
    token_id: int
    token: str = Field(description="shown once; only its keyed hash is stored")


# --- workflows ---------------------------------------------------------------------------

class ChoiceOut(BaseModel):
    value: str
    label: str


class FieldOut(BaseModel):
    """A declared field, with what a form needs to render and check it."""

    name: str
    type: str
    label: str
    required: bool = Field(True, description="of an item field: at creation; of a "
                           "transition's field: when firing it")
    values: list[str] = []
    help: str = ""
    choices: list[ChoiceOut] = Field([], description="an enum's values with their labels")
    vocabulary: str | None = None
    stored: bool = Field(True, description="false: a parameter recorded only in the audit "
                         "event, never stored on the item")
    create_roles: list[str] = Field([], description="of an item field: the roles that may "
                                    "give it at creation")
    fields: list[FieldOut] = Field([], description="of an object: its keys")
    items: FieldOut | None = Field(None, description="of a list: each element")


class ConditionOut(BaseModel):
    field: str
    op: str
    value: Any = None


class StateOut(BaseModel):
    name: str
    label: str
    initial: bool
    final: bool
    closed: bool
    pauses_clock: bool
    deadline: str | None


class TransitionOut(BaseModel):
    trigger: str
    label: str
    sources: list[str]
    dest: str
    roles: list[str]
    requires: list[FieldOut]
    conditions: list[ConditionOut]


class EscalationOut(BaseModel):
    max_level: int
    interval: str | None
    repeat_at_top: str | None


class WorkflowSummary(BaseModel):
    name: str
    title: str
    latest_version: int
    versions: list[int]


class WorkflowOut(BaseModel):
    name: str
    version: int
    title: str
    create_roles: list[str]
    states: list[StateOut]
    transitions: list[TransitionOut]
    escalation: EscalationOut
    vocabularies: dict[str, dict[str, str]]
    fields: list[FieldOut] = Field([], description="what an item of this workflow holds")


# --- items -------------------------------------------------------------------------------

class ItemCreate(Strict):
    workflow: str = Field(min_length=1, max_length=64)
    jurisdiction: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=500)
    data: dict[str, Any] = {}
    unit: str | None = Field(default=None, max_length=64)
    comment: str = Field(default="", max_length=4000)


class TransitionIn(Strict):
    trigger: str = Field(min_length=1, max_length=64)
    data: dict[str, Any] = {}
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
    escalation_level: int
    closed_at: datetime | None


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


class History(BaseModel):
    item_id: int
    ref: str
    events: list[EventOut]


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


class SummaryOut(BaseModel):
    total: int
    open: int
    closed: int
    by_state: dict[str, int]
    by_channel: dict[str, int]
    by_category: dict[str, int]
    by_unit: dict[str, int]
    by_jurisdiction: dict[str, int]
    overdue_by_escalation_level: dict[str, int]
    median_seconds_to_transferred: float | None
    median_seconds_to_closed: float | None


TimeParam = AwareDatetime | None
