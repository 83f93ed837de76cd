"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep
from api.errors import problem, problems, request_id
from engine.deadlines import calendar_warnings
from engine.storage import answers

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses=problems(503))
def readyz(rt: RuntimeDep, request: Request) -> JSONResponse:
    if not answers(rt.db):
        return problem(503, "database unavailable", request_id=request_id(request))
    # e.g. next year's 调休 not yet published: deadlines fall back to plain weekdays
    warnings = calendar_warnings(rt.calendar, rt.clock.now())
    return JSONResponse({"status": "ready", "warnings": warnings})
