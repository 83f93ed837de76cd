"""What every resource shares: the strict base of request bodies, problem details, and the
aware-time query parameter."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict


class Strict(BaseModel):
    # request bodies: an unknown field is a 422, never silently dropped
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details, plus the extensions clients act on."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    allowed: list[str] | None = None  # TransitionRefused: the triggers allowed now
    fields: dict[str, str] | None = None  # InvalidData / validation: field -> problem
    current_version: int | None = None  # VersionConflict


TimeParam = AwareDatetime | None
