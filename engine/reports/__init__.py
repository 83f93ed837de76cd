"""Reports: the performance figures of a period (every one with numerator and denominator),
their Chinese labels taken from the workflow definitions, the periods they cover."""

from engine.reports.figures import Counts, Figure, figures
from engine.reports.labels import (
    FIGURE_LABELS,
    NO_UNIT,
    Semantics,
    definitions,
    semantics,
    state_label,
    vocabulary_label,
)
from engine.reports.performance import Performance, Row, performance, performance_report
from engine.reports.period import Period, parse_period

__all__ = [
    "FIGURE_LABELS",
    "NO_UNIT",
    "Counts",
    "Figure",
    "Performance",
    "Period",
    "Row",
    "Semantics",
    "definitions",
    "figures",
    "parse_period",
    "performance",
    "performance_report",
    "semantics",
    "state_label",
    "vocabulary_label",
]
