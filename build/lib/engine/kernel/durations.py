"""Deadline durations as written in workflow files: one unit and an amount."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DurationUnit(StrEnum):
    seconds = "seconds"
    hours = "hours"
    days = "days"  # calendar days
    working_days = "working_days"  # on China's official calendar, 调休 included


@dataclass(frozen=True, kw_only=True)
class Duration:
    unit: DurationUnit
    amount: float

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit.value}"
