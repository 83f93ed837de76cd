"""Console sessions, kept server-side: sign-in (throttled per account and per address),
the session a cookie stands for, sign-out, sign-out everywhere, changing one's password.

The cookie carries a random token; the table keeps only its SHA-256, so a copied table opens
no session. A session ends at its absolute lifetime, after the idle timeout, or when revoked.
Every sign-in gets a new token (the old one, if the browser had one, is revoked): a token
planted before sign-in is worthless after it. Sign-ins, failures and sign-outs are logged
with the login and address, never the password."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, func, insert, select, text, update

from engine.errors import InvalidData, LeadflowError, NotFound
from engine.kernel import Actor
from engine.org.logins import normalise_login
from engine.org.passwords import (
    password_problem,
    rehash_if_needed,
    set_password,
    stored_password,
    verify_password,
)
from engine.org.tree import actor_for_user
from engine.settings import Settings
from engine.storage import SESSION, SIGN_IN, USER, is_postgres, write_tx

log = structlog.get_logger("engine.org.sessions")
TOKEN_BYTES = 32
# Failed attempts within THROTTLE_WINDOW after which sign-in is refused until the oldest of
# them leaves the window. Per account: a guesser of one person's password; per address: a
# guesser trying many accounts from one machine (an office NAT holds many people, hence more).
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
# last_seen_at is written at most this often: a page view is then a read, not a write
TOUCH_EVERY = timedelta(seconds=60)
LOCK_CLASS = 0x5349  # "SI": namespaces this module's PostgreSQL advisory locks


class SignInRefused(LeadflowError):
    """Sign-in refused. `reason`: "credentials" (unknown login, wrong password, inactive
    user or no password: one answer for all), or "throttled" with `retry_after_s`."""

    def __init__(self, reason: str, *, retry_after_s: int = 0) -> None:
        self.reason = reason
        self.retry_after_s = retry_after_s
        super().__init__("too many failed sign-ins; try again later" if reason == "throttled"
                         else "unknown login or wrong password")

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_s / 60))


@dataclass(frozen=True, kw_only=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(idle=timedelta(minutes=settings.session_idle_minutes),
                   lifetime=timedelta(hours=settings.session_lifetime_hours))


@dataclass(frozen=True, kw_only=True)
class NewSession:
    token: str  # for the cookie; the only time it exists outside the browser
    user_id: int
    must_change: bool
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class SessionInfo:
    session_id: int
    user_id: int
    login: str
    actor: Actor
    must_change: bool
    expires_at: datetime


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures(conn: Connection, where: Any, since: datetime) -> list[datetime]:
    return list(conn.execute(select(SIGN_IN.c.at).where(
        where, SIGN_IN.c.ok.is_(False), SIGN_IN.c.at >= since).order_by(SIGN_IN.c.at)).scalars())


def _lock_attempts(conn: Connection, login: str, address: str) -> None:
    """Serialise the attempts of one login and of one address until the transaction ends,
    so the count, the password check and the recorded failure are one step: under READ
    COMMITTED two parallel wrong passwords would both count the same failures and both go
    on (one guess more than the limit). SQLite's write transactions are serial already.
    The two locks are taken in a fixed order, so two attempts cannot deadlock."""
    if not is_postgres(conn):
        return
    keys = sorted(int.from_bytes(hashlib.sha256(k.encode()).digest()[:4], "big", signed=True)
                  for k in (f"login:{login}", f"address:{address}"))
    for key in keys:
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": LOCK_CLASS, "k": key})


def _throttled(conn: Connection, login: str, address: str, now: datetime) -> int:
    """Seconds until this login from this address may try again (0: now)."""
    since = now - THROTTLE_WINDOW
    last_ok = conn.execute(select(func.max(SIGN_IN.c.at)).where(
        SIGN_IN.c.login == login, SIGN_IN.c.ok.is_(True))).scalar()
    account = _failures(conn, SIGN_IN.c.login == login,
                        max(since, last_ok) if last_ok else since)
    by_address = _failures(conn, SIGN_IN.c.address == address, since)
    wait = 0.0
    for failures, limit in ((account, ACCOUNT_LIMIT), (by_address, ADDRESS_LIMIT)):
        if len(failures) >= limit:
            # free again when enough of them have left the window
            wait = max(wait, (failures[-limit] + THROTTLE_WINDOW - now).total_seconds())
    return math.ceil(wait)


def _record(conn: Connection, login: str, address: str, now: datetime, ok: bool) -> None:
    conn.execute(insert(SIGN_IN).values(login=login[:64], address=address[:64], at=now, ok=ok))


def _new_session(conn: Connection, user_id: int, address: str, now: datetime,
                 policy: SessionPolicy, must_change: bool) -> NewSession:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + policy.lifetime
    conn.execute(insert(SESSION).values(
        token_hash=hash_session_token(token), user_id=user_id, created_at=now,
        last_seen_at=now, expires_at=expires, address=address[:64]))
    return NewSession(token=token, user_id=user_id, must_change=must_change, expires_at=expires)


def sign_in(db: Engine, *, login: str, password: str, address: str, now: datetime,
            policy: SessionPolicy, previous_token: str | None = None) -> NewSession:
    """Check the login and password and open a new session; revoke `previous_token` (the
    browser's old session, if any). Raises SignInRefused, after committing the record of
    the failed attempt (which the throttle counts)."""
    with write_tx(db) as conn:
        outcome = _sign_in(conn, login=login, password=password, address=address, now=now,
                           policy=policy, previous_token=previous_token)
    if isinstance(outcome, SignInRefused):
        raise outcome
    return outcome


def _sign_in(conn: Connection, *, login: str, password: str, address: str, now: datetime,
             policy: SessionPolicy, previous_token: str | None) -> NewSession | SignInRefused:
    name = normalise_login(login)[:64]
    _lock_attempts(conn, name, address[:64])
    wait = _throttled(conn, name, address, now)
    if wait > 0:
        log.warning("sign_in_refused", login=name, address=address, reason="throttled",
                    retry_after_s=wait)
        return SignInRefused("throttled", retry_after_s=wait)
    user = conn.execute(select(USER.c.id, USER.c.active).where(USER.c.login == name)).first()
    stored = stored_password(conn, user.id) if user is not None else None
    ok = verify_password(stored[0] if stored else None, password)
    if not ok or user is None or not user.active or stored is None:
        _record(conn, name, address, now, ok=False)
        log.warning("sign_in_failed", login=name, address=address,
                    user_id=None if user is None else user.id)
        return SignInRefused("credentials")
    _record(conn, name, address, now, ok=True)
    rehash_if_needed(conn, user.id, stored[0], password)
    if previous_token:
        _revoke(conn, hash_session_token(previous_token), now)
    session = _new_session(conn, user.id, address, now, policy, must_change=stored[1])
    log.info("sign_in", login=name, user_id=user.id, address=address,
             must_change=stored[1])
    return session


def _revoke(conn: Connection, token_hash: str, now: datetime) -> int:
    result = conn.execute(update(SESSION).where(SESSION.c.token_hash == token_hash,
                                                SESSION.c.revoked_at.is_(None))
                          .values(revoked_at=now))
    return int(result.rowcount)


def session_for(conn: Connection, token: str, *, now: datetime,
                policy: SessionPolicy) -> SessionInfo | None:
    """The live session of this cookie value, or None (unknown, revoked, expired, idle too
    long, user deactivated). Refreshes last_seen_at, at most once per TOUCH_EVERY; the caller
    passes a write transaction when it may have to."""
    if not token:
        return None
    row = conn.execute(select(SESSION, USER.c.login, USER.c.active).join(
        USER, USER.c.id == SESSION.c.user_id).where(
        SESSION.c.token_hash == hash_session_token(token))).first()
    if row is None or row.revoked_at is not None or not row.active:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle:
        return None
    try:
        actor = actor_for_user(conn, row.user_id)
    except NotFound:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        conn.execute(update(SESSION).where(SESSION.c.id == row.id).values(last_seen_at=now))
    stored = stored_password(conn, row.user_id)
    return SessionInfo(session_id=row.id, user_id=row.user_id, login=row.login or "",
                       actor=actor, must_change=stored is None or stored[1],
                       expires_at=row.expires_at)


def needs_touch(conn: Connection, token: str, now: datetime) -> bool:
    """Whether `session_for` would write (so the caller can open a read transaction when
    it will not)."""
    seen = conn.execute(select(SESSION.c.last_seen_at).where(
        SESSION.c.token_hash == hash_session_token(token))).scalar()
    return seen is not None and now - seen >= TOUCH_EVERY


def sign_out(conn: Connection, token: str, now: datetime) -> None:
    row = conn.execute(select(SESSION.c.user_id).where(
        SESSION.c.token_hash == hash_session_token(token))).first()
    if _revoke(conn, hash_session_token(token), now) and row is not None:
        log.info("sign_out", user_id=row.user_id)


def sign_out_everywhere(conn: Connection, user_id: int, now: datetime) -> int:
    """Revoke every session of the user; returns how many were open."""
    result = conn.execute(update(SESSION).where(SESSION.c.user_id == user_id,
                                                SESSION.c.revoked_at.is_(None))
                          .values(revoked_at=now))
    log.info("sign_out_everywhere", user_id=user_id, sessions=int(result.rowcount))
    return int(result.rowcount)


def change_password(conn: Connection, *, user_id: int, current: str, new: str,
                    address: str, now: datetime, policy: SessionPolicy) -> NewSession:
    """The user picks a new password (knowing the current one): every session of theirs
    ends, this browser gets a new one. InvalidData names the field at fault."""
    user = conn.execute(select(USER.c.login).where(USER.c.id == user_id)).first()
    stored = stored_password(conn, user_id)
    if user is None or stored is None or not verify_password(stored[0], current):
        raise InvalidData("the current password is wrong", fields={"current": "is wrong"})
    why = password_problem(user.login, new)
    if why is None and new == current:
        why = "must differ from the current password"
    if why is not None:
        raise InvalidData(f"new password {why}", fields={"new": why})
    set_password(conn, user_id=user_id, password=new, must_change=False, now=now)
    log.info("password_changed", user_id=user_id)
    return _new_session(conn, user_id, address, now, policy, must_change=False)
