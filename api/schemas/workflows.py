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
    review: str | None = Field(None, description="of a state that pauses the clock: how "
                               "often the waiting item is looked at again (暂存待查)")


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


class LightsOut(BaseModel):
    yellow_before: str | None = Field(None, description="the light turns yellow this long "
                                      "before the due time; null: at the state's reminder "
                                      "point")


class NoticeLevelOut(BaseModel):
    code: str
    label: str
    order: int = Field(description="1 = the mildest")


class SupervisionRulesOut(BaseModel):
    """How supervision notices (督办) work on this workflow's items."""

    levels: list[NoticeLevelOut]
    issue_roles: list[str]
    reply_roles: list[str]
    decide_roles: list[str] = Field(description="may accept or return a reply")
    reply_working_days: int = Field(description="the reply deadline when the issuer gives "
                                    "none")
    on_overdue: str = Field(description="raise: an unanswered notice past its reply deadline "
                            "goes up a level, at the top to the parent office; none: it stays")


class ExtensionRuleOut(BaseModel):
    """Extensions (延期) of one state's deadline."""

    max_count: int = Field(description="approved extensions per stay in the state")
    max_working_days: int = Field(description="working days per extension")
    request_roles: list[str]
    decide_roles: list[str]


class SignForOut(BaseModel):
    state: str = Field(description="the stay whose deadline is the sign-for deadline")
    trigger: str = Field(description="the transition out of it that signs for the item")


class ReportsOut(BaseModel):
    """What the report figures look for (docs/reports.md)."""

    sign_for: SignForOut | None = None
    returns: list[str] = Field([], description="triggers that send an item back (退回)")


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
    lights: LightsOut = LightsOut()
    supervision: SupervisionRulesOut | None = Field(None, description="null: no notices may be "
                                               "issued on its items")
    extensions: dict[str, ExtensionRuleOut] = Field({}, description="by state; a state without "
                                                "a rule takes no extension")
    reports: ReportsOut = ReportsOut()
