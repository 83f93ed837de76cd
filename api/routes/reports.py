"""Bulletin figures over the caller's scope."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ReportReader, RuntimeDep
from api.errors import problems
from api.schemas import SummaryOut
from engine.db import read_tx
from engine.errors import NotFound
from engine.org import jurisdiction_by_code
from engine.reports import summary

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
        jid = None
        if jurisdiction:
            jid = jurisdiction_by_code(conn, jurisdiction).id
            if not actor.sees(jid):
                raise NotFound(f"no jurisdiction with code {jurisdiction!r}")
        figures = summary(conn, actor, now=rt.clock.now(), workflow=workflow,
                          jurisdiction_id=jid)
    return SummaryOut(**asdict(figures))
