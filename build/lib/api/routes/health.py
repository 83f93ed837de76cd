"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import RuntimeDep
from api.errors import problem, problems
from engine.deadlines import calendar_warnings
from engine.storage import read_tx

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses=problems(503))
def readyz(rt: RuntimeDep) -> JSONResponse:
    try:
        with read_tx(rt.db) as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return problem(503, "database unavailable")
    # e.g. next year's 调休 not yet published: deadlines fall back to plain weekdays
    warnings = calendar_warnings(rt.calendar, rt.clock.now())
    return JSONResponse({"status": "ready", "warnings": warnings})
