"""Workflow definitions as loaded, and the fields a transition requires."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldOut(BaseModel):
    name: str
    type: str
    label: str
    required: bool = True  # False: may be left out, checked when given
    values: list[str] = []


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
