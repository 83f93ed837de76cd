"""Bulletin figures."""

from __future__ import annotations

from pydantic import BaseModel


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
