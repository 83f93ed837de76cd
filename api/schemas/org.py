"""Org: jurisdictions, units, users and their tokens, all named by code."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Strict

Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")


class JurisdictionIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    level: Literal["province", "city", "county"]
    parent: str | None = Field(default=None, max_length=32)


class JurisdictionOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None


class UnitIn(Strict):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["committee", "police", "procuratorate", "court", "justice", "office",
                  "discipline"]
    jurisdiction: str = Field(max_length=32)


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    jurisdiction: str


class UserIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "handler", "office", "supervisor", "client"]
    jurisdiction: str = Field(max_length=32)
    unit: str | None = Field(default=None, max_length=64)


class UserOut(BaseModel):
    id: int | None
    name: str
    role: str
    jurisdiction: str | None
    unit: str | None


class TokenOut(BaseModel):
    token_id: int
    token: str = Field(description="shown once; only its keyed hash is stored")


class UserWithToken(UserOut):
    token_id: int
    token: str = Field(description="shown once; only its keyed hash is stored")
