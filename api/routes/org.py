"""Who am I, and the org admin: jurisdictions, units, users and their tokens.

Everything is referred to by code. An admin acts inside their own jurisdiction's subtree like
everyone else: a parent, jurisdiction, user or token outside it is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import Connection, select

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
from engine.errors import Forbidden, NotFound
from engine.items import user_ids_in_scope, visible_jurisdiction
from engine.org import (
    add_jurisdiction,
    add_unit,
    add_user,
    issue_token,
    revoke_token,
    rotate_tokens,
)
from engine.storage import JUR, UNIT, USER, read_tx, write_tx

router = APIRouter(prefix="/v1", tags=["org"])
AUTH = (401,)


def _code_of(conn: Connection, table: Any, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    code: str | None = conn.execute(select(table.c.code).where(table.c.id == row_id)).scalar()
    return code


def _user_out(conn: Connection, row: Any) -> UserOut:
    return UserOut(id=row.id, name=row.name, role=row.role,
                   jurisdiction=_code_of(conn, JUR, row.jurisdiction_id),
                   unit=_code_of(conn, UNIT, row.unit_id))


@router.get("/me", response_model=UserOut, responses=problems(*AUTH))
def me(actor: CurrentUser, rt: RuntimeDep) -> UserOut:
    with read_tx(rt.db) as conn:
        return UserOut(id=actor.user_id, name=actor.name, role=actor.role,
                       jurisdiction=_code_of(conn, JUR, actor.jurisdiction_id),
                       unit=_code_of(conn, UNIT, actor.unit_id))


@router.get("/jurisdictions", response_model=list[JurisdictionOut], responses=problems(*AUTH),
            summary="Jurisdictions in your scope, tree order")
def list_jurisdictions(actor: CurrentUser, rt: RuntimeDep) -> list[JurisdictionOut]:
    parent = JUR.alias("parent")
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(JUR.c.id, JUR.c.code, JUR.c.name, JUR.c.level,
                                   parent.c.code.label("parent"))
                            .outerjoin(parent, parent.c.id == JUR.c.parent_id)
                            .order_by(JUR.c.lft)).all()
    return [JurisdictionOut(code=r.code, name=r.name, level=r.level, parent=r.parent)
            for r in rows if actor.sees(r.id)]


@router.post("/jurisdictions", status_code=201, response_model=JurisdictionOut,
             responses=problems(401, 403, 404, 422))
def create_jurisdiction(body: JurisdictionIn, actor: AdminUser, rt: RuntimeDep
                        ) -> JurisdictionOut:
    with write_tx(rt.db) as conn:
        if body.parent is None:
            if actor.scope is not None:
                raise Forbidden("only the bootstrap admin may create a root jurisdiction")
        else:
            visible_jurisdiction(conn, actor, body.parent)
        add_jurisdiction(conn, code=body.code, name=body.name, level=body.level,
                         parent=body.parent)
    return JurisdictionOut(code=body.code, name=body.name, level=body.level,
                           parent=body.parent)


@router.post("/units", status_code=201, response_model=UnitOut,
             responses=problems(401, 403, 404, 422))
def create_unit(body: UnitIn, actor: AdminUser, rt: RuntimeDep) -> UnitOut:
    with write_tx(rt.db) as conn:
        visible_jurisdiction(conn, actor, body.jurisdiction)
        uid = add_unit(conn, code=body.code, name=body.name, kind=body.kind,
                       jurisdiction=body.jurisdiction)
    return UnitOut(id=uid, code=body.code, name=body.name, kind=body.kind,
                   jurisdiction=body.jurisdiction)


@router.post("/users", status_code=201, response_model=UserWithToken,
             responses=problems(401, 403, 404, 422),
             summary="Create a user; the response carries its token, shown this once")
def create_user(body: UserIn, actor: AdminUser, rt: RuntimeDep,
                request: Request) -> UserWithToken:
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        visible_jurisdiction(conn, actor, body.jurisdiction)
        uid = add_user(conn, name=body.name, role=body.role, jurisdiction=body.jurisdiction,
                       unit=body.unit, now=now)
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
        row = conn.execute(select(USER.c.jurisdiction_id).where(
            USER.c.id == user_id, USER.c.active.is_(True))).first()
        if row is None or not actor.sees(row.jurisdiction_id):
            raise NotFound(f"user {user_id} not found")
        issued = rotate_tokens(conn, user_id=user_id, secret=request.app.state.secret, now=now)
    return TokenOut(token_id=issued.id, token=issued.token)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response,
               responses=problems(401, 403, 404, 422), summary="Revoke a token")
def delete_token(token_id: TokenId, actor: AdminUser, rt: RuntimeDep) -> Response:
    with write_tx(rt.db) as conn:
        visible = user_ids_in_scope(conn, actor)
        revoke_token(conn, token_id=token_id, now=rt.clock.now(),
                     visible_user_ids=None if visible is None else set(visible))
    return Response(status_code=204)
