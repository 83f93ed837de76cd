"""Console passwords: argon2id hashes (argon2-cffi), the password rules, setting and checking.

A password is at least MIN_LENGTH characters and not the login name. An admin's password
(`leadflow users set-password`, the console's 管理) must be changed at first sign-in; setting
a password ends the user's console sessions. Passwords are never logged or stored in the
clear: only the PHC string of the hash (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`)."""

from __future__ import annotations

from datetime import datetime

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from engine.errors import InvalidData, NotFound
from engine.storage import PASSWORD, SESSION, USER

log = structlog.get_logger("engine.org.passwords")
MIN_LENGTH = 10
MAX_LENGTH = 200  # argon2 takes any length; a bound keeps a hostile form from costing more
# argon2-cffi's defaults: argon2id, RFC 9106's second recommended profile (t=3, 64 MiB, p=4).
# Tests swap in cheaper parameters of the same algorithm.
HASHER = PasswordHasher()
_dummies: dict[int, str] = {}


def _dummy() -> str:
    """A hash verified when the login is unknown, so a wrong login costs the same time as a
    wrong password and the answer does not tell which it was (made once per hasher, lazily:
    importing the engine must not cost a hash)."""
    key = id(HASHER)
    if key not in _dummies:
        _dummies[key] = HASHER.hash("leadflow-no-such-user")
    return _dummies[key]


def password_problem(login: str | None, password: str) -> str | None:
    """Why `password` is not acceptable for `login`, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if login and password.strip().lower() == login.strip().lower():
        return "must not be the login name"
    if not password.strip():
        return "must not be blank"
    return None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with no hash, spends the same time and
    answers False."""
    try:
        return HASHER.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def set_password(conn: Connection, *, user_id: int, password: str, must_change: bool,
                 now: datetime) -> None:
    """Give the user this password (checked against the rules) and end their sessions.
    `must_change`: the user must pick their own at the next sign-in (an admin set it)."""
    user = conn.execute(select(USER.c.id, USER.c.login).where(USER.c.id == user_id)).first()
    if user is None:
        raise NotFound(f"no user {user_id}")
    why = password_problem(user.login, password)
    if why is not None:
        raise InvalidData(f"password {why}", fields={"password": why})
    conn.execute(delete(PASSWORD).where(PASSWORD.c.user_id == user_id))
    conn.execute(insert(PASSWORD).values(user_id=user_id, hash=hash_password(password),
                                         must_change=must_change, set_at=now))
    conn.execute(update(SESSION).where(SESSION.c.user_id == user_id,
                                       SESSION.c.revoked_at.is_(None)).values(revoked_at=now))
    log.info("password_set", user_id=user_id, must_change=must_change)


def stored_password(conn: Connection, user_id: int) -> tuple[str, bool] | None:
    """(hash, must_change) of the user's password, or None when they have none."""
    row = conn.execute(select(PASSWORD.c.hash, PASSWORD.c.must_change)
                       .where(PASSWORD.c.user_id == user_id)).first()
    return None if row is None else (row.hash, bool(row.must_change))


def rehash_if_needed(conn: Connection, user_id: int, stored: str, password: str) -> None:
    """After a successful check: store a new hash when the parameters have been raised."""
    if HASHER.check_needs_rehash(stored):
        conn.execute(update(PASSWORD).where(PASSWORD.c.user_id == user_id)
                     .values(hash=hash_password(password)))
