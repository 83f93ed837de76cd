"""The console, mounted by the app factory at `/` beside the JSON API (`/v1`):
`mount_console(app, rt, settings)`. Its pages call the same engine functions as the API;
every change goes through the one writer."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from console import (
    actions,
    admin,
    admin_users,
    bulk,
    events,
    leads,
    notices,
    signin,
    supervise,
    supervision_steps,
    work,
    workflow_page,
)
from console.apidocs import mount_static
from console.auth import ConsoleConfig
from console.routing import console_router, redirect
from engine.org import SessionPolicy
from engine.runtime import Runtime
from engine.settings import Settings

home = console_router()


@home.get("/")
def root(request: Request) -> Response:
    return redirect(request, "/work")


ROUTERS = (home, signin.router, work.router, bulk.router, actions.router,
           leads.router, notices.router, supervise.router, supervision_steps.router, events.router,
           workflow_page.router, admin.router, admin_users.router)


def mount_console(app: FastAPI, rt: Runtime, settings: Settings) -> None:
    app.state.console = ConsoleConfig(rt=rt, secret=settings.secret.get_secret_value(),
                                      policy=SessionPolicy.from_settings(settings))
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
