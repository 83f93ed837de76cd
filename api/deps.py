"""Request dependencies. Authentication and the scope check live here and only here:
a route that takes an item id takes a `ScopedItem`, which answers 404 for a missing item and
for one outside the caller's scope alike — the engine's one rule (`engine.items.sees_item`:
a handler their unit's items and those assigned to them, a client its own submissions, the
other roles their jurisdiction's subtree, as the org file declares per role)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from engine.errors import Forbidden, Unauthenticated
from engine.intake import IdentityCipher
from engine.items import get_item
from engine.kernel import Actor, Role
from engine.org import ActorCache
from engine.runtime import Runtime
from engine.storage import read_tx

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`")


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in
# the thread pool, a hand-off to a worker thread and back per dependency per request
# (py-spy under 8 clients: a quarter of the event loop's time went to those hand-offs).


async def get_runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.rt
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True, kw_only=True)
class IdentityConfig:
    """The identity key and the roles that may read identities: app.state.identity, set by
    create_app from its settings (tests replace it)."""

    cipher: IdentityCipher | None
    read_roles: frozenset[str]


async def identity_config(request: Request) -> IdentityConfig:
    config: IdentityConfig = request.app.state.identity
    return config


IdentityDep = Annotated[IdentityConfig, Depends(identity_config)]


async def current_actor(request: Request, rt: RuntimeDep,
                        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                        ) -> Actor:
    """On the event loop when the token's actor is cached (no I/O); a read on a worker
    thread when it is not."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthenticated("missing bearer token")
    cache, secret, now = _actor_cache(request), request.app.state.secret, rt.clock.now()
    actor = cache.cached(token=creds.credentials, secret=secret, now=now)
    if actor is None:
        actor = await run_in_threadpool(partial(
            cache.authenticate, rt.db, token=creds.credentials, secret=secret, now=now))
    if actor is None:
        raise Unauthenticated("unknown or revoked token")
    request.state.actor = actor.label  # for the request log line
    return actor


def _actor_cache(request: Request) -> ActorCache:
    """The app's token → actor cache (engine/org/token_cache.py), made on first use."""
    cache: ActorCache | None = getattr(request.app.state, "actor_cache", None)
    if cache is None:
        cache = request.app.state.actor_cache = ActorCache()
    return cache


CurrentUser = Annotated[Actor, Depends(current_actor)]


async def require_person(actor: CurrentUser) -> Actor:
    """A real user: the bootstrap admin token only sets up the org, it never handles items."""
    if actor.user_id is None:
        raise Forbidden("the bootstrap admin token only administers the org; create a user")
    return actor


Person = Annotated[Actor, Depends(require_person)]


async def require_admin(actor: CurrentUser) -> Actor:
    if actor.role != Role.admin.value:
        raise Forbidden(f"role {actor.role!r} may not administer the org; it needs admin")
    return actor


AdminUser = Annotated[Actor, Depends(require_admin)]


def roles_required(roles: frozenset[str], doing: str
                   ) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency admitting a real user whose role is in `roles` (403 otherwise)."""
    async def require(actor: Person) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"role {actor.role!r} may not {doing}; it needs one of: "
                            f"{', '.join(sorted(roles))}")
        return actor

    return require


AUDITOR_ROLES = frozenset({Role.supervisor.value, Role.office.value, Role.admin.value})
Auditor = Annotated[Actor, Depends(roles_required(AUDITOR_ROLES, "read the audit trail"))]

REPORT_ROLES = AUDITOR_ROLES | {Role.handler.value}
ReportReader = Annotated[Actor, Depends(roles_required(REPORT_ROLES, "read reports"))]

ItemId = Annotated[int, Path(description="the item's id", ge=1, le=2**31 - 1)]


def scoped_item(item_id: ItemId, actor: Person, rt: RuntimeDep) -> Any:
    """The item row if the caller may see it (`get_item` applies `sees_item`); NotFound
    (404) otherwise, missing or not."""
    with read_tx(rt.db) as conn:
        return get_item(conn, actor, item_id)


ScopedItem = Annotated[Any, Depends(scoped_item)]
