"""The 督导看板's table over the jurisdiction tree (province → city → county): for each
jurisdiction in scope, its whole subtree's open and closed items, the overdue ones by
escalation level, and the on-time figures of the performance report (engine.reports) for
the chosen month, each as numerator / denominator. Every count carries the URL of the work
list that holds exactly the items it counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from console.directory import Directory
from engine.items import JurisdictionCounts
from engine.reports import Figure, Performance, Period

# the report's figures shown per jurisdiction, in this order
FIGURES = ("on_time_rate_of_closed", "on_time_rate_of_due", "sign_for_rate")


def work_url(tab: str, **filters: str | int) -> str:
    return "/work?" + urlencode({"tab": tab, **{k: str(v) for k, v in filters.items()}})


@dataclass(frozen=True, kw_only=True)
class Cell:
    n: int
    url: str | None  # None: no list holds exactly these items


@dataclass(frozen=True, kw_only=True)
class FigureCell:
    label: str
    numerator: float
    denominator: int
    percent: str  # "—" when the denominator is 0
    url: str | None  # the list of the denominator's items, when there is one


@dataclass(frozen=True, kw_only=True)
class RollupRow:
    code: str
    name: str
    depth: int
    open: Cell
    closed: Cell
    overdue: Cell
    by_level: tuple[Cell, ...]
    figures: tuple[FigureCell, ...]


def _subtree(dirs: Directory, root_id: int) -> list[int]:
    out = []
    for j in dirs.jurisdictions.values():
        node: Any = j
        while node is not None:
            if node.id == root_id:
                out.append(j.id)
                break
            node = dirs.jurisdictions.get(node.parent_id) if node.parent_id else None
    return out


def _figure(f: Figure, code: str, period: Period) -> FigureCell:
    den = f.denominator or 0
    url = None
    if f.key == "on_time_rate_of_closed":  # its denominator: the items closed in the month
        url = work_url("closed", jurisdiction=code, closed_from=period.first.isoformat(),
                       closed_to=period.last.isoformat())
    return FigureCell(label=f.label, numerator=f.numerator, denominator=den,
                      percent=f"{100 * f.numerator / den:.1f}%" if den else "—", url=url)


def rollup(dirs: Directory, counts: dict[int, JurisdictionCounts], levels: int,
           report: Performance) -> list[RollupRow]:
    figures = {r.code: {f.key: f for f in r.figures} for r in report.jurisdictions}
    rows = []
    for j in dirs.jurisdictions.values():
        parts = [counts[k] for k in _subtree(dirs, j.id) if k in counts]
        by_level = [sum(c.overdue_by_level.get(lv, 0) for c in parts)
                    for lv in range(levels + 1)]
        shown = figures.get(j.code, {})
        rows.append(RollupRow(
            code=j.code, name=j.name, depth=j.depth,
            open=Cell(n=sum(c.open for c in parts),
                      url=work_url("open", jurisdiction=j.code)),
            closed=Cell(n=sum(c.closed for c in parts),
                        url=work_url("closed", jurisdiction=j.code)),
            overdue=Cell(n=sum(by_level), url=work_url("overdue", jurisdiction=j.code)),
            by_level=tuple(Cell(n=n, url=work_url("overdue", jurisdiction=j.code, level=lv))
                           for lv, n in enumerate(by_level)),
            figures=tuple(_figure(shown[k], j.code, report.period) for k in FIGURES
                          if k in shown)))
    return rows
