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
from api.middleware import InputLimits, RequestLog
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
    supervision,
    transparency,
    workflows,
)
from api.routes.metrics import install_metrics
from console.apidocs import mount_apidocs
from console.app import mount_console
from console.security import security_headers
from engine.intake import IdentityCipher
from engine.org import install_bootstrap_token
from engine.runtime import Runtime, open_runtime
from engine.settings import Settings
from engine.transparency import LogConfig

# leads and receipts belong to lead intake, notifications to the scheduler
ROUTERS = (health.router, org.router, workflows.router, items.router, leads.router,
           receipts.router, notifications.router, audit.router, transparency.router,
           reports.router, metrics.router, supervision.router)


def create_app(rt: Runtime | None = None, settings: Settings | None = None, *,
               run_scheduler: bool = False) -> FastAPI:
    """`run_scheduler` starts the deadline sweep in this process for the app's lifetime
    (`leadflow serve` passes LEADFLOW_RUN_SCHEDULER; tests leave it off and sweep by hand).

    The settings are read here once (unless given); routes get what they need from app.state,
    so a malformed LEADFLOW_IDENTITY_KEY stops the app here rather than failing requests."""
    settings = settings or Settings()
    identity = IdentityConfig(cipher=IdentityCipher.from_settings(settings),
                              read_roles=settings.identity_readers())
    tlog = LogConfig.from_settings(settings)
    if rt is None:
        rt = open_runtime(settings.database_url, settings.workflows_dir,
                          migrate=settings.migrate_on_start)
    secret = settings.secret.get_secret_value()
    install_bootstrap_token(rt.db, settings, rt.clock.now())
    app = FastAPI(title="leadflow", version="1", docs_url=None, redoc_url=None,
                  lifespan=_scheduler_lifespan(rt, settings) if run_scheduler else None,
                  description="Tip-off leads (问题线索) and rectification items (整改事项). "
                              "Contract: docs/api.md.")
    app.state.rt = rt
    app.state.secret = secret
    app.state.identity = identity
    app.state.tlog = tlog
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_apidocs(app)  # offline /docs and /redoc
    mount_console(app, rt, settings)  # the web console at /
    # the last added runs first: RequestLog gives every answer, a 413 included, its id
    app.add_middleware(InputLimits, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLog)
    security_headers(app)
    install_metrics(app, rt, settings)  # GET /metrics and its latency timer
    _document_problems(app)
    return app


def _scheduler_lifespan(rt: Runtime, settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from engine.scheduling import start_in_process

        sched = start_in_process(rt, sweep_interval_s=settings.sweep_interval_seconds,
                                 tlog=app.state.tlog)
        try:
            yield
        finally:
            sched.shutdown(wait=True)

    return lifespan


def _document_problems(app: FastAPI) -> None:
    """Make the document say what is sent. FastAPI documents its automatic 422 as
    `HTTPValidationError` JSON, but api/errors.py answers every validation error as
    problem+json, also for routes that did not declare 422 themselves; and every operation
    with a body can answer 400 (the body is not UTF-8 JSON) and 413 (api/middleware.py)."""
    original = app.openapi
    declared = errors.problems(400, 413, 422)

    def openapi() -> dict[str, Any]:
        schema = original()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                wanted = ["422"] if "422" in responses else []
                if "requestBody" in operation:
                    wanted += ["400", "413"]
                for status in wanted:
                    entry = declared[int(status)]
                    response = responses.setdefault(status, {})
                    if errors.PROBLEM_JSON not in response.get("content", {}):
                        response["description"] = entry["description"]
                        response["content"] = {
                            errors.PROBLEM_JSON: entry["content"][errors.PROBLEM_JSON]}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
