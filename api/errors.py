"""Engine errors → HTTP statuses, in this one place, as RFC 9457 application/problem+json.

Each engine error class maps to exactly one status, with one exception the contract asks for:
VersionConflict is 412 when the request carried `If-Match` (the precondition failed) and 409
when it did not (a concurrent writer won the race the client did not guard against)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.schemas import Problem
from engine.errors import (
    AuditBroken,
    CheckpointRejected,
    ConfigError,
    DefinitionConflict,
    DefinitionError,
    Forbidden,
    IdentityKeyError,
    ImportFileError,
    InvalidData,
    LeadflowError,
    LogBroken,
    NotFound,
    OrgError,
    ReceiptRateLimited,
    RoleForbidden,
    TransitionRefused,
    Unauthenticated,
    VersionConflict,
)

PROBLEM_JSON = "application/problem+json"

STATUS_OF: dict[type[LeadflowError], int] = {
    ConfigError: 503,  # the server cannot do this as configured; nothing the client can fix
    IdentityKeyError: 503,
    DefinitionError: 422,
    DefinitionConflict: 409,
    OrgError: 422,
    ImportFileError: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    TransitionRefused: 409,
    RoleForbidden: 403,
    InvalidData: 422,
    VersionConflict: 409,  # 412 when If-Match was sent; see module docstring
    ReceiptRateLimited: 429,  # with Retry-After
    CheckpointRejected: 422,
    AuditBroken: 500,
    LogBroken: 500,  # the transparency log disagrees with itself: nothing a client can fix
}


class PreconditionFailed(Exception):
    """A request precondition the API itself checks (a malformed or weak If-Match): 412, and
    the message says what was wrong. A version that no longer matches is the engine's
    VersionConflict."""

    def __init__(self, detail: str, *, current_version: int | None = None) -> None:
        self.detail = detail
        self.current_version = current_version
        super().__init__(detail)


def problem(status: int, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail}
    body |= {k: v for k, v in extra.items() if v is not None}
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"} | (headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def request_id(request: Request) -> str | None:
    """The id api/middleware.py gave this request: a 5xx problem carries it, so whoever
    reports the failure can name the log line."""
    return getattr(request.state, "request_id", None)


def status_for(exc: LeadflowError, request: Request) -> int:
    if isinstance(exc, VersionConflict) and request.headers.get("if-match"):
        return 412
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def _engine_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LeadflowError)
    extra: dict[str, Any] = {}
    if isinstance(exc, TransitionRefused):
        extra = {"allowed": exc.allowed}
    elif isinstance(exc, InvalidData):
        extra = {"fields": exc.fields}
    elif isinstance(exc, VersionConflict):
        extra = {"current_version": exc.actual}
    headers = None
    if isinstance(exc, ReceiptRateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    status = status_for(exc, request)
    if status >= 500:
        extra["request_id"] = request_id(request)
    return problem(status, str(exc), headers, **extra)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = {".".join(str(p) for p in e["loc"]): str(e["msg"]) for e in exc.errors()}
    listed = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return problem(422, f"invalid request: {listed}", fields=fields)


def _precondition_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PreconditionFailed)
    return problem(412, exc.detail, current_version=exc.current_version)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    extra = {"request_id": request_id(request)} if exc.status_code >= 500 else {}
    return problem(exc.status_code, str(exc.detail), headers or None, **extra)


def allowed_methods(request: Request) -> str:
    """Every method some route answers on this path. The router's own Allow names only the
    first route whose path matched, and GET and POST of one path are two routes here.
    (`iter_route_contexts` sees the routes of included routers, which app.routes nests.)"""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.matches(request.scope)
        if match is Match.PARTIAL or match is Match.FULL:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    app.add_exception_handler(LeadflowError, _engine_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PreconditionFailed, _precondition_failed)


_DESCRIPTIONS = {
    400: "The body is not UTF-8 JSON", 401: "No bearer token, or an unknown or revoked one",
    403: "Your role may not do this", 404: "Not found, or outside your jurisdiction",
    409: "Not allowed in the current state (the body lists what is allowed)",
    412: "If-Match is malformed or no longer matches the item's version",
    413: "The request body is larger than the server accepts",
    422: "Invalid input (see fields)",
    503: "Not ready",
}


def problems(*statuses: int, ok: dict[int | str, dict[str, Any]] | None = None
             ) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem statuses a route can return."""
    ref = {"$ref": "#/components/schemas/Problem"}
    out: dict[int | str, dict[str, Any]] = dict(ok or {})
    for s in statuses:
        out[s] = {"model": Problem, "description": _DESCRIPTIONS.get(s, HTTPStatus(s).phrase),
                  "content": {PROBLEM_JSON: {"schema": ref}}}
    return out
