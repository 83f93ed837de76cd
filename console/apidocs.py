"""The interactive API docs, served offline: Swagger UI at /docs and ReDoc at /redoc.

FastAPI's own /docs and /redoc pages load Swagger UI, ReDoc and Google fonts from CDNs and start
them with an inline script; neither works on an intranet or under our CSP. These pages load
the vendored copies (static/vendor/, with SRI hashes from the lock file) and start them from
static/js/swagger-init.js and static/js/redoc-init.js, which read their settings from `data-`
attributes. The app factory creates the app with `docs_url=None, redoc_url=None` and calls
`mount_apidocs(app)`."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from console.assets import STATIC_DIR, STATIC_ROUTE_NAME, STATIC_URL, StaticAsset, own, vendored
from console.security import CSP, content_security_policy

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
    undefined=jinja2.StrictUndefined))

# Swagger UI runs under the console's policy unchanged.
SWAGGER_CSP = CSP

# ReDoc needs two things more, all checked in Chromium (tests/console/test_docs_browser.py):
# - Two <style> elements that redoc.standalone.js creates itself. Its styled-components
#   creates an *empty* one and adds its rules through the CSSOM (insertRule), which the CSP
#   does not govern but which fails if the empty element is blocked (ReDoc then renders
#   nothing: "styled-components error 17"); its style-loader adds one with the fixed
#   perfect-scrollbar CSS. Their hashes allow exactly these two texts: the empty string and
#   that CSS, nothing an attacker could use, so no 'unsafe-inline' and no per-request nonce.
#   A new ReDoc version may change the second hash; the browser's console error names it.
# - worker-src blob:: the search box runs its index in a web worker made from a blob: URL.
#   Without it the browser reports a CSP violation and search finds nothing.
# Only /redoc gets this policy; SecurityHeaders leaves a policy the page set alone.
REDOC_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (styled-components)
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar CSS
)
REDOC_CSP = content_security_policy(style_src=" ".join(("'self'", *REDOC_STYLE_HASHES)),
                                    worker_src="'self' blob:")

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, csp: str, styles: list[StaticAsset],
          scripts: list[StaticAsset]) -> HTMLResponse:
    root_path: str = request.scope.get("root_path", "")
    openapi_url = request.app.openapi_url
    response = templates.TemplateResponse(request, template, {
        "title": request.app.title,
        "openapi_url": f"{root_path}{openapi_url}",
        # Else the browser asks for /favicon.ico, a 404 in the console log.
        "favicon": own("favicon.svg").url(root_path),
        "styles": [(a.url(root_path), a.integrity) for a in styles],
        "scripts": [(a.url(root_path), a.integrity) for a in scripts],
    })
    response.headers["Content-Security-Policy"] = csp
    return response


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "apidocs/swagger.html", SWAGGER_CSP,
                 styles=[vendored("swagger-ui-dist/swagger-ui.css"), own("css/apidocs.css")],
                 scripts=[vendored("swagger-ui-dist/swagger-ui-bundle.js"),
                          own("js/swagger-init.js")])


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    return _page(request, "apidocs/redoc.html", REDOC_CSP,
                 styles=[own("css/apidocs.css")],
                 scripts=[vendored("redoc/redoc.standalone.js"), own("js/redoc-init.js")])


def mount_static(app: FastAPI) -> None:
    """Serve console/static/ at /static (once; later calls do nothing)."""
    if any(getattr(route, "name", None) == STATIC_ROUTE_NAME for route in app.routes):
        return
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name=STATIC_ROUTE_NAME)


def mount_apidocs(app: FastAPI) -> None:
    """Add /docs, /redoc and /static to `app`, which must have been created with
    `docs_url=None, redoc_url=None` (else FastAPI's CDN pages answer first)."""
    if app.docs_url is not None or app.redoc_url is not None:
        raise ValueError("create the app with FastAPI(docs_url=None, redoc_url=None): "
                         "FastAPI's own docs pages load their scripts from a CDN")
    if app.openapi_url is None:
        raise ValueError("the API docs need the OpenAPI document: app.openapi_url is None")
    app.include_router(router)
    mount_static(app)
