"""API tokens and idempotency keys: the functions that use their tables
(`engine.storage.api_tables`).

A token is random (`secrets.token_urlsafe`), shown once, and stored only as
HMAC-SHA256(server secret, token): a stolen table is useless without the secret. Lookup is by
that keyed hash; the final comparison is constant-time anyway."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from engine.errors import NotFound
from engine.kernel import Actor, Role
from engine.org.generation import forget_actors
from engine.org.tree import actor_for_user
from engine.settings import Settings
from engine.storage import IDEM, TOKEN, USER, inserted_id, write_tx

TOKEN_BYTES = 32
BOOTSTRAP_NAME = "bootstrap-admin"

def hash_token(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    id: int
    token: str  # the only time the plain token exists outside the caller's hands


def issue_token(conn: Connection, *, user_id: int | None, secret: str,
                now: datetime) -> IssuedToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    tid = inserted_id(conn.execute(insert(TOKEN).values(
        user_id=user_id, token_hash=hash_token(secret, token), created_at=now)))
    return IssuedToken(id=tid, token=token)


def rotate_tokens(conn: Connection, *, user_id: int, secret: str, now: datetime,
                  actor: Actor | None = None) -> IssuedToken:
    """Revoke every active token of the user and issue a new one, atomically. With `actor`
    (an admin over the API), only for an active user in its scope: NotFound otherwise."""
    if actor is not None:
        row = conn.execute(select(USER.c.jurisdiction_id).where(
            USER.c.id == user_id, USER.c.active.is_(True))).first()
        if row is None or not actor.sees(row.jurisdiction_id):
            raise NotFound(f"user {user_id} not found")
    conn.execute(update(TOKEN).where(TOKEN.c.user_id == user_id, TOKEN.c.revoked_at.is_(None))
                 .values(revoked_at=now))
    forget_actors(conn)
    return issue_token(conn, user_id=user_id, secret=secret, now=now)


def revoke_token(conn: Connection, *, token_id: int, now: datetime,
                 visible_user_ids: set[int] | None = None) -> None:
    """Revoke one token. `visible_user_ids` limits which users' tokens the caller may touch
    (None: any); anything else is NotFound, like a missing token."""
    row = conn.execute(select(TOKEN.c.id, TOKEN.c.user_id, TOKEN.c.revoked_at)
                       .where(TOKEN.c.id == token_id)).first()
    if row is None or (visible_user_ids is not None and row.user_id not in visible_user_ids):
        raise NotFound(f"token {token_id} not found")
    if row.revoked_at is None:
        conn.execute(update(TOKEN).where(TOKEN.c.id == token_id).values(revoked_at=now))
        forget_actors(conn)


def bootstrap_actor() -> Actor:
    return Actor(user_id=None, role=Role.admin.value, jurisdiction_id=None, scope=None,
                 name=BOOTSTRAP_NAME)


def authenticate(conn: Connection, *, token: str, secret: str) -> Actor | None:
    """The actor a bearer token stands for, or None (unknown, revoked, or inactive user)."""
    digest = hash_token(secret, token)
    row = conn.execute(select(TOKEN.c.user_id, TOKEN.c.token_hash).where(
        TOKEN.c.token_hash == digest, TOKEN.c.revoked_at.is_(None))).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.user_id is None:
        return bootstrap_actor()
    try:
        return actor_for_user(conn, row.user_id)
    except NotFound:
        return None


def ensure_bootstrap_token(conn: Connection, *, token: str, secret: str,
                           now: datetime) -> bool:
    """Store the configured bootstrap admin token (once). Returns True when it was added."""
    digest = hash_token(secret, token)
    if conn.execute(select(TOKEN.c.id).where(TOKEN.c.token_hash == digest)).first():
        return False
    conn.execute(insert(TOKEN).values(user_id=None, token_hash=digest, created_at=now))
    return True


def install_bootstrap_token(db: Engine, settings: Settings, now: datetime) -> bool:
    """Store LEADFLOW_BOOTSTRAP_ADMIN_TOKEN when it is set (at `serve`, and `init` may call
    this too). A revoked bootstrap token stays revoked: the same value is not re-added."""
    if settings.bootstrap_admin_token is None:
        return False
    with write_tx(db) as conn:
        return ensure_bootstrap_token(conn, token=settings.bootstrap_admin_token
                                      .get_secret_value(),
                                      secret=settings.secret.get_secret_value(), now=now)


def request_fingerprint(body: Any) -> str:
    """A stable hash of a request body, to tell a retry from a different request."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_idempotent(conn: Connection, *, principal: str, key: str) -> Any:
    return conn.execute(select(IDEM.c.request_hash, IDEM.c.item_id).where(
        IDEM.c.principal == principal, IDEM.c.key == key)).first()


def remember_idempotent(conn: Connection, *, principal: str, key: str, request_hash: str,
                        item_id: int, now: datetime) -> None:
    conn.execute(insert(IDEM).values(principal=principal, key=key, request_hash=request_hash,
                                     item_id=item_id, created_at=now))
