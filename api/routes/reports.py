"""Bulletin figures over the caller's scope."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import date
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import ReportReader, RuntimeDep
from api.errors import problems
from api.schemas import PerformanceOut, SummaryOut
from engine.items import summary, visible_jurisdiction
from engine.reports import (
    ExportRecord,
    export_ledger,
    export_monthly,
    parse_period,
    performance_report,
)
from engine.runtime import Runtime
from engine.storage import read_tx
from engine.transparency import latest_checkpoint_line

router = APIRouter(prefix="/v1/reports", tags=["reports"])
SPOOL_BYTES = 8 << 20  # a bigger file goes to a temporary file, not memory


@router.get("/summary", response_model=SummaryOut, responses=problems(401, 403, 404, 422))
def report_summary(actor: ReportReader, rt: RuntimeDep,
                   workflow: Annotated[str | None, Query(max_length=64)] = None,
                   jurisdiction: Annotated[str | None, Query(
                       max_length=32, description="this jurisdiction's subtree")] = None
                   ) -> SummaryOut:
    """Counts by state, channel, category, unit and jurisdiction; overdue counts by
    escalation level; median seconds from received to transferred and to closed."""
    with read_tx(rt.db) as conn:
        jid = visible_jurisdiction(conn, actor, jurisdiction).id if jurisdiction else None
        figures = summary(conn, actor, now=rt.clock.now(), workflow=workflow,
                          jurisdiction_id=jid)
    return SummaryOut(**asdict(figures))


@router.get("/performance", response_model=PerformanceOut,
            responses=problems(401, 403, 404, 422))
def report_performance(
        actor: ReportReader, rt: RuntimeDep,
        month: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None,
        quarter: Annotated[str | None, Query(max_length=7, description="YYYY-Qn")] = None,
        date_from: Annotated[date | None, Query(alias="from",
                                                description="first China date")] = None,
        date_to: Annotated[date | None, Query(alias="to",
                                              description="last China date")] = None,
        workflow: Annotated[str | None, Query(max_length=64)] = None,
        jurisdiction: Annotated[str | None, Query(
            max_length=32, description="this jurisdiction's subtree")] = None,
) -> PerformanceOut:
    """办结率, 按期办结率, 签收及时率 … of a period (China time), per jurisdiction (each with
    its subtree) and per unit; every figure with its numerator and denominator
    (formulas: docs/reports.md)."""
    period = parse_period(month=month, quarter=quarter, date_from=date_from, date_to=date_to)
    report = performance_report(rt, actor, period=period, workflow=workflow,
                                jurisdiction_code=jurisdiction)
    return PerformanceOut.model_validate(asdict(report))


def _checkpoint(rt: Runtime) -> str | None:
    """The log's state the file is made at, for its title block."""
    with read_tx(rt.db) as conn:
        return latest_checkpoint_line(conn)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_OK: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}}}


def _spooled(name: str, export: Callable[[IO[bytes]], ExportRecord]) -> StreamingResponse:
    """Write the file to a spool (memory up to SPOOL_BYTES, then disk), then stream it; the
    spool is closed when streamed, or at once when the export fails."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (streamed)
    try:
        record = export(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 16):
                yield block

    return StreamingResponse(chunks(), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename={name}",
        "X-Export-Id": str(record.id), "X-Export-Rows": str(record.rows),
        "X-Export-SHA256": record.rows_sha256})


@router.get("/ledger.xlsx", response_class=StreamingResponse,
            responses={**problems(401, 403, 404, 422), **XLSX_OK})
def report_ledger(
        actor: ReportReader, rt: RuntimeDep,
        workflow: Annotated[str, Query(max_length=64, description="lead | rectification")],
        month: Annotated[str | None, Query(max_length=7)] = None,
        quarter: Annotated[str | None, Query(max_length=7)] = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        jurisdiction: Annotated[str | None, Query(max_length=32)] = None,
        open: Annotated[bool | None, Query(description="only open (true) or closed")] = None,
) -> StreamingResponse:
    """The ledger (台账) of a workflow's items received in the period (all when no period)
    over the caller's scope, as XLSX; the export is logged."""
    any_period = any(v is not None for v in (month, quarter, date_from, date_to))
    period = parse_period(month=month, quarter=quarter, date_from=date_from,
                          date_to=date_to) if any_period else None
    return _spooled(f"{workflow}-ledger.xlsx", lambda spool: export_ledger(
        rt, actor, spool, workflow=workflow, period=period, jurisdiction_code=jurisdiction,
        open_only=open, checkpoint=_checkpoint(rt)))


@router.get("/monthly.xlsx", response_class=StreamingResponse,
            responses={**problems(401, 403, 404, 422), **XLSX_OK})
def report_monthly(
        actor: ReportReader, rt: RuntimeDep,
        month: Annotated[str, Query(max_length=7, description="YYYY-MM")],
        workflow: Annotated[str | None, Query(max_length=64)] = None,
        jurisdiction: Annotated[str | None, Query(max_length=32)] = None,
) -> StreamingResponse:
    """The monthly report (月报表): the performance figures per jurisdiction and unit."""
    period = parse_period(month=month)
    return _spooled(f"monthly-{month}.xlsx", lambda spool: export_monthly(
        rt, actor, spool, period=period, workflow=workflow, jurisdiction_code=jurisdiction,
        checkpoint=_checkpoint(rt)))
