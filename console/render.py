"""Rendering console pages: the Jinja2 environment (autoescaped, strict), the context every
page gets (the viewer, the CSRF token, navigation, the asset URLs with their integrity), and
HTML error pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from console import labels
from console.assets import StaticAsset, own, vendored
from engine.kernel import Actor, Role

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True,
                         lstrip_blocks=True)
env.filters["cn_time"] = labels.cn_time
env.filters["cn_date"] = labels.cn_date
env.globals["role_label"] = labels.role_label


@dataclass(frozen=True, kw_only=True)
class Viewer:
    """Who is looking at a page: their actor, login, and the CSRF token of their session."""

    actor: Actor
    login: str
    csrf: str
    session_token: str
    must_change: bool

    @property
    def user_id(self) -> int:
        assert self.actor.user_id is not None
        return self.actor.user_id


def _asset(asset: StaticAsset, request: Request) -> dict[str, str]:
    return {"url": asset.url(request.scope.get("root_path", "")), "integrity": asset.integrity}


# Which roles see which navigation entries (what they may do there is still the engine's
# decision on each request; a role without an entry gets nothing useful from the page).
NAV = (
    ("work", "/work", "工作台", None),
    ("new_lead", "/leads/new", "登记线索", frozenset({Role.office.value, Role.admin.value,
                                                     Role.handler.value})),
    ("notices", "/notifications", "消息", None),
    ("supervise", "/supervise", "督导看板", frozenset({Role.supervisor.value,
                                                      Role.office.value, Role.admin.value})),
    ("workflows", "/workflows", "流程", None),
    ("admin", "/admin", "管理", frozenset({Role.admin.value})),
)


def nav_for(viewer: Viewer | None) -> list[dict[str, str]]:
    if viewer is None or viewer.must_change:
        return []
    return [{"key": key, "url": url, "label": label} for key, url, label, roles in NAV
            if roles is None or viewer.actor.role in roles]


def page(request: Request, template: str, viewer: Viewer | None, *, title: str,
         status: int = 200, current: str = "", unread: int | None = None,
         headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """A full page (or, with `template` a fragment, the fragment alone)."""
    html = env.get_template(template).render(
        request=request, viewer=viewer, title=title, nav=nav_for(viewer), current=current,
        unread=unread, css=_asset(own("css/console.css"), request),
        htmx=_asset(vendored("htmx.org/htmx.min.js"), request),
        js=_asset(own("js/console.js"), request),
        favicon=own("favicon.svg").url(request.scope.get("root_path", "")), **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    # pages carry names of people and allegations: never kept by a shared browser's cache
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, viewer: Viewer | None, status: int, heading: str,
               detail: str) -> HTMLResponse:
    return page(request, "console/error.html", viewer, title=heading, status=status,
                heading=heading, detail=detail)
