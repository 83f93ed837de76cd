"""Bulletin figures over the caller's scope."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ReportReader, RuntimeDep
from api.errors import problems
from api.schemas import SummaryOut
from engine.items import summary, visible_jurisdiction
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
