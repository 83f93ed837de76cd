"""What every resource shares: the strict base of request bodies, problem details, and the
aware-time query parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

# Nesting a request body may have: well above any real one, well below the depth at which
# pydantic and the JSON encoders give up (item data has its own, lower, limit in the engine).
MAX_BODY_DEPTH = 32
# JSON Schema `pattern` is a search: a string holding at least one non-blank character, as
# the engine, which strips what it stores, requires.
NOT_BLANK = r"\S"


class Strict(BaseModel):
    # request bodies: an unknown field is a 422, never silently dropped
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _plain_text_only(cls, raw: Any) -> Any:
        """Every string of a body (keys of free-form data included) must be text that
        PostgreSQL can store and UTF-8 can write: no NUL, no lone surrogate (JSON's
        "\\ud800"); and the body must not nest deeper than MAX_BODY_DEPTH. One check on the
        base of every request body, so no field and no new route can forget it."""
        _check_plain(raw, 1, "body")
        return raw


def _check_plain(value: Any, depth: int, where: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where} contains a NUL character")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{where} contains a lone surrogate, which is not "
                                 "text") from None
        return
    if isinstance(value, Mapping | list):
        if depth > MAX_BODY_DEPTH:
            raise ValueError(f"{where} nests more than {MAX_BODY_DEPTH} levels deep")
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            inner = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"
            _check_plain(key, depth, f"a key of {where}")
            _check_plain(item, depth + 1, inner)


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
    request_id: str | None = None  # a 5xx: the X-Request-ID of the log line


# RFC 3339 as clients send it: pydantic alone would also read `12345` as a Unix time.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
# A day inside Python's datetime range on both sides, so the conversion to UTC and a day of
# arithmetic on the value never overflow.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _rfc3339_text(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. "
                         "2026-03-02T09:00:00+08:00")
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time string")
    return value


def _in_range_utc(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once in UTC") from None
    if not _EARLIEST <= utc <= _LATEST:
        raise ValueError("must lie between 0001-01-02 and 9999-12-30 (UTC)")
    return utc


TimeParam = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text),
                      AfterValidator(_in_range_utc)] | None


def text_field(*, max_length: int, min_length: int = 1, pattern: str = NOT_BLANK,
               **kwargs: Any) -> Any:
    """A required text field whose schema says what the engine accepts: not blank."""
    return Field(min_length=min_length, max_length=max_length, pattern=pattern, **kwargs)
