"""Bulletin figures over the caller's scope."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ReportReader, RuntimeDep
from api.errors import problems
from api.schemas import PerformanceOut, SummaryOut
from engine.items import summary, visible_jurisdiction
from engine.reports import parse_period, performance_report
from engine.storage import read_tx

router = APIRouter(prefix="/v1/reports", tags=["reports"])


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
