"""Tables of console sign-in: password hashes, server-side sessions and sign-in attempts.

Nothing here holds a secret in the clear: a password is kept as its argon2id hash, a session
as the SHA-256 of its random cookie value (engine/org/passwords.py, engine/org/sessions.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from engine.storage.types import UTCDateTime, core_table


class UserPassword(SQLModel, table=True):
    """A user's console password (argon2id, PHC string). `must_change`: set by an admin's
    reset, cleared when the user picks their own."""

    __tablename__ = "user_password"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    hash: str = Field(max_length=200)
    must_change: bool = True
    set_at: datetime = Field(sa_type=UTCDateTime)


class ConsoleSession(SQLModel, table=True):
    """One signed-in browser. Ends at `expires_at` (absolute lifetime), after the idle
    timeout since `last_seen_at`, or when revoked (sign-out, sign-out everywhere, a new
    password)."""

    __tablename__ = "console_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    address: str = Field(default="", max_length=64)


class SignInAttempt(SQLModel, table=True):
    """Every sign-in attempt, for throttling per account and per address (and for audit).
    `login` is what was typed, even when no such user exists."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_login_at", "login", "at"),
        Index("ix_sign_in_attempt_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64)
    address: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)
    ok: bool


PASSWORD = core_table(UserPassword)
SESSION = core_table(ConsoleSession)
SIGN_IN = core_table(SignInAttempt)
