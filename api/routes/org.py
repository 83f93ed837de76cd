"""Who am I, and the org admin: jurisdictions, units, users and their tokens.

Everything is referred to by code. An admin acts inside their own jurisdiction's subtree like
everyone else: a parent, jurisdiction, user or token outside it is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.deps import AdminUser, CurrentUser, RuntimeDep
from api.errors import problems
from api.schemas import (
    JurisdictionIn,
    JurisdictionOut,
    TokenOut,
    UnitIn,
    UnitOut,
    UserIn,
    UserOut,
    UserWithToken,
)
from engine.items import user_ids_in_scope
from engine.org import (
    add_jurisdiction,
    add_unit,
    add_user,
    issue_token,
    jurisdictions_in_scope,
    placement,
    revoke_token,
    rotate_tokens,
)
from engine.storage import read_tx, write_tx

router = APIRouter(prefix="/v1", tags=["org"])
AUTH = (401,)


@router.get("/me", response_model=UserOut, responses=problems(*AUTH))
def me(actor: CurrentUser, rt: RuntimeDep) -> UserOut:
    with read_tx(rt.db) as conn:
        where = placement(conn, actor)
    return UserOut(id=actor.user_id, name=actor.name, role=actor.role,
                   jurisdiction=where.jurisdiction, unit=where.unit)


@router.get("/jurisdictions", response_model=list[JurisdictionOut], responses=problems(*AUTH),
            summary="Jurisdictions in your scope, tree order")
def list_jurisdictions(actor: CurrentUser, rt: RuntimeDep) -> list[JurisdictionOut]:
    with read_tx(rt.db) as conn:
        return [JurisdictionOut(**vars(j)) for j in jurisdictions_in_scope(conn, actor)]


@router.post("/jurisdictions", status_code=201, response_model=JurisdictionOut,
             responses=problems(401, 403, 404, 422))
def create_jurisdiction(body: JurisdictionIn, actor: AdminUser, rt: RuntimeDep
                        ) -> JurisdictionOut:
    with write_tx(rt.db) as conn:
        add_jurisdiction(conn, code=body.code, name=body.name, level=body.level,
                         parent=body.parent, actor=actor)
    return JurisdictionOut(code=body.code, name=body.name, level=body.level,
                           parent=body.parent)


@router.post("/units", status_code=201, response_model=UnitOut,
             responses=problems(401, 403, 404, 422))
def create_unit(body: UnitIn, actor: AdminUser, rt: RuntimeDep) -> UnitOut:
    with write_tx(rt.db) as conn:
        uid = add_unit(conn, code=body.code, name=body.name, kind=body.kind,
                       jurisdiction=body.jurisdiction, actor=actor)
    return UnitOut(id=uid, code=body.code, name=body.name, kind=body.kind,
                   jurisdiction=body.jurisdiction)


@router.post("/users", status_code=201, response_model=UserWithToken,
             responses=problems(401, 403, 404, 422),
             summary="Create a user; the response carries its token, shown this once")
def create_user(body: UserIn, actor: AdminUser, rt: RuntimeDep,
                request: Request) -> UserWithToken:
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        uid = add_user(conn, name=body.name, role=body.role, jurisdiction=body.jurisdiction,
                       unit=body.unit, now=now, actor=actor)
        issued = issue_token(conn, user_id=uid, secret=request.app.state.secret, now=now)
    return UserWithToken(id=uid, name=body.name, role=body.role,
                         jurisdiction=body.jurisdiction, unit=body.unit,
                         token_id=issued.id, token=issued.token)


UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/users/{user_id}/tokens", status_code=201, response_model=TokenOut,
             responses=problems(401, 403, 404, 422),
             summary="Rotate: revoke the user's tokens and issue a new one")
def rotate_user_token(user_id: UserId, actor: AdminUser, rt: RuntimeDep,
                      request: Request) -> TokenOut:
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        issued = rotate_tokens(conn, user_id=user_id, secret=request.app.state.secret, now=now,
                               actor=actor)
    return TokenOut(token_id=issued.id, token=issued.token)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response,
               responses=problems(401, 403, 404, 422), summary="Revoke a token")
def delete_token(token_id: TokenId, actor: AdminUser, rt: RuntimeDep) -> Response:
    with write_tx(rt.db) as conn:
        visible = user_ids_in_scope(conn, actor)
        revoke_token(conn, token_id=token_id, now=rt.clock.now(),
                     visible_user_ids=None if visible is None else set(visible))
    return Response(status_code=204)
