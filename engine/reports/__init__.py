"""Reports: the performance figures of a period (every one with numerator and denominator),
their Chinese labels taken from the workflow definitions, the periods they cover."""

# Eager, unlike the other parts' faces: `figures` and `performance` name both a function and
# its module, and a module imported directly would then shadow the lazily resolved name.
from engine.reports.exports import MONTHLY_HEADERS, export_ledger, export_monthly
from engine.reports.figures import Counts, Figure, figures
from engine.reports.gauges import DatabaseCollector
from engine.reports.labels import (
    FIGURE_LABELS,
    LEDGER_COLUMNS,
    NO_UNIT,
    Semantics,
    definitions,
    semantics,
    state_label,
    vocabulary_label,
)
from engine.reports.performance import Performance, Row, performance, performance_report
from engine.reports.period import Period, parse_period
from engine.reports.xlsx import TITLE_ROWS, ExportRecord, figure_headers

__all__ = [
    "FIGURE_LABELS",
    "LEDGER_COLUMNS",
    "MONTHLY_HEADERS",
    "NO_UNIT",
    "TITLE_ROWS",
    "Counts",
    "DatabaseCollector",
    "ExportRecord",
    "Figure",
    "Performance",
    "Period",
    "Row",
    "Semantics",
    "definitions",
    "export_ledger",
    "export_monthly",
    "figure_headers",
    "figures",
    "parse_period",
    "performance",
    "performance_report",
    "semantics",
    "state_label",
    "vocabulary_label",
]
