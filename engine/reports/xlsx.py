"""Ledger and monthly-report files: openpyxl in write-only (streaming) mode, a title block
(what, period, jurisdiction, who exported it, the transparency log's latest checkpoint, so a
printed file can be matched to the log), a frozen header, column widths and the light
as conditional formatting. Every export writes a row of the export log with the SHA-256 of
the rows' canonical JSON (one line per row), so a file can be matched to its record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection, insert

from engine.deadlines import CHINA_TZ
from engine.kernel import Actor, dumps
from engine.reports.figures import Figure
from engine.reports.performance import Performance
from engine.storage import EXPORT, inserted_id

# title, period, jurisdiction, exported by, the log's checkpoint; the header is row 6
TITLE_ROWS = 5
NO_CHECKPOINT = "尚无"  # before the transparency log's first checkpoint
FILLS = {"红灯": "FFC7CE", "黄灯": "FFEB9C", "绿灯": "C6EFCE"}
Progress = Callable[[int], None]


@dataclass(frozen=True, kw_only=True)
class ExportRecord:
    id: int
    kind: str
    rows: int
    rows_sha256: str


def _sheet(wb: Workbook, headers: list[str], widths: list[int], title: list[str],
           light_column: int | None, expected_rows: int) -> Any:
    ws = wb.create_sheet(title[0][:31])
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"A{TITLE_ROWS + 2}"
    if light_column is not None:
        col = get_column_letter(light_column)
        cells = f"{col}{TITLE_ROWS + 2}:{col}{TITLE_ROWS + 1 + max(expected_rows, 1)}"
        for text, colour in FILLS.items():
            ws.conditional_formatting.add(cells, CellIsRule(  # type: ignore[no-untyped-call]
                operator="equal", formula=[f'"{text}"'],
                fill=PatternFill(start_color=colour, end_color=colour, fill_type="solid")))
    for line in title:
        ws.append([line])
    ws.append(headers)
    return ws


def title_block(what: str, period: str, jurisdiction: str, actor: Actor,
                now: datetime, checkpoint: str | None) -> list[str]:
    """`checkpoint`: `engine.transparency.latest_checkpoint_line` at the export (the caller
    reads it: the log is a part above the reports)."""
    at = now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    return [what, f"期间：{period}", f"辖区：{jurisdiction}",
            f"导出：{actor.label}（{actor.role}） {at}",
            f"审计日志检查点：{checkpoint or NO_CHECKPOINT}"]


def write_rows(out: IO[bytes], *, title: list[str], headers: list[str],
               rows: Iterable[list[Any]], light_column: int | None, expected_rows: int,
               progress: Progress | None = None) -> tuple[int, str]:
    """Stream the rows into a one-sheet workbook; (rows written, SHA-256 of their JSON)."""
    wb = Workbook(write_only=True)
    widths = [max(6, min(40, 2 * len(h) + 4)) for h in headers]
    ws = _sheet(wb, headers, widths, title, light_column, expected_rows)
    digest, n = hashlib.sha256(), 0
    for raw in rows:
        row = [None if v == "" else v for v in raw]  # an empty cell reads back as None
        ws.append(row)
        digest.update(dumps(row) + b"\n")
        n += 1
        if progress is not None and n % 1000 == 0:
            progress(n)
    wb.save(out)
    if progress is not None:
        progress(n)
    return n, digest.hexdigest()


def figure_headers(sample: tuple[Figure, ...]) -> list[str]:
    out = []
    for f in sample:
        out += [f.label] if f.denominator is None else [f"{f.label}·分子", f"{f.label}·分母",
                                                        f.label]
    return out


def figure_cells(figures: tuple[Figure, ...]) -> list[Any]:
    out: list[Any] = []
    for f in figures:
        out += [f.numerator] if f.denominator is None else [f.numerator, f.denominator,
                                                            f.value]
    return out


def monthly_rows(report: Performance) -> list[list[Any]]:
    rows = [["合计", "", report.jurisdiction_name, *figure_cells(report.total)]]
    rows += [["辖区", j.jurisdiction_code, j.name, *figure_cells(j.figures)]
             for j in report.jurisdictions]
    rows += [["单位", u.jurisdiction_code, u.name, *figure_cells(u.figures)]
             for u in report.units]
    return rows


def log_export(conn: Connection, *, actor: Actor, kind: str, filters: dict[str, Any],
               rows: int, sha256: str, now: datetime,
               checkpoint: str | None) -> ExportRecord:
    """The export's record; its note is the checkpoint line the file's title carries."""
    new_id = inserted_id(conn.execute(insert(EXPORT).values(
        at=now, actor=actor.label, kind=kind, filters=filters, rows=rows,
        rows_sha256=sha256, note=checkpoint or "")))
    return ExportRecord(id=new_id, kind=kind, rows=rows, rows_sha256=sha256)
