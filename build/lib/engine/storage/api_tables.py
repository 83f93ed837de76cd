"""The API's tables: bearer tokens and idempotency keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.storage.types import UTCDateTime, core_table


class ApiToken(SQLModel, table=True):
    """A bearer token. `user_id` is NULL only for the bootstrap admin token, which exists so
    an empty installation (no jurisdiction, hence no user yet) can be set up over HTTP."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdempotencyKey(SQLModel, table=True):
    """What a POST with an `Idempotency-Key` created, so a retry returns the same item."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency_principal_key"),)
    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)  # actor label of the caller
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    item_id: int = Field(foreign_key="item.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


TOKEN = core_table(ApiToken)
IDEM = core_table(IdempotencyKey)
