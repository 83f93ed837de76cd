"""The one FastAPI app factory: `create_app()` for `leadflow serve`, `create_app(rt, ...)` for
tests. Routers come from api/routes/<area>.py, each exposing `router`, included in ROUTERS'
order (the order of the OpenAPI document)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api import errors
from api.deps import IdentityConfig
from api.middleware import RequestLog
from api.routes import (
    audit,
    health,
    items,
    leads,
    metrics,
    notifications,
    org,
    receipts,
    reports,
    workflows,
)
from api.routes.metrics import install_metrics
from engine.intake import IdentityCipher
from engine.org import install_bootstrap_token
from engine.runtime import Runtime, open_runtime
from engine.settings import Settings

# leads and receipts belong to lead intake, notifications to the scheduler
ROUTERS = (health.router, org.router, workflows.router, items.router, leads.router,
           receipts.router, notifications.router, audit.router, reports.router,
           metrics.router)


def create_app(rt: Runtime | None = None, settings: Settings | None = None, *,
               run_scheduler: bool = False) -> FastAPI:
    """`run_scheduler` starts the deadline sweep in this process for the app's lifetime
    (`leadflow serve` passes LEADFLOW_RUN_SCHEDULER; tests leave it off and sweep by hand).

    The settings are read here once (unless given); routes get what they need from app.state,
    so a malformed LEADFLOW_IDENTITY_KEY stops the app here rather than failing requests."""
    settings = settings or Settings()
    identity = IdentityConfig(cipher=IdentityCipher.from_settings(settings),
                              read_roles=settings.identity_readers())
    if rt is None:
        rt = open_runtime(settings.database_url, settings.workflows_dir,
                          migrate=settings.migrate_on_start)
    secret = settings.secret.get_secret_value()
    install_bootstrap_token(rt.db, settings, rt.clock.now())
    app = FastAPI(title="leadflow", version="1",
                  lifespan=_scheduler_lifespan(rt, settings) if run_scheduler else None,
                  description="Tip-off leads (问题线索) and rectification items (整改事项). "
                              "Contract: docs/api.md.")
    app.state.rt = rt
    app.state.secret = secret
    app.state.identity = identity
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(RequestLog)
    install_metrics(app, rt, settings)  # GET /metrics and its latency timer
    _document_validation_errors_as_problems(app)
    return app


def _scheduler_lifespan(rt: Runtime, settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from engine.scheduling import start_in_process

        sched = start_in_process(rt, sweep_interval_s=settings.sweep_interval_seconds)
        try:
            yield
        finally:
            sched.shutdown(wait=True)

    return lifespan


def _document_validation_errors_as_problems(app: FastAPI) -> None:
    """FastAPI documents its automatic 422 as `HTTPValidationError` JSON, but api/errors.py
    answers every validation error as problem+json; make the document say what is sent,
    also for routes that did not declare 422 themselves."""
    original = app.openapi
    problem_422 = errors.problems(422)[422]
    content = {errors.PROBLEM_JSON: problem_422["content"][errors.PROBLEM_JSON]}

    def openapi() -> dict[str, Any]:
        schema = original()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                response = operation.get("responses", {}).get("422")
                if response is not None and errors.PROBLEM_JSON not in response.get("content", {}):
                    response["description"] = problem_422["description"]
                    response["content"] = content
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

