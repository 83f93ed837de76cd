"""GET /metrics in the Prometheus text format, behind LEADFLOW_METRICS (off: 404; loopback:
only clients on this machine; token: a bearer token of its own, not a user's). Item and
event counts come from the database at scrape time; request latency is this process's, by
route template (never a raw path), method and status class."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import NotFound
from engine.reports import DatabaseCollector
from engine.runtime import Runtime
from engine.settings import Settings, is_loopback

router = APIRouter(tags=["metrics"], include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class MetricsConfig:
    mode: str
    token: str | None
    registry: CollectorRegistry
    latency: Histogram


def install_metrics(app: FastAPI, rt: Runtime, settings: Settings) -> None:
    """A registry per app (tests build many), the database collector, the latency timer."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(rt))
    latency = Histogram("leadflow_request_seconds", "HTTP request latency",
                        ["route", "method", "status"], registry=registry)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.state.metrics = MetricsConfig(mode=settings.metrics, token=token, registry=registry,
                                      latency=latency)
    app.add_middleware(LatencyTimer, latency=latency)


class LatencyTimer:
    def __init__(self, app: ASGIApp, latency: Histogram) -> None:
        self.app, self.latency = app, latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.latency.labels(template, scope["method"], f"{status // 100}xx").observe(
                time.perf_counter() - started)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    config: MetricsConfig = request.app.state.metrics
    if not _allowed(config, request):
        raise NotFound("not found")  # as for anything one may not see: no hint it exists
    return Response(generate_latest(config.registry), media_type=CONTENT_TYPE_LATEST)


def _allowed(config: MetricsConfig, request: Request) -> bool:
    if config.mode == "loopback":
        return request.client is not None and is_loopback(request.client.host)
    if config.mode == "token" and config.token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.encode(), config.token.encode())
    return False
