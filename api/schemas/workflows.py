"""Workflow definitions as loaded, and the fields a transition requires."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
