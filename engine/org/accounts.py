"""Admin changes to user accounts, as the console's 管理 pages make them: an initial
password the user must change, a reset, deactivation, role and unit, API tokens issued and
revoked. Every one is scoped (a user outside the admin's subtree is NotFound, as if absent)
and logged with who did it; never a password or a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, select, update

from engine.errors import NotFound, OrgError
from engine.kernel import ROLES, Actor
from engine.org.generation import forget_actors
from engine.org.passwords import set_password
from engine.org.roles import require_scope
from engine.org.tokens import IssuedToken, issue_token, revoke_token
from engine.org.tree import subtree_ids, unit_by_code
from engine.storage import SESSION, TOKEN, USER

log = structlog.get_logger("engine.org.accounts")


@dataclass(frozen=True, kw_only=True)
class TokenInfo:
    id: int
    user_id: int
    created_at: datetime
    revoked_at: datetime | None


def user_in_scope(conn: Connection, actor: Actor, user_id: int) -> Any:
    """The user row, if the actor's scope holds the user's jurisdiction; NotFound if not."""
    row = conn.execute(select(USER).where(USER.c.id == user_id)).first()
    if row is None or not actor.sees(row.jurisdiction_id):
        raise NotFound(f"user {user_id} not found")
    return row


def reset_password(conn: Connection, *, actor: Actor, user_id: int, password: str,
                   now: datetime) -> None:
    """An initial or reset password, which the user must change at their next sign-in; it
    ends the user's sessions (set_password)."""
    user_in_scope(conn, actor, user_id)
    set_password(conn, user_id=user_id, password=password, must_change=True, now=now)
    log.info("password_reset", user_id=user_id, by=actor.label)


def deactivate_user(conn: Connection, *, actor: Actor, user_id: int, now: datetime) -> None:
    """The user can no longer sign in or use a token: sessions and tokens end now."""
    if user_id == actor.user_id:
        raise OrgError("you cannot deactivate yourself")
    user_in_scope(conn, actor, user_id)
    conn.execute(update(USER).where(USER.c.id == user_id).values(active=False))
    conn.execute(update(SESSION).where(SESSION.c.user_id == user_id,
                                       SESSION.c.revoked_at.is_(None)).values(revoked_at=now))
    conn.execute(update(TOKEN).where(TOKEN.c.user_id == user_id,
                                     TOKEN.c.revoked_at.is_(None)).values(revoked_at=now))
    forget_actors(conn)  # a token cached in this process stops working at once
    log.info("user_deactivated", user_id=user_id, by=actor.label)


def assign_user(conn: Connection, *, actor: Actor, user_id: int, role: str,
                unit: str | None) -> None:
    """A new role and unit (None: no unit); the unit must lie in the user's jurisdiction's
    subtree, as `add_user` requires."""
    user = user_in_scope(conn, actor, user_id)
    if role not in ROLES or role == "system":
        raise OrgError(f"role {role!r} is not one of {', '.join(sorted(ROLES - {'system'}))}")
    require_scope(conn, role, f"user {user.name!r}")
    unit_id = None
    if unit is not None:
        urow = unit_by_code(conn, unit)
        if urow.jurisdiction_id not in subtree_ids(conn, user.jurisdiction_id):
            raise OrgError(f"unit {unit!r} is outside the user's jurisdiction")
        unit_id = urow.id
    conn.execute(update(USER).where(USER.c.id == user_id).values(role=role, unit_id=unit_id))
    # a session's actor is read afresh on each request; a cached token's actor is forgotten
    forget_actors(conn)
    log.info("user_assigned", user_id=user_id, role=role, unit=unit, by=actor.label)


def issue_token_for(conn: Connection, *, actor: Actor, user_id: int, secret: str,
                    now: datetime) -> IssuedToken:
    """A new API token for an active user in scope (the caller shows it once)."""
    user = user_in_scope(conn, actor, user_id)
    if not user.active:
        raise OrgError("the user is deactivated")
    issued = issue_token(conn, user_id=user_id, secret=secret, now=now)
    log.info("token_issued", token_id=issued.id, user_id=user_id, by=actor.label)
    return issued


def revoke_token_of(conn: Connection, *, actor: Actor, user_id: int, token_id: int,
                    now: datetime) -> None:
    """Revoke one of this user's tokens; NotFound for a token of anyone else."""
    user_in_scope(conn, actor, user_id)
    revoke_token(conn, token_id=token_id, now=now, visible_user_ids={user_id})
    log.info("token_revoked", token_id=token_id, user_id=user_id, by=actor.label)


def tokens_of(conn: Connection, user_id: int) -> list[TokenInfo]:
    return [TokenInfo(id=r.id, user_id=r.user_id, created_at=r.created_at,
                      revoked_at=r.revoked_at)
            for r in conn.execute(select(TOKEN.c.id, TOKEN.c.user_id, TOKEN.c.created_at,
                                         TOKEN.c.revoked_at)
                                  .where(TOKEN.c.user_id == user_id).order_by(TOKEN.c.id))]
