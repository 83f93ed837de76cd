"""Export a ledger or the monthly report as XLSX for an actor, and log the export: the one
entry point of the API and the CLI. The caller passes the transparency log's latest
checkpoint line (`engine.transparency.latest_checkpoint_line`, None before the first) for the
title block and the export record."""

from __future__ import annotations

from dataclasses import asdict
from typing import IO, Any

from sqlalchemy import func, select

from engine.errors import InvalidData
from engine.items import visible_jurisdiction
from engine.kernel import Actor
from engine.reports.labels import LEDGER_COLUMNS, LEDGER_TITLES, definitions
from engine.reports.ledger import LedgerFilter, ledger_rows, ledger_where
from engine.reports.performance import performance_report
from engine.reports.period import Period
from engine.reports.xlsx import (
    ExportRecord,
    Progress,
    figure_headers,
    log_export,
    monthly_rows,
    title_block,
    write_rows,
)
from engine.runtime import Runtime
from engine.storage import ITEM, read_tx, write_tx


def _filters(f: LedgerFilter, jurisdiction_code: str | None) -> dict[str, Any]:
    raw = asdict(f) | {"jurisdiction": jurisdiction_code}
    raw.pop("jurisdiction_id")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items()
            if v is not None}


def export_ledger(rt: Runtime, actor: Actor, out: IO[bytes], *, workflow: str,
                  period: Period | None = None, jurisdiction_code: str | None = None,
                  open_only: bool | None = None, checkpoint: str | None,
                  progress: Progress | None = None) -> ExportRecord:
    if workflow not in LEDGER_COLUMNS:
        raise InvalidData(f"no ledger for workflow {workflow!r}",
                          fields={"workflow": " or ".join(LEDGER_COLUMNS)})
    now = rt.clock.now()
    defs = definitions(rt.registry)
    wf = rt.registry.latest(workflow)
    with read_tx(rt.db) as conn:
        jur = visible_jurisdiction(conn, actor, jurisdiction_code) if jurisdiction_code else None
        f = LedgerFilter(workflow=workflow, jurisdiction_id=jur.id if jur else None,
                         created_from=period.start if period else None,
                         created_to=period.end if period else None, open=open_only)
        expected = int(conn.execute(select(func.count()).select_from(ITEM).where(
            *ledger_where(conn, actor, f))).scalar_one())
        columns = LEDGER_COLUMNS[workflow]
        headers = [h for _, h in columns]
        light = next(i for i, (k, _) in enumerate(columns, start=1) if k == "light")
        title = title_block(LEDGER_TITLES[workflow], period.label if period else "全部",
                            jur.name if jur else "全部辖区", actor, now, checkpoint)
        rows, sha = write_rows(out, title=title, headers=headers, rows=ledger_rows(
            conn, actor, f, wf=wf, defs=defs, now=now, calendar=rt.calendar),
            light_column=light, expected_rows=expected, progress=progress)
    with write_tx(rt.db) as conn:
        return log_export(conn, actor=actor, kind=f"{workflow}_ledger",
                          filters=_filters(f, jurisdiction_code), rows=rows, sha256=sha,
                          now=now, checkpoint=checkpoint)


MONTHLY_HEADERS = ["层级", "辖区代码", "名称"]


def export_monthly(rt: Runtime, actor: Actor, out: IO[bytes], *, period: Period,
                   workflow: str | None = None, jurisdiction_code: str | None = None,
                   checkpoint: str | None) -> ExportRecord:
    report = performance_report(rt, actor, period=period, workflow=workflow,
                                jurisdiction_code=jurisdiction_code)
    now = rt.clock.now()
    rows = monthly_rows(report)
    n, sha = write_rows(out, title=title_block("月报表", period.label,
                                               report.jurisdiction_name, actor, now,
                                               checkpoint),
                        headers=MONTHLY_HEADERS + figure_headers(report.total), rows=rows,
                        light_column=None, expected_rows=len(rows))
    filters = {"period": period.label, "first": period.first.isoformat(),
               "last": period.last.isoformat(), "workflow": workflow,
               "jurisdiction": jurisdiction_code}
    with write_tx(rt.db) as conn:
        return log_export(conn, actor=actor, kind="monthly",
                          filters={k: v for k, v in filters.items() if v is not None},
                          rows=n, sha256=sha, now=now, checkpoint=checkpoint)
