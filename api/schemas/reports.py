"""Bulletin figures."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


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
    by_disposal: dict[str, int] = Field(description=(
        "items by their recorded disposal method (处置方式) code; `(none)`: none recorded"))


class FigureOut(BaseModel):
    key: str
    label: str
    numerator: float
    denominator: int | None
    value: float | None


class PerformanceRowOut(BaseModel):
    kind: str
    code: str
    name: str
    jurisdiction_code: str
    figures: list[FigureOut]


class PeriodOut(BaseModel):
    label: str
    first: date
    last: date


class PerformanceOut(BaseModel):
    period: PeriodOut
    jurisdiction_code: str | None
    jurisdiction_name: str
    workflow: str | None
    total: list[FigureOut]
    jurisdictions: list[PerformanceRowOut]
    units: list[PerformanceRowOut]
    disposals: list[FigureOut] = Field(description=(
        "处置方式: items disposed of in the period (once each, by their latest method), "
        "then each declared method's share; empty when no workflow declares disposals"))
